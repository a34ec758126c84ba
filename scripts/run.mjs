#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles it (no type-check; `npm test` does
// that) into .build/, then node runs the bundle. Usage: node scripts/run.mjs main.ts [args]
//
// The bundle is rebuilt only when it could differ: `.build/<entry>.inputs.json` records the
// sha256 of every file esbuild read, with esbuild's version and options, and of the bundle
// itself, so a bundle truncated or emptied since is rebuilt rather than run. Content hashes,
// not timestamps, so a stale bundle can't be reused; loading esbuild and starting its
// service costs more than the whole synth of the reference stacks. The bundle, its map and
// the inputs file are each written to a temporary name and renamed into place.
//
// Errors name the TypeScript source: stack traces are mapped through the bundle's linked
// source map, lazily (Error.prepareStackTrace), so the map is read only when a trace is.
// A build error prints esbuild's messages (file:line:col, the text, the line) and no trace.
//
// The bundle and the schema validators it loads run with V8's code cache: see
// scripts/code-cache.cjs.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { createRequire, SourceMap } from 'module';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const entry = process.argv[2];
if (!entry || entry === '--help' || entry === '-h') {
  (entry ? console.log : console.error)('usage: node scripts/run.mjs <entry.ts> [args...]\n\nBundles a TypeScript entry point with esbuild (cached in .build/) and runs it with [args...].');
  process.exit(entry ? 0 : 2);
}
process.chdir(root);
const entryFile = path.resolve(root, entry);
if (!fs.existsSync(entryFile)) {
  console.error(`berth: no such entry point: ${entry}`);
  process.exit(2);
}
const sha = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const bundleName = path.basename(entry).replace(/\.ts$/, '.cjs');

// A read-only checkout still runs its read-only commands (diff, report --out elsewhere): the
// bundle then goes to a directory of this user's in the temp dir.
function privateTmpBuildDir() {
  const dir = path.join(os.tmpdir(), `berth-build-${process.getuid?.() ?? 'u'}-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  const st = fs.lstatSync(dir);
  // Someone else's directory must not supply the code this process runs.
  if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-'));
  }
  return dir;
}
const buildDirs = [path.join(root, '.build')];
const options = {
  entryPoints: [entryFile],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // A linked map without sources: an inline one (with the generated imports/ inside) made
  // the bundle 27× larger, and parsing it cost more than the rest of the synth.
  // Stack traces are mapped to the TypeScript below.
  sourcemap: 'linked',
  sourcesContent: false,
  // Errors and warnings are printed below, with esbuild's formatting.
  logLevel: 'silent',
  metafile: true,
  write: false,
};
// This script (options, plugin) and esbuild's version decide the output as much as the inputs.
const fastConvertersFile = path.join(root, 'scripts', 'fast-converters.cjs');
const key = JSON.stringify({
  esbuild: require('esbuild/package.json').version,
  runner: sha(fileURLToPath(import.meta.url)),
  converters: sha(fastConvertersFile),
});

function upToDate(outfile) {
  try {
    const recorded = JSON.parse(fs.readFileSync(outfile.replace(/\.cjs$/, '.inputs.json'), 'utf-8'));
    if (recorded.key !== key || recorded.bundle !== sha(outfile)) return false;
    // A missing input throws: rebuild.
    return Object.entries(recorded.inputs).every(([file, hash]) => sha(file) === hash);
  } catch {
    return false;
  }
}

/** Writes a file under a temporary name, then renames it into place. */
function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/** The first directory where the bundle is current, else where it can be built. */
function chooseOutfile() {
  for (const dir of buildDirs) if (upToDate(path.join(dir, bundleName))) return { outfile: path.join(dir, bundleName), fresh: true };
  try {
    fs.mkdirSync(buildDirs[0], { recursive: true });
    fs.accessSync(buildDirs[0], fs.constants.W_OK);
    return { outfile: path.join(buildDirs[0], bundleName), fresh: false };
  } catch (e) {
    if (!['EROFS', 'EACCES', 'EPERM'].includes(e.code)) throw e;
    const outfile = path.join(privateTmpBuildDir(), bundleName);
    return { outfile, fresh: upToDate(outfile) };
  }
}

const { outfile, fresh } = chooseOutfile();
if (!fresh) {  const { build, formatMessagesSync, transformSync } = await import('esbuild');
  // The schema validators compiled by `npm run import` (imports/validators/*.cjs, ~5 MB) stay
  // out of the bundle: bundling them would triple the build and load time, while node loads
  // each module from the repo only when the synth meets one of its kinds.
  const validatorsDir = path.join(root, 'imports', 'validators') + path.sep;
  const externalValidators = {
    name: 'external-validators',
    setup(b) {
      b.onResolve({ filter: /\.cjs$/ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        if (!file.startsWith(validatorsDir)) return undefined;
        return { path: path.relative(path.dirname(outfile), file).split(path.sep).join('/'), external: true };
      });
    },
  };
  // The generated converters, rewritten as they are bundled: see scripts/fast-converters.cjs.
  const importsDir = path.join(root, 'imports') + path.sep;
  const { fastConverters } = require(fastConvertersFile);
  const linearConverters = {
    name: 'fast-converters',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (path.dirname(args.path) + path.sep !== importsDir) return undefined;
        return { contents: fastConverters(fs.readFileSync(args.path, 'utf-8')).source, loader: 'ts' };
      });
    },
  };
  // cdk8s and constructs are compiled with define-semantics class fields. V8 (Node 20)
  // defines such a field on a slow path once a class has several subclasses, as ApiObject
  // (a subclass per kind) and Construct have: at N = 1000 that was ~0.4 s of a 5 s synth.
  // Compiled again with useDefineForClassFields off, each field becomes a plain assignment in
  // the constructor, as tsc would emit it (fields without an initializer, which both
  // libraries assign in their constructors, are dropped). Our own sources keep define
  // semantics: as assignments, the generated kinds' static GVK fields would keep every kind
  // in the bundle.
  const assignedFieldsDirs = ['cdk8s', 'constructs'].map((p) => path.join(root, 'node_modules', p, 'lib') + path.sep);
  const assignedFields = {
    name: 'assigned-class-fields',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (!assignedFieldsDirs.some((d) => args.path.startsWith(d))) return undefined;
        const { code } = transformSync(fs.readFileSync(args.path, 'utf-8'), {
          loader: 'ts', target: 'node20', tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
        });
        return { contents: code, loader: 'js' };
      });
    },
  };
  let result;
  try {
    result = await build({ ...options, outfile, plugins: [externalValidators, linearConverters, assignedFields] });
  } catch (e) {
    // esbuild's own messages, with file:line:col and the line; its JavaScript stack says nothing.
    const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      process.stderr.write(formatMessagesSync(e.errors, { kind: 'error', color }).join(''));
      console.error(`berth: ${entry} could not be built: ${e.errors.length} error(s); nothing was run`);
    } else {
      console.error(`berth: ${entry} could not be built: ${e instanceof Error ? e.message : String(e)}; nothing was run`);
    }
    process.exit(1);
  }
  if (result.warnings.length > 0) {
    process.stderr.write(formatMessagesSync(result.warnings, { kind: 'warning', color: process.stderr.isTTY === true }).join(''));
  }
  // The map first and the inputs file last: an inputs file names only a complete bundle.
  for (const f of [...result.outputFiles].sort((a, b) => Number(a.path === outfile) - Number(b.path === outfile))) writeAtomic(f.path, f.contents);
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).sort().map((f) => [f, sha(f)]));
  writeAtomic(outfile.replace(/\.cjs$/, '.inputs.json'), JSON.stringify({ key, bundle: sha(outfile), inputs }, null, 1));
}

// Stack traces through the bundle's source map, read on the first trace that needs it.
const bundleDir = path.dirname(outfile) + path.sep;
const sourceMaps = new Map();
function sourceMapOf(file) {
  if (!sourceMaps.has(file)) {
    let map = null;
    try {
      const payload = JSON.parse(fs.readFileSync(`${file}.map`, 'utf-8'));
      map = { map: new SourceMap(payload), dir: path.resolve(path.dirname(file), payload.sourceRoot ?? '') };
    } catch {
      // No map, or a damaged one: the bundle's own locations.
    }
    sourceMaps.set(file, map);
  }
  return sourceMaps.get(file);
}
function frame(site) {
  const text = String(site);
  const file = site.getFileName();
  if (typeof file !== 'string' || !file.startsWith(bundleDir)) return text;
  const sm = sourceMapOf(file);
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  const at = sm?.map.findEntry(line - 1, column - 1);
  if (at?.originalSource === undefined) return text;
  return text.replace(`${file}:${line}:${column}`, `${path.resolve(sm.dir, at.originalSource)}:${at.originalLine + 1}:${at.originalColumn + 1}`);
}
Error.prepareStackTrace = (error, sites) => {
  let head;
  try {
    head = Error.prototype.toString.call(error);
  } catch {
    head = 'Error';
  }
  return [head, ...sites.map((s) => `    at ${frame(s)}`)].join('\n');
};

/** An error nothing caught, as one line: what, and the innermost frame of our own code. */
function reportUncaught(e) {
  if (!(e instanceof Error)) {
    console.error(`berth: ${entry} failed: ${String(e)}`);
  } else {
    const frames = (e.stack ?? '').split('\n').map((l) => /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(l)).filter(Boolean);
    const own = frames.find((m) => !m[1].startsWith('node:') && !m[1].includes(`${path.sep}node_modules${path.sep}`)) ?? frames[0];
    const at = own ? ` (at ${path.relative(root, own[1]).startsWith('..') ? own[1] : path.relative(root, own[1])}:${own[2]}:${own[3]})` : '';
    console.error(`berth: ${entry} failed: ${e.name}: ${e.message}${at}`);
  }
  process.exit(1);
}
process.on('uncaughtException', reportUncaught);
process.on('unhandledRejection', reportUncaught);

// V8 sends a function to its optimizing compiler once the function has run ~66 KB of
// bytecode (its interrupt budget), a default tuned for long-lived pages. A synth is one short
// run: at N = 1000 the compiler's threads took ~3 s of CPU beside the main thread's 6.7 s, on
// 2 cores. A budget 4.4× larger leaves that compiler the hottest functions only (see
// docs/performance.md). Set before the bundle loads, so it covers all of it.
v8.setFlagsFromString('--interrupt-budget=300000');
require('./code-cache.cjs');
process.argv.splice(1, 2, outfile);
try {
  require(outfile);
} catch (e) {
  reportUncaught(e);
}

#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles it (no type-check; `npm test` does
// that) into .build/, then node runs the bundle. Usage: node scripts/run.mjs main.ts [args]
//
// The bundle is rebuilt only when it could differ: `.build/<entry>.inputs.json` records the
// sha256 of every file esbuild read, with esbuild's version and options. Content hashes,
// not timestamps, so a stale bundle can't be reused; loading esbuild and starting its
// service costs more than the whole synth of the reference stacks.
//
// The bundle and the schema validators it loads run with V8's code cache: see
// scripts/code-cache.cjs.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as v8 from 'v8';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
process.chdir(root);
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.cjs'));
const inputsFile = outfile.replace(/\.cjs$/, '.inputs.json');

const options = {
  entryPoints: [path.resolve(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // A linked map without sources: an inline one (with the generated imports/ inside) made
  // the bundle 27× larger, and parsing it cost more than the rest of the synth.
  // `node --enable-source-maps` still maps stack traces to the TypeScript.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  metafile: true,
};
const sha = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
// This script (options, plugin) and esbuild's version decide the output as much as the inputs.
const fastConvertersFile = path.join(root, 'scripts', 'fast-converters.cjs');
const key = JSON.stringify({
  esbuild: require('esbuild/package.json').version,
  runner: sha(fileURLToPath(import.meta.url)),
  converters: sha(fastConvertersFile),
});

function upToDate() {
  try {
    const recorded = JSON.parse(fs.readFileSync(inputsFile, 'utf-8'));
    if (recorded.key !== key || !fs.existsSync(outfile)) return false;
    // A missing input throws: rebuild.
    return Object.entries(recorded.inputs).every(([file, hash]) => sha(file) === hash);
  } catch {
    return false;
  }
}

if (!upToDate()) {
  const { build, transformSync } = await import('esbuild');
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
  const result = await build({ ...options, plugins: [externalValidators, linearConverters, assignedFields] });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).sort().map((f) => [f, sha(f)]));
  fs.writeFileSync(inputsFile, JSON.stringify({ key, inputs }, null, 1));
}

// V8 sends a function to its optimizing compiler once the function has run ~66 KB of
// bytecode (its interrupt budget), a default tuned for long-lived pages. A synth is one short
// run: at N = 1000 the compiler's threads took ~3 s of CPU beside the main thread's 6.7 s, on
// 2 cores. A budget 4.4× larger leaves that compiler the hottest functions only (see
// docs/performance.md). Set before the bundle loads, so it covers all of it.
v8.setFlagsFromString('--interrupt-budget=300000');
require('./code-cache.cjs');
process.argv.splice(1, 2, outfile);
require(outfile);

// scripts/run.mjs: what the runner's bundle changes about the packages it bundles.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpdir } from './util';

const root = path.resolve(__dirname, '..');
const name = `run-test-${process.pid}`;
const entry = path.join(root, '.build', `${name}.ts`);

afterAll(() => {
  for (const f of [entry, ...['.cjs', '.cjs.map', '.inputs.json'].map((ext) => path.join(root, '.build', `${name}${ext}`))]) fs.rmSync(f, { force: true });
  fs.rmSync(path.join(root, '.build', 'cache', `.build__${name}.cjs.v8`), { force: true });
});

// A field declared without an initializer, alone on its line, as tsc emits it for ES2022.
const FIELD = (field: string): RegExp => new RegExp(`^\\s+${field};$`, 'm');

test('cdk8s and constructs are bundled with their class fields as constructor assignments, and work as before', () => {
  // As published, both declare their fields (define semantics).
  const lib = (pkg: string, file: string): string => fs.readFileSync(path.join(root, 'node_modules', pkg, 'lib', file), 'utf-8');
  expect(FIELD('props').test(lib('cdk8s', 'api-object.js'))).toBe(true);
  expect(FIELD('node').test(lib('constructs', 'construct.js'))).toBe(true);
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  fs.writeFileSync(entry, [
    "import { ApiObject, App, Chart } from 'cdk8s';",
    "import { Construct } from 'constructs';",
    "const chart = new Chart(new App(), 'c', { namespace: 'ns', labels: { team: 'a' } });",
    "const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { app: 'y' } } });",
    `const declared = ${FIELD('props')}.test(ApiObject.toString()) || ${FIELD('node')}.test(Construct.toString());`,
    'console.log(JSON.stringify({ declared, path: o.node.path, json: o.toJson() }));',
    '',
  ].join('\n'));
  const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'run.mjs'), path.relative(root, entry)], {
    encoding: 'utf-8', env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(JSON.parse(out)).toEqual({
    declared: false,
    path: 'c/o',
    json: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', labels: { app: 'y', team: 'a' } } },
  });
});

// The runner's faults and error messages, each through a real process.
const runner = path.join(root, 'scripts', 'run.mjs');
const run = (args: readonly string[]) => spawnSync(process.execPath, [runner, ...args], {
  cwd: root, encoding: 'utf-8', env: { ...process.env, NODE_OPTIONS: '', CI: 'true' },
});
const scratch: string[] = [];
afterAll(() => {
  for (const f of scratch) fs.rmSync(f, { recursive: true, force: true });
});
/** A source in .build/ (gitignored), removed after the tests with its bundle. */
function scratchEntry(label: string, source: string): string {
  const file = path.join(root, '.build', `${name}-${label}.ts`);
  fs.writeFileSync(file, source);
  scratch.push(file, ...['.cjs', '.cjs.map', '.inputs.json'].map((ext) => file.replace(/\.ts$/, ext)),
    path.join(root, '.build', 'cache', `.build__${name}-${label}.cjs.v8`));
  return path.relative(root, file);
}

describe('errors name the TypeScript source, not the bundle', () => {
  const fixture = 'test/fixtures/faulty-synth.ts';
  const source = fs.readFileSync(path.join(root, fixture), 'utf-8').split('\n');
  /** `file:line:col` of `token` on the line marked `// @<marker>`, as V8 reports it (1-based). */
  const at = (marker: string, token: string): string => {
    const i = source.findIndex((l) => l.endsWith(`// @${marker}`));
    expect(i).toBeGreaterThanOrEqual(0);
    return `${fixture}:${i + 1}:${source[i].indexOf(token) + 1}`;
  };
  const synthOf = (mistake: string) => {
    const out = path.join(tmpdir('berth-faulty-'), 'dist');
    scratch.push(path.dirname(out));
    const r = run([fixture, mistake, out]);
    expect(fs.existsSync(out)).toBe(false);
    return { status: r.status, stderr: r.stderr.split('\n').filter((l) => l !== '') };
  };
  const failed = 'berth: synth failed while building the stacks; dist/ was not changed';

  test('a throw in stack code: its file and line, once for the environments it happens in', () => {
    expect(synthOf('throw')).toEqual({ status: 1, stderr: [failed, `  faulty (prod-eu-west, prod-us-east): Error: prod needs a database (at ${at('throw', 'new Error')})`] });
  });

  test('a property of undefined', () => {
    expect(synthOf('undefined')).toEqual({ status: 1, stderr: [
      failed, `  faulty (dev, staging, prod-eu-west, prod-us-east): TypeError: Cannot read properties of undefined (reading 'fast') (at ${at('undefined', 'fast')})`,
    ] });
  });

  test('a misspelt function', () => {
    expect(synthOf('not-a-function')).toEqual({ status: 1, stderr: [
      failed, `  faulty (dev, staging, prod-eu-west, prod-us-east): TypeError: helpers.confgMap is not a function (at ${at('not-a-function', 'confgMap')})`,
    ] });
  });

  test('a construct id used twice: the construct path and the line of the second', () => {
    expect(synthOf('duplicate-id')).toEqual({ status: 1, stderr: [
      'berth: synth refused: 4 problem(s) in the stack definitions; dist/ was not changed',
      ...['dev', 'staging', 'prod-eu-west', 'prod-us-east'].map((e) => `  [faulty-${e}/settings] construct id 'settings' is used twice in faulty-${e}: `
        + `a ConfigMap, then a ConfigMap at ${at('duplicate-id', 'new')}; ids must be unique within their scope`),
    ] });
  });

  test('two constructs that map to one file: both construct paths', () => {
    expect(synthOf('same-file')).toEqual({ status: 1, stderr: [
      'berth: synth refused: 4 problem(s) in the stack definitions; dist/ was not changed',
      ...['dev', 'staging', 'prod-eu-west', 'prod-us-east'].map((e) => `  [faulty-${e}/settings] and [faulty-${e}/flags] both map to ${e}/faulty/02-configmap-shared.yaml: `
        + "2 × ConfigMap 'shared' (v1); give one of them another name"),
    ] });
  });

  test('an error outside the synth (at module load) is one line with its location', () => {
    const r = run([fixture, 'top-level']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1, stderr: `berth: ${fixture} failed: RangeError: no such mistake (at ${at('top-level', 'new')})\n`,
    });
  });
});

describe('build errors print esbuild\'s message, without a trace', () => {
  test('a syntax error', () => {
    const entry = scratchEntry('syntax', 'export const x = { a: 1 ;\n');
    const r = run([entry]);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 1, stdout: '', stderr: [
      '✘ [ERROR] Expected "}" but found ";"', '', `    ${entry}:1:24:`, '      1 │ export const x = { a: 1 ;',
      '        │                         ^', '        ╵                         }', '',
      `berth: ${entry} could not be built: 1 error(s); nothing was run`, '',
    ].join('\n') });
  });

  test('a misspelt import', () => {
    const entry = scratchEntry('import', "import { y } from './no-such-modul';\nconsole.log(y);\n");
    const r = run([entry]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: [
      '✘ [ERROR] Could not resolve "./no-such-modul"', '', `    ${entry}:1:18:`, "      1 │ import { y } from './no-such-modul';",
      `        ╵                   ${'~'.repeat("'./no-such-modul'".length)}`, '',
      `berth: ${entry} could not be built: 1 error(s); nothing was run`, '',
    ].join('\n') });
  });

  test('a failed build leaves no bundle behind that a later run would take', () => {
    const entry = scratchEntry('later', "console.log('first');\n");
    expect(run([entry]).stdout).toBe('first\n');
    fs.writeFileSync(path.join(root, entry), "console.log('second';\n");
    expect(run([entry]).status).toBe(1);
    fs.writeFileSync(path.join(root, entry), "console.log('third');\n");
    expect(run([entry]).stdout).toBe('third\n');
  });
});

describe('a damaged bundle cache is rebuilt', () => {
  const entry = () => scratchEntry('cache', "import { App } from 'cdk8s';\nconsole.log(new App().outdir ? 'ran' : 'no outdir');\n");
  const bundle = (e: string) => path.join(root, e.replace(/\.ts$/, '.cjs'));

  test('a truncated bundle', () => {
    const e = entry();
    expect(run([e]).stdout).toBe('ran\n');
    const full = fs.readFileSync(bundle(e));
    fs.writeFileSync(bundle(e), full.subarray(0, full.length >> 1));
    expect(run([e])).toMatchObject({ status: 0, stdout: 'ran\n', stderr: '' });
    expect(fs.readFileSync(bundle(e))).toEqual(full);
  });

  test('an empty bundle', () => {
    const e = entry();
    expect(run([e]).stdout).toBe('ran\n');
    fs.writeFileSync(bundle(e), '');
    expect(run([e])).toMatchObject({ status: 0, stdout: 'ran\n' });
    expect(fs.statSync(bundle(e)).size).toBeGreaterThan(1000);
  });
});

// scripts/run.mjs: what the runner's bundle changes about the packages it bundles.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

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

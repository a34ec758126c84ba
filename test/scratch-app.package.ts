// `npm run test:package`: berth as another team gets it. Packs the package, installs the
// tarball into a cdk8s app in a temporary directory with `npm ci --offline` (its
// dependencies come from the npm cache the repository's own `npm ci` filled: no registry),
// compiles the app's TypeScript against the published declarations, synthesizes it with a
// plain `cdk8s synth` (validateApp in main.ts, the validation plugin in cdk8s.yaml) and runs
// its jest test with the published matchers. Not part of `npm test`: it takes ~20-30 s.
// The app's directory is removed afterwards unless BERTH_KEEP_SCRATCH is set.
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { tmpdir } from './util';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const APP_ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false', NO_COLOR: '1', FORCE_COLOR: '0' };

jest.setTimeout(180_000);

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/**
 * The app's package.json and package-lock.json: berth from the tarball, its dependencies and
 * peers and the app's type packages at the versions the repository locks, so `npm ci
 * --offline` finds every one in the npm cache by its integrity.
 */
function writeManifests(app: string, tarball: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf-8')) as { packages: Record<string, LockEntry> };
  const berth = JSON.parse(execFileSync('tar', ['-xOzf', path.join(app, tarball), 'package/package.json'], { encoding: 'utf-8' })) as {
    version: string; license: string; engines: object; dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: object;
  };
  const version = (name: string) => lock.packages[`node_modules/${name}`].version!;
  const dependencies: Record<string, string> = { berth: `file:${tarball}` };
  for (const p of Object.keys(berth.peerDependencies)) dependencies[p] = version(p);
  const devDependencies = Object.fromEntries(['@types/jest', '@types/node'].map((p) => [p, version(p)]));
  const packages: Record<string, LockEntry> = {};
  const resolve = (from: string, name: string): string => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock.packages[key] !== undefined) return key;
      if (dir === '') throw new Error(`package-lock.json has no ${name} for ${from}`);
    }
  };
  const add = (key: string): void => {
    if (packages[key] !== undefined) return;
    // The app's own, not the repository's development tree.
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = lock.packages[key];
    packages[key] = entry;
    for (const k of Object.keys(lock.packages)) if (k.startsWith(`${key}/node_modules/`)) add(k);
    for (const d of Object.keys(lock.packages[key].dependencies ?? {})) add(resolve(key, d));
  };
  for (const d of [...Object.keys(berth.dependencies), ...Object.keys(berth.peerDependencies), ...Object.keys(devDependencies)]) add(resolve('', d));
  packages['node_modules/berth'] = {
    version: berth.version,
    resolved: `file:${tarball}`,
    integrity: `sha512-${crypto.createHash('sha512').update(fs.readFileSync(path.join(app, tarball))).digest('base64')}`,
    license: berth.license,
    dependencies: berth.dependencies,
    peerDependencies: berth.peerDependencies,
    peerDependenciesMeta: berth.peerDependenciesMeta,
    engines: berth.engines,
  };
  const root = { name: 'scratch-app', version: '1.0.0', dependencies, devDependencies };
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ ...root, private: true, scripts: { synth: 'cdk8s synth' } }, null, 2));
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : 1)));
  fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ ...root, lockfileVersion: 3, requires: true, packages: { '': root, ...sorted } }, null, 2));
}

/** The README's example (the first TypeScript block of its section), run as it is. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
  const section = readme.slice(readme.indexOf('## Using berth in your own cdk8s app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error("README.md: no TypeScript example under 'Using berth in your own cdk8s app'");
  return block[1];
}

/** The app, as `cdk8s init typescript-app` lays it out, with `app: node main.js` (ts-node isn't installed offline). */
const FILES: Readonly<Record<string, string>> = {
  'readme.ts': readmeExample(),
  'chart.ts': `import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NamespaceBaseline, PlusWorkload, StatefulStore, WebService } from 'berth';

export interface ShopChartProps extends ChartProps {
  /** Leave the cdk8s-plus worker with cdk8s-plus's own security defaults. */
  readonly kplusDefaults?: boolean;
}

export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ShopChartProps = {}) {
    super(scope, id, { namespace: 'shop-dev', disableResourceNameHashes: true, ...props });
    new NamespaceBaseline(this, 'baseline', {});
    const db = new StatefulStore(this, 'postgres', {
      engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true,
      postgres: { database: 'shop', username: 'shop' },
    });
    const api = new WebService(this, 'api', {
      image: 'ghcr.io/acme/api:1.4.2', ports: [{ name: 'http', port: 8080 }], env: db.connectionEnv({ prefix: 'DB_' }),
    });
    api.connectTo(db);
    const securityContext: kplus.ContainerSecurityContextProps = props.kplusDefaults ? {} : {
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT }, capabilities: { drop: [kplus.Capability.ALL] },
    };
    const worker = new kplus.Deployment(this, 'worker', {
      metadata: { name: 'worker' },
      serviceAccount: new kplus.ServiceAccount(this, 'worker-sa', { metadata: { name: 'worker' }, automountToken: false }),
      containers: [{
        image: 'ghcr.io/acme/worker:2.0.0', portNumber: 9000, securityContext,
        resources: { ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } },
      }],
    });
    api.connectTo(worker);
    PlusWorkload.of(worker).connectTo(db);
    PlusWorkload.of(worker).connectTo(api);
  }
}
`,
  'main.ts': `import { App } from 'cdk8s';
import { validateApp } from 'berth/validate';
import { ShopChart } from './chart';

const app = new App();
new ShopChart(app, 'shop', { kplusDefaults: process.env.KPLUS_DEFAULTS === '1' });
// The safety net before anything is written; SKIP_VALIDATE leaves it to the cdk8s.yaml plugin.
if (process.env.SKIP_VALIDATE !== '1') validateApp(app, { env: 'dev', allowPlaintextSecrets: true });
app.synth();
`,
  'main.test.ts': `import { Testing } from 'cdk8s';
import { ShopChart } from './chart';

test('the shop passes the safety net', () => {
  expect(new ShopChart(Testing.app(), 'shop')).toPassSafetyNet({ env: 'dev', plaintextSecretEnvs: ['dev'] });
});

test("cdk8s-plus's defaults don't pass restricted", () => {
  expect(new ShopChart(Testing.app(), 'shop', { kplusDefaults: true })).not.toPassRestricted();
});
`,
  'cdk8s.yaml': `language: typescript
app: node main.js
output: dist
validations:
  - package: ./node_modules/berth/lib/entry/plugin.js
    class: BerthValidation
    version: 0.1.0
    properties:
      env: dev
      allowPlaintextSecrets: true
`,
  // cdk8s init's tsconfig, plus \`types\`: TypeScript 6 and later include no @types package unless
  // listed, and berth/testing declares the matchers the jest setup file registers.
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      alwaysStrict: true, declaration: true, experimentalDecorators: true, inlineSourceMap: true, inlineSources: true, lib: ['es2016'],
      module: 'CommonJS', noEmit: false, noEmitOnError: true, noFallthroughCasesInSwitch: true, noImplicitAny: true, noImplicitReturns: true,
      noImplicitThis: true, noUnusedLocals: true, noUnusedParameters: true, resolveJsonModule: true, strict: true, strictNullChecks: true,
      strictPropertyInitialization: true, stripInternal: true, target: 'ES2017', types: ['node', 'jest', 'berth/testing'],
    },
    include: ['**/*.ts'],
    exclude: ['node_modules'],
  }, null, 2),
  'jest.config.js': "module.exports = { testEnvironment: 'node', testMatch: ['**/*.test.js'], setupFilesAfterEnv: ['berth/testing/setup'] };\n",
};

let app: string;
let packed: { filename: string; files: { path: string }[] };

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = APP_ENV): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: app, env, encoding: 'utf-8' });
}

/** `cdk8s synth` in the app, with extra environment variables. */
function synth(env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return run(path.join(BIN, 'cdk8s'), ['synth'], { ...APP_ENV, ...env });
}

function manifests(): string[] {
  const dist = path.join(app, 'dist');
  return fs.existsSync(dist) ? fs.readdirSync(dist).filter((f) => f.endsWith('.yaml')) : [];
}

beforeAll(() => {
  app = tmpdir('berth-scratch-app-');
  // `npm pack` builds lib/ first (prepack).
  [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', app], { cwd: ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }));
  writeManifests(app, packed.filename);
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(app, name), text);
  const install = run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund']);
  if (install.status !== 0) {
    throw new Error(`npm ci --offline failed (a package missing from the npm cache? run npm ci in the repository first):\n${install.stderr}`);
  }
  const tsc = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  if (tsc.status !== 0) throw new Error(`the app does not compile against the published declarations:\n${tsc.stdout}${tsc.stderr}`);
});

afterAll(() => {
  if (app !== undefined && process.env.BERTH_KEEP_SCRATCH === undefined) fs.rmSync(app, { recursive: true, force: true });
});

describe('berth in a cdk8s app of its own', () => {
  test('the tarball holds the built library, its changelog and its guide, and nothing else of the repository', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => !p.startsWith('lib/')).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'docs/library.md', 'package.json']);
    expect(paths.filter((p) => p.startsWith('lib/entry/')).sort()).toEqual([
      'lib/entry/index.d.ts', 'lib/entry/index.js', 'lib/entry/plugin.d.ts', 'lib/entry/plugin.js', 'lib/entry/testing-setup.d.ts',
      'lib/entry/testing-setup.js', 'lib/entry/testing.d.ts', 'lib/entry/testing.js', 'lib/entry/validate.d.ts', 'lib/entry/validate.js',
    ]);
    expect(paths.filter((p) => /^lib\/(charts|tools|test|scripts|bench)\//.test(p) || ['lib/synth/index.js', 'lib/synth/write.js', 'lib/main.js'].includes(p))).toEqual([]);
    expect(paths).toContain('lib/imports/validators/k8s-workloads.cjs');
  });

  test('a plain cdk8s synth writes the manifests, and the validation plugin passes them', () => {
    const r = synth();
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('Validations ended succesfully');
    expect(manifests()).toEqual(['shop.k8s.yaml']);
    const kinds = fs.readFileSync(path.join(app, 'dist', 'shop.k8s.yaml'), 'utf-8').match(/^kind: .*$/gm)!.sort();
    expect(kinds.filter((k, i) => kinds.indexOf(k) === i)).toEqual([
      'kind: ConfigMap', 'kind: Deployment', 'kind: LimitRange', 'kind: Namespace', 'kind: NetworkPolicy', 'kind: PodDisruptionBudget',
      'kind: ResourceQuota', 'kind: Secret', 'kind: Service', 'kind: ServiceAccount', 'kind: StatefulSet',
    ]);
  });

  test('validateApp refuses before anything is written, with the construct path and the fix', () => {
    const r = synth({ KPLUS_DEFAULTS: '1' });
    expect(r.status).not.toBe(0);
    const c0 = 'spec.template.spec.containers[0].securityContext';
    expect(r.stderr).toContain([
      'SafetyNetError: berth: synth refused: 2 problem(s) in the synthesized output',
      `  dev/shop Deployment/worker [shop/worker/Resource] ${c0}.seccompProfile.type: must be RuntimeDefault or Localhost here or in the pod's securityContext, received undefined (Pod Security Standards restricted) (hint: cdk8s-plus sets no seccomp profile: give container "main" securityContext: { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } })`,
      `  dev/shop Deployment/worker [shop/worker/Resource] ${c0}.capabilities.drop: must include ALL, received undefined (Pod Security Standards restricted) (hint: cdk8s-plus drops no capabilities: give container "main" securityContext: { capabilities: { drop: [kplus.Capability.ALL] } })`,
    ].join('\n'));
    expect(manifests()).toEqual([]);
  });

  test('without validateApp, the plugin refuses after the app has written: cdk8s synth exits 2', () => {
    const r = synth({ KPLUS_DEFAULTS: '1', SKIP_VALIDATE: '1' });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('berth: synth refused: 2 problem(s) in the synthesized output\n  dev/shop Deployment/worker [shop/worker] spec.template.spec.containers[0].securityContext.seccompProfile.type: must be');
    expect(r.stderr).toContain('Validation failed');
    expect(manifests()).toEqual(['shop.k8s.yaml']);
  });

  test("the README's example synthesizes as it is", () => {
    const r = run(process.execPath, ['readme.js'], { ...APP_ENV, CDK8S_OUTDIR: 'readme-dist' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(fs.readdirSync(path.join(app, 'readme-dist'))).toEqual(['shop.k8s.yaml']);
  });

  test("the app's own jest test runs berth's matchers", () => {
    const r = run(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--rootDir', app]);
    expect([r.status, r.stderr.match(/^Tests: .*$/m)?.[0]]).toEqual([0, 'Tests:       2 passed, 2 total']);
  });
});

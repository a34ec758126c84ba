import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { clusterTargets, ENVIRONMENTS, StackChart, StackDefinition, buildUnits, planUnits } from '../charts';
import { argocdUnit } from '../charts/argocd';
import { Problems } from '../constructs/core/errors';
import { listTree, tmpdir } from './util';
import { PlannedUnit, synthesize, SynthUnit, Validator } from '../synth';
import { fileNameOf } from '../synth/order';
import { ChangeWriter } from '../synth/write';


const quiet = { log: () => undefined, error: () => undefined };
const self = fs.readFileSync(__filename, 'utf-8').split('\n');
/** `test/synth.test.ts:<line>:<col>` of `token` on the line that ends with `// <marker>`. */
const lineOf = (marker: string, token: string): string => {
  const i = self.findIndex((l) => l.endsWith(`// ${marker}`));
  return `test/synth.test.ts:${i + 1}:${self[i].indexOf(token) + 1}`;
};

/** A one-ConfigMap stack: the pipeline's behaviour, not the reference stacks'. */
const hello: StackDefinition = {
  id: 'hello',
  build: (chart, env) => {
    new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'hello' }, data: { GREETING: `hello from ${env.name}` } });
  },
};
const TARGETS = ENVIRONMENTS.flatMap(clusterTargets);
const buildAll = () => [...buildUnits(ENVIRONMENTS, [hello]), ...TARGETS.map((t) => argocdUnit(t, ['hello']))];

describe('synth pipeline', () => {
  test('writes dist/<env>/<stack>/ with a kustomization', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    expect(synthesize(buildAll, { outdir: out, ...quiet }).exitCode).toBe(0);
    const tree = listTree(out);
    const files = [
      '00-namespace-hello-dev.yaml', '01-limitrange-baseline.yaml', '01-networkpolicy-allow-dns.yaml',
      '01-networkpolicy-default-deny.yaml', '01-resourcequota-baseline.yaml', '02-configmap-hello.yaml',
    ];
    expect(Object.keys(tree).filter((f) => f.startsWith('dev/hello/')).sort()).toEqual([...files, 'Kustomization'].map((f) => `dev/hello/${f}`));
    expect(tree['dev/hello/02-configmap-hello.yaml']).toBe([
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: hello', '  namespace: hello-dev', '  labels:',
      '    app.kubernetes.io/part-of: hello', '  annotations:', "    argocd.argoproj.io/sync-wave: '2'", 'data:', '  GREETING: hello from dev', '',
    ].join('\n'));
    expect(tree['dev/hello/Kustomization']).toBe(
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f}\n`).join('')}`);
    expect([...new Set(Object.keys(tree).map((f) => f.split('/')[0]))].sort()).toEqual(TARGETS.map((t) => t.dir).sort());
  });

  test('is deterministic across runs and working directories', () => {
    const a = path.join(tmpdir('berth-synth-'), 'dist');
    const b = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: a, ...quiet });
    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    try {
      synthesize(buildAll, { outdir: b, ...quiet });
    } finally {
      process.chdir(cwd);
    }
    expect(listTree(b)).toEqual(listTree(a));
  });

  test('a ValidationError from a construct leaves dist/ untouched and lists every problem', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: out, ...quiet });
    const before = listTree(out);
    const errors: string[] = [];
    const failing = (): SynthUnit[] => {
      const p = new Problems('hello-dev/web');
      p.add('replicas', 'must be >= 1', 0);
      p.add('port', 'must be in 1-65535', 70000);
      p.throwIfAny();
      return [];
    };
    expect(synthesize(failing, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual([
      'berth: synth refused: 2 problem(s) in the stack definitions; dist/ was not changed',
      "  [hello-dev/web] 'replicas' must be >= 1, received 0",
      "  [hello-dev/web] 'port' must be in 1-65535, received 70000",
    ]);
    expect(listTree(out)).toEqual(before);
  });

  test('validator findings refuse the synth with one line each', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    const errors: string[] = [];
    const v: Validator = (s) => s.objects
      .filter((o) => o.manifest.kind === 'ConfigMap')
      .map((o) => ({ env: s.env, stack: s.stack, kind: o.manifest.kind, name: o.manifest.metadata.name,
        constructPath: o.constructPath, field: 'data', message: 'test finding', hint: 'fix it' }));
    const r = synthesize(buildAll, { outdir: out, validators: [v], log: () => undefined, error: (l) => errors.push(l) });
    expect(r.exitCode).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
    expect(errors[1]).toBe('  dev/hello ConfigMap/hello [hello-dev/config] data: test finding (hint: fix it)');
    expect(errors).toHaveLength(1 + TARGETS.length);
  });

  test('each cluster gets an Argo CD root with its project, the stacks\' project and one Application per stack', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: out, ...quiet });
    const tree = listTree(out);
    expect(Object.keys(tree).filter((f) => f.startsWith('staging/argocd/')).sort()).toEqual([
      'staging/argocd/00-application-berth-staging-cluster.yaml', 'staging/argocd/00-appproject-berth-staging-cluster.yaml',
      'staging/argocd/00-appproject-berth-staging-root.yaml', 'staging/argocd/00-appproject-berth-staging.yaml',
      'staging/argocd/01-application-berth-staging-root.yaml', 'staging/argocd/01-application-hello-staging.yaml', 'staging/argocd/Kustomization',
    ]);
    expect(tree['staging/argocd/01-application-hello-staging.yaml']).toContain('    path: dist/staging/hello\n');
    // Server-side apply, as Flux applies: each field owned by its manager (docs/deployment.md, "Field ownership").
    expect(tree['staging/argocd/01-application-hello-staging.yaml']).toContain(
      '    syncOptions:\n      - CreateNamespace=false\n      - PrunePropagationPolicy=foreground\n      - ApplyOutOfSyncOnly=true\n      - ServerSideApply=true\n');
  });

  test('a crashing validator is reported with every other finding, and dist/ stays untouched', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: out, ...quiet });
    const before = listTree(out);
    const errors: string[] = [];
    const crashing: Validator = function crashing() {
      throw new TypeError('boom'); // @crashing
    };
    const finding: Validator = (s) => (s.env === 'dev' && s.stack === 'hello' ? [{ env: s.env, stack: s.stack, kind: 'ConfigMap', name: 'hello',
      constructPath: 'hello-dev/config', field: 'data', message: 'test finding' }] : []);
    const r = synthesize(buildAll, { outdir: out, validators: [crashing, finding], log: () => undefined, error: (l) => errors.push(l) });
    expect(r.exitCode).toBe(1);
    expect(errors.slice(0, 2)).toEqual([
      'berth: synth refused: 2 problem(s) in the synthesized output; dist/ was not changed',
      '  dev/hello ConfigMap/hello [hello-dev/config] data: test finding',
    ]);
    expect(errors[2]).toBe(`  validator crashing crashed on dev/hello: TypeError: boom (at ${lineOf('@crashing', 'new TypeError')})`);
    expect(errors).toHaveLength(3);
    expect(listTree(out)).toEqual(before);
  });

  test('an unexpected error while building is one line, and dist/ stays untouched', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: out, ...quiet });
    const before = listTree(out);
    const errors: string[] = [];
    const failing = (): SynthUnit[] => {
      throw new RangeError('no such stack');
    };
    expect(synthesize(failing, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors[0]).toBe('berth: synth failed while building the stacks; dist/ was not changed');
    expect(errors[1]).toMatch(/^ {2}RangeError: no such stack \(at /);
    expect(errors).toHaveLength(2);
    expect(listTree(out)).toEqual(before);
  });

  test('the same error in several environments is one line with its stack, environments and source line', () => {
    const errors: string[] = [];
    const failing: StackDefinition = {
      id: 'hello',
      build: (chart, env) => {
        const tiers = env as unknown as Record<string, Record<string, string> | undefined>;
        new k8s.KubeConfigMap(chart, 'config', { metadata: { name: tiers.storageTiers!.fast } }); // @undefined
      },
    };
    const plan = () => planUnits(ENVIRONMENTS, [hello, failing]);
    expect(synthesize(plan, { outdir: path.join(tmpdir('berth-synth-'), 'dist'), log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual([
      'berth: synth failed while building the stacks; dist/ was not changed',
      `  hello (dev, staging, prod-eu-west, prod-us-east): TypeError: Cannot read properties of undefined (reading 'fast') (at ${lineOf('@undefined', 'fast')})`,
    ]);
  });

  test('objects of two API groups with one kind and name map to one file: refused, naming both construct paths', () => {
    const errors: string[] = [];
    const gateways: StackDefinition = {
      id: 'hello',
      build: (chart) => {
        new ApiObject(chart, 'istio', { apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', metadata: { name: 'web' } });
        new ApiObject(chart, 'gateway-api', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web' } });
      },
    };
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    expect(synthesize(() => planUnits([ENVIRONMENTS[0]], [gateways]), { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual([
      'berth: synth refused: 1 problem(s) in the stack definitions; dist/ was not changed',
      "  [hello-dev/istio] and [hello-dev/gateway-api] both map to dev/hello/06-gateway-web.yaml: Gateway 'web' (networking.istio.io/v1beta1) "
        + "and Gateway 'web' (gateway.networking.k8s.io/v1); give one of them another name",
    ]);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a construct id used twice names its construct path, in tests as from the runner', () => {
    const errors: string[] = [];
    const twice: StackDefinition = {
      id: 'hello',
      build: (chart) => {
        new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'a' } });
        new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'b' } }); // @twice
      },
    };
    expect(synthesize(() => planUnits([ENVIRONMENTS[0]], [twice]), { outdir: path.join(tmpdir('berth-synth-'), 'dist'), log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual([
      'berth: synth refused: 1 problem(s) in the stack definitions; dist/ was not changed',
      `  [hello-dev/config] construct id 'config' is used twice in hello-dev: a ConfigMap, then a ConfigMap at ${lineOf('@twice', 'new')}; ids must be unique within their scope`,
    ]);
  });

  test('a partial synth rewrites its stack dirs and leaves every other file of dist/ as it was', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    const text = { greeting: 'hello' };
    const other: StackDefinition = {
      id: 'other',
      build: (chart) => { new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'other' }, data: { GREETING: text.greeting } }); },
    };
    const all = () => [...planUnits(ENVIRONMENTS, [hello, other]), ...TARGETS.map((t) => ({ env: t.dir, stack: 'argocd', build: () => argocdUnit(t, ['hello', 'other']).chart }))];
    synthesize(all, { outdir: out, ...quiet });
    // A hand edit outside the part: a partial synth must not repair (or touch) it.
    fs.appendFileSync(path.join(out, 'prod-eu-west/hello/02-configmap-hello.yaml'), '# edited\n');
    const before = listTree(out);
    const inodes = Object.fromEntries(Object.keys(before).map((f) => [f, fs.statSync(path.join(out, f)).ino]));
    text.greeting = 'bonjour';
    const logs: string[] = [];
    const part = () => all().filter((u) => u.env === 'dev' && u.stack === 'other');
    expect(synthesize(part, { outdir: out, partial: true, log: (l) => logs.push(l), error: () => undefined }).exitCode).toBe(0);
    const after = listTree(out);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed).toEqual(['dev/other/02-configmap-other.yaml']);
    for (const f of Object.keys(after).filter((f) => !f.startsWith('dev/other/'))) expect([f, fs.statSync(path.join(out, f)).ino]).toEqual([f, inodes[f]]);
    expect(logs[logs.length - 1]).toBe('berth: the other 11 stack dir(s) in dist/ were left as they were');
  });

  test('a re-synth relinks unchanged files and rewrites changed ones', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    const greeting = { text: 'hello' };
    const stack: StackDefinition = {
      id: 'hello',
      build: (chart) => { new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'hello' }, data: { GREETING: greeting.text } }); },
    };
    const build = () => buildUnits(ENVIRONMENTS, [stack]);
    synthesize(build, { outdir: out, ...quiet });
    const inode = (rel: string) => fs.statSync(path.join(out, rel)).ino;
    const before = { ns: inode('dev/hello/00-namespace-hello-dev.yaml'), cm: inode('dev/hello/02-configmap-hello.yaml') };
    greeting.text = 'bonjour';
    synthesize(build, { outdir: out, ...quiet });
    expect(inode('dev/hello/00-namespace-hello-dev.yaml')).toBe(before.ns);
    expect(inode('dev/hello/02-configmap-hello.yaml')).not.toBe(before.cm);
    expect(fs.readFileSync(path.join(out, 'dev/hello/02-configmap-hello.yaml'), 'utf-8')).toContain('GREETING: bonjour');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('mirrors the tree into cdk8s-cli\'s output directory', () => {
    const root = tmpdir('berth-synth-');
    synthesize(buildAll, { outdir: path.join(root, 'dist'), mirrorDir: path.join(root, 'cdk8s.out'), ...quiet });
    expect(listTree(path.join(root, 'cdk8s.out'))).toEqual(listTree(path.join(root, 'dist')));
    // The mirror's files are the same inodes as dist/'s: linked, not written twice.
    const rel = 'dev/hello/02-configmap-hello.yaml';
    expect(fs.statSync(path.join(root, 'cdk8s.out', rel)).ino).toBe(fs.statSync(path.join(root, 'dist', rel)).ino);
  });

  test('a re-synth that changes nothing leaves dist/ as it is', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: out, ...quiet });
    const rel = 'dev/hello/02-configmap-hello.yaml';
    const before = { dir: fs.statSync(out).ino, file: fs.statSync(path.join(out, rel)).ino, tree: listTree(out) };
    expect(synthesize(buildAll, { outdir: out, ...quiet }).exitCode).toBe(0);
    expect({ dir: fs.statSync(out).ino, file: fs.statSync(path.join(out, rel)).ino, tree: listTree(out) }).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('a re-synth removes files and directories no stack produces any more', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    synthesize(buildAll, { outdir: out, ...quiet });
    const before = listTree(out);
    fs.writeFileSync(path.join(out, 'dev/hello/99-configmap-stale.yaml'), 'stale\n');
    fs.mkdirSync(path.join(out, 'qa/hello'), { recursive: true });
    fs.writeFileSync(path.join(out, 'qa/hello/Kustomization'), 'resources: []\n');
    synthesize(buildAll, { outdir: out, ...quiet });
    expect(listTree(out)).toEqual(before);
  });

  test('planned units are built one at a time, each checked before the next is built', () => {
    const events: string[] = [];
    const plan = (): PlannedUnit[] => planUnits(ENVIRONMENTS, [hello]).map((u) => ({
      ...u,
      build: () => {
        events.push(`build ${u.env}`);
        return u.build();
      },
    }));
    const seen: Validator = (s) => {
      events.push(`check ${s.env}`);
      return [];
    };
    expect(synthesize(plan, { outdir: path.join(tmpdir('berth-synth-'), 'dist'), validators: [seen], ...quiet }).objects).toBe(TARGETS.length * 6);
    expect(events).toEqual(TARGETS.flatMap((t) => [`build ${t.dir}`, `check ${t.dir}`]));
  });

  test('every failing unit is reported, in unit order, not just the first', () => {
    const out = path.join(tmpdir('berth-synth-'), 'dist');
    const errors: string[] = [];
    const plan = (): PlannedUnit[] => ENVIRONMENTS.map((env) => ({
      env: env.name,
      stack: 'hello',
      build: () => {
        const p = new Problems(`hello-${env.name}/web`);
        p.add('replicas', 'must be >= 1', 0);
        p.throwIfAny();
        throw new Error('unreachable');
      },
    }));
    expect(synthesize(plan, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual([
      'berth: synth refused: 3 problem(s) in the stack definitions; dist/ was not changed',
      ...ENVIRONMENTS.map((e) => `  [hello-${e.name}/web] 'replicas' must be >= 1, received 0`),
    ]);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });

  test('file names sort in phase order and honour an explicit sync wave', () => {
    expect(fileNameOf({ kind: 'Namespace', metadata: { name: 'a' } })).toBe('00-namespace-a.yaml');
    expect(fileNameOf({ kind: 'Deployment', metadata: { name: 'auth' } })).toBe('05-deployment-auth.yaml');
    expect(fileNameOf({ kind: 'Job', metadata: { name: 'm', annotations: { 'argocd.argoproj.io/sync-wave': '4' } } })).toBe('04-job-m.yaml');
    expect(fileNameOf({ kind: 'Widget', metadata: { name: 'w' } })).toBe('07-widget-w.yaml');
  });

  test('StackChart names its namespace <stack>-<env> and labels part-of', () => {
    const chart = new StackChart(new App(), 'shop', ENVIRONMENTS[2]);
    new k8s.KubeConfigMap(chart, 'c', { metadata: { name: 'c' } });
    expect(chart.toJson()[0].metadata).toEqual({ name: 'c', namespace: 'shop-prod', labels: { 'app.kubernetes.io/part-of': 'shop' } });
  });

  test('StackChart\'s labels are the same frozen object each time, so no caller can change them', () => {
    const chart = new StackChart(new App(), 'shop', ENVIRONMENTS[2]);
    expect(chart.labels).toEqual({ 'app.kubernetes.io/part-of': 'shop' });
    expect(chart.labels).toBe(chart.labels);
    expect(() => { chart.labels['app.kubernetes.io/part-of'] = 'other'; }).toThrow(TypeError);
    expect(chart.labels).toEqual({ 'app.kubernetes.io/part-of': 'shop' });
  });
});

describe('ChangeWriter', () => {
  const dir = () => tmpdir('berth-writer-');

  test('leaves a file with the same bytes alone and reports it unchanged', () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'a.yaml'), 'kind: A\n');
    expect(new ChangeWriter().unchangedOrWrite(path.join(d, 'a.yaml'), path.join(d, 'staged', 'a.yaml'), 'kind: A\n')).toBe(true);
    expect(fs.existsSync(path.join(d, 'staged'))).toBe(false);
  });

  test('writes content that differs, is shorter, is longer, or has no previous file', () => {
    const d = dir();
    const writer = new ChangeWriter();
    fs.writeFileSync(path.join(d, 'prev'), 'kind: A\n');
    const cases: [string, string][] = [['differs', 'kind: B\n'], ['shorter', 'kind: A'], ['longer', 'kind: A\n\n'], ['none', 'kind: A\n']];
    for (const [name, content] of cases) {
      const previous = name === 'none' ? path.join(d, 'missing') : path.join(d, 'prev');
      expect([name, writer.unchangedOrWrite(previous, path.join(d, 'out', name), content)]).toEqual([name, false]);
      expect(fs.readFileSync(path.join(d, 'out', name), 'utf-8')).toBe(content);
    }
  });

  test('compares bytes, not characters, across buffer growth and multi-byte text', () => {
    const d = dir();
    const writer = new ChangeWriter();
    const big = `data: ${'é€😀'.repeat(40_000)}\n`; // ~360 KB of UTF-8: past the first scratch buffers
    fs.writeFileSync(path.join(d, 'big'), big);
    expect(writer.unchangedOrWrite(path.join(d, 'big'), path.join(d, 'out', 'big'), big)).toBe(true);
    const changed = `${big.slice(0, -3)}x\n`;
    expect(writer.unchangedOrWrite(path.join(d, 'big'), path.join(d, 'out', 'big'), changed)).toBe(false);
    expect(fs.readFileSync(path.join(d, 'out', 'big'), 'utf-8')).toBe(changed);
    fs.writeFileSync(path.join(d, 'small'), 'a: 1\n');
    expect(writer.unchangedOrWrite(path.join(d, 'small'), path.join(d, 'out', 'small'), 'a: 1\n')).toBe(true);
  });

  test('a directory where the previous file was is treated as changed', () => {
    const d = dir();
    fs.mkdirSync(path.join(d, 'prev'));
    expect(new ChangeWriter().unchangedOrWrite(path.join(d, 'prev'), path.join(d, 'out', 'x'), 'a: 1\n')).toBe(false);
    expect(fs.readFileSync(path.join(d, 'out', 'x'), 'utf-8')).toBe('a: 1\n');
  });
});

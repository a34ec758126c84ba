import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { StackChart } from '../charts';
import { prod } from '../charts/environments';
import { MigrationJob } from '../constructs/migration-job';
import { NamespaceBaseline } from '../constructs/namespace-baseline';
import { SmokeTest } from '../constructs/smoke-test';
import { StatefulStore } from '../constructs/stateful-store';
import { WebService } from '../constructs/web-service';
import { synthesize } from '../synth';
import { diffStacks } from '../tools/lib/diff';
import { loadDistDir, StackManifests } from '../tools/lib/load';
import { Acknowledgement, checkUpgrade, formatUpgrade, parseAcknowledgements, refusedOf } from '../tools/lib/upgrade';
import { upgradeCli } from '../tools/lib/upgrade-cli';
import { arr, clone, find, obj, shopManifests, shopStack } from './fixtures/shop';
import { tmpdir } from './util';

const ack = (a: Partial<Acknowledgement>): Acknowledgement => ({
  env: 'prod', stack: 'shop', kind: 'StatefulSet', name: 'postgres', field: 'spec.selector', steps: 'orphan-deleted, then applied', ...a,
});

/** The shop fixture with its postgres selector changed: an update the API server refuses. */
function newSelector(): StackManifests {
  const ms = clone(shopManifests());
  obj(find(ms, 'StatefulSet', 'postgres'), 'spec.selector.matchLabels')['app.kubernetes.io/component'] = 'database';
  obj(find(ms, 'StatefulSet', 'postgres'), 'spec.template.metadata.labels')['app.kubernetes.io/component'] = 'database';
  return shopStack(ms);
}

describe('checkUpgrade', () => {
  test('refuses an immutable change, with the steps for it', () => {
    const r = checkUpgrade([shopStack()], [newSelector()], []);
    // The field as the diff prints it (tools/lib/diff.ts).
    const [f] = refusedOf(r);
    expect(refusedOf(r).map((x) => [x.category, `${x.kind}/${x.name}`])).toEqual([['immutable', 'StatefulSet/postgres']]);
    expect(f.field).toMatch(/^spec\.selector\.matchLabels/);
    expect(formatUpgrade(r)).toBe([
      'berth upgrade check: before → after',
      'refused: 1 change(s) that would not apply, not acknowledged in upgrades.yaml',
      `  prod/shop StatefulSet/postgres ${f.field}: immutable selector: kubectl apply fails; delete and recreate the object (--cascade=orphan keeps the pods)`,
      '    steps: delete the object (--cascade=orphan for a workload, so its pods stay), then apply; see docs/deployment.md#upgrades-the-api-server-refuses',
      '',
    ].join('\n'));
  });

  test('lets an acknowledged change through: an acknowledgement covers its field and every field under it', () => {
    const r = checkUpgrade([shopStack()], [newSelector()], [ack({})]);
    expect(refusedOf(r)).toEqual([]);
    expect(r.findings.map((f) => f.acknowledgement?.field)).toEqual(['spec.selector']);
    expect(formatUpgrade(r)).toContain(`acknowledged in upgrades.yaml: 1 change(s)\n  prod/shop StatefulSet/postgres ${r.findings[0].field}: immutable selector`);
    expect(formatUpgrade(r)).toContain('    steps taken: orphan-deleted, then applied\nok: every refused change is acknowledged\n');
  });

  test('an acknowledgement for another object, environment or field covers nothing, and is reported stale', () => {
    const acks = [ack({ env: 'staging' }), ack({ name: 'api' }), ack({ field: 'spec.serviceName' }), ack({ field: 'spec.sel' })];
    const r = checkUpgrade([shopStack()], [newSelector()], acks);
    expect(refusedOf(r)).toHaveLength(1);
    expect(r.stale).toEqual(acks);
    expect(formatUpgrade(r)).toContain([
      'stale: 4 acknowledgement(s) in upgrades.yaml match no change against before; remove each once every environment runs it',
      '  staging/shop StatefulSet/postgres spec.selector',
    ].join('\n'));
  });

  test('compares what the API server stores: writing out what it defaults is no change', () => {
    // An earlier berth wrote volumeClaimTemplates without apiVersion, kind and phase, and no
    // podManagementPolicy: the server stored them with those, as the new output writes them.
    const before = clone(shopManifests());
    const sts = find(before, 'StatefulSet', 'postgres');
    delete obj(sts, 'spec').podManagementPolicy;
    const after = clone(shopManifests());
    Object.assign(arr(find(after, 'StatefulSet', 'postgres'), 'spec.volumeClaimTemplates')[0] as object,
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Pending' } });
    // The diff of the manifests as written sees two immutable changes; the server, none.
    expect(diffStacks([shopStack(before)], [shopStack(after)])[0].objects[0].risks.map((r) => `${r.category} ${r.path?.replace(/\[.*/, '')}`).sort())
      .toEqual(['immutable spec.podManagementPolicy', 'immutable spec.volumeClaimTemplates']);
    expect(checkUpgrade([shopStack(before)], [shopStack(after)], []).findings).toEqual([]);
  });

  test('flags spec.replicas leaving a workload as an HPA takes it over: the apply would reset it to one pod', () => {
    const before = clone(shopManifests());
    obj(find(before, 'Deployment', 'gateway'), 'spec').replicas = 4;
    const r = checkUpgrade([shopStack(before)], [shopStack()], []);
    expect(refusedOf(r).map((f) => [f.category, `${f.kind}/${f.name}`, f.field, f.message])).toEqual([[
      'replicas-handover', 'Deployment/gateway', 'spec.replicas',
      'spec.replicas (4) leaves the manifest as an HPA takes over: the apply that removes it resets the workload to 1 replica until the HPA scales it up again',
    ]]);
  });
});

describe('parseAcknowledgements', () => {
  test('reads the entries; an empty file or list has none', () => {
    expect(parseAcknowledgements('acknowledgements:\n  - { env: prod, stack: shop, kind: StatefulSet, name: postgres, field: spec.selector, steps: done, reason: why }\n'))
      .toEqual([{ env: 'prod', stack: 'shop', kind: 'StatefulSet', name: 'postgres', field: 'spec.selector', steps: 'done', reason: 'why' }]);
    expect([parseAcknowledgements(''), parseAcknowledgements('# none yet\n'), parseAcknowledgements('acknowledgements: []\n')]).toEqual([[], [], []]);
  });

  test('is schema-checked: every problem, by entry and field', () => {
    expect(() => parseAcknowledgements('acknowledgements:\n  - { env: prod, stack: shop, kind: statefulset, name: postgres, field: spec.selector, comment: x }\n'))
      .toThrow([
        "upgrades.yaml [0]: must have required property 'steps'",
        'upgrades.yaml [0]: must NOT have additional properties (comment)',
        'upgrades.yaml [0].kind: must match pattern "^[A-Z][A-Za-z0-9]*$"',
      ].join('\n'));
    expect(() => parseAcknowledgements('acks: []\n')).toThrow("upgrades.yaml (top level): must have required property 'acknowledgements'");
    expect(() => parseAcknowledgements('acknowledgements: [\n')).toThrow(/^upgrades\.yaml: not valid YAML: /);
  });
});

/** A shop-like stack with a migration Job, a smoke test and a backed-up store, at `version`. */
function versioned(version: string, contentName: boolean) {
  return () => {
    const chart = new StackChart(new App(), 'shop', prod);
    new NamespaceBaseline(chart, 'baseline', { quota: prod.quota });
    const db = new StatefulStore(chart, 'postgres', {
      engine: 'postgres', credentials: { mode: 'external', clusterSecretStore: 'vault' }, backup: {}, storage: { size: '10Gi' },
    });
    const api = new WebService(chart, 'api', { image: `ghcr.io/acme/api:${version}`, ports: [{ name: 'http', port: 8080 }], env: db.connectionEnv({ prefix: 'DB_' }) });
    api.connectTo(db);
    new MigrationJob(chart, 'migrate', { image: `ghcr.io/acme/api:${version}`, command: ['/app/migrate', 'up'], env: db.connectionEnv({ prefix: 'DB_' }), connectTo: [db], contentName });
    new SmokeTest(chart, 'smoke-test', { targets: [{ service: api, port: 'http', path: version === '1.0.0' ? '/healthz' : '/readyz' }], contentName });
    return [{ env: 'prod', stack: 'shop', chart }];
  };
}

function synthesized(version: string, contentName = true): StackManifests[] {
  const outdir = path.join(tmpdir('berth-upgrade-'), 'dist');
  const r = synthesize(versioned(version, contentName), { outdir, log: () => undefined, error: (l) => { throw new Error(l); } });
  expect(r.exitCode).toBe(0);
  return loadDistDir(outdir);
}

describe('two synthesized versions of a stack whose Job templates differ', () => {
  test('the second is no in-place change of an immutable field: each changed Job is a new object', () => {
    const [v1, v2] = [synthesized('1.0.0'), synthesized('1.1.0')];
    const jobs = (s: StackManifests[]) => s[0].objects.filter((o) => o.manifest.kind === 'Job').map((o) => o.manifest.metadata.name);
    const diff = diffStacks(v1, v2);
    expect(diff.flatMap((s) => s.objects).flatMap((o) => o.risks).filter((r) => r.category === 'immutable')).toEqual([]);
    const jobChanges = diff.flatMap((s) => s.objects).filter((o) => o.kind === 'Job').map((o) => `${o.change} ${o.name}`);
    // migrate and smoke-test changed (image, path): removed and added under new names; the bind Job did not.
    expect(jobChanges.sort()).toEqual([
      ...jobs(v2).filter((n) => !jobs(v1).includes(n)).map((n) => `added ${n}`),
      ...jobs(v1).filter((n) => !jobs(v2).includes(n)).map((n) => `removed ${n}`),
    ].sort());
    expect(jobChanges).toHaveLength(4);
    expect(jobs(v1).filter((n) => jobs(v2).includes(n))).toEqual([expect.stringMatching(/^postgres-backups-bind-[0-9a-f]{10}$/)]);
    expect(refusedOf(checkUpgrade(v1, v2, []))).toEqual([]);
  });

  test('without content names the same change is an in-place update of the Job templates, which the gate refuses', () => {
    const r = checkUpgrade(synthesized('1.0.0', false), synthesized('1.1.0', false), []);
    expect(refusedOf(r).map((f) => `${f.category} ${f.kind}/${f.name} ${f.field.split('.').slice(0, 2).join('.')}`)).toEqual([
      'immutable Job/migrate spec.template', 'immutable Job/smoke-test spec.template',
    ]);
  });
});

describe('npm run upgrade-check', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });
  const write = (root: string, files: Record<string, string>) => {
    for (const [f, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), c);
    }
  };
  const sts = (component: string) => [
    'apiVersion: apps/v1', 'kind: StatefulSet', 'metadata:', '  name: db', '  namespace: shop-prod', 'spec:',
    '  serviceName: db', '  selector:', '    matchLabels:', `      component: ${component}`, '  template:', '    metadata:',
    '      labels:', `        component: ${component}`, '    spec:', '      containers:', '        - name: db', '          image: postgres:16', '',
  ].join('\n');

  function repo(): string {
    const root = tmpdir('berth-gate-');
    git(root, 'init', '-q');
    write(root, { 'dist/prod/shop/03-statefulset-db.yaml': sts('a') });
    git(root, 'add', '.');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
    write(root, { 'dist/prod/shop/03-statefulset-db.yaml': sts('b') });
    return root;
  }
  const run = (cwd: string, ...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = upgradeCli(argv, { cwd, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: {} });
    return { code, out: out.join(''), err: err.join('') };
  };

  test('exit 1 on a refused change, 0 once upgrades.yaml acknowledges it, 1 with --strict for a stale entry', () => {
    const root = repo();
    const refused = run(root, '--base', 'HEAD');
    expect([refused.code, refused.out.split('\n').slice(0, 3)]).toEqual([1, [
      'berth upgrade check: HEAD → working tree',
      'refused: 1 change(s) that would not apply, not acknowledged in upgrades.yaml',
      '  prod/shop StatefulSet/db spec.selector.matchLabels.component: immutable selector: kubectl apply fails; delete and recreate the object (--cascade=orphan keeps the pods)',
    ]]);
    write(root, { 'upgrades.yaml': 'acknowledgements:\n  - { env: prod, stack: shop, kind: StatefulSet, name: db, field: spec.selector, steps: kubectl delete sts db --cascade=orphan }\n' });
    expect(run(root, '--base', 'HEAD').code).toBe(0);
    write(root, { 'dist/prod/shop/03-statefulset-db.yaml': sts('a') });
    const stale = run(root, '--base', 'HEAD');
    expect([stale.code, stale.out]).toEqual([0, [
      'berth upgrade check: HEAD → working tree',
      'stale: 1 acknowledgement(s) in upgrades.yaml match no change against HEAD; remove each once every environment runs it',
      '  prod/shop StatefulSet/db spec.selector',
      'ok: nothing the API server would refuse',
      '',
    ].join('\n')]);
    expect(run(root, '--base', 'HEAD', '--strict').code).toBe(1);
  });

  test('exit 3 when it cannot run: an unknown ref, a malformed acknowledgement, a bad option', () => {
    const root = repo();
    expect(run(root, '--base', 'nope')).toEqual({ code: 3, out: '', err: "berth upgrade-check: unknown git ref 'nope'\n" });
    write(root, { 'upgrades.yaml': 'acknowledgements: [{ env: prod }]\n' });
    expect(run(root, '--base', 'HEAD').err).toBe([
      "berth upgrade-check: upgrades.yaml [0]: must have required property 'stack'",
      "upgrades.yaml [0]: must have required property 'kind'",
      "upgrades.yaml [0]: must have required property 'name'",
      "upgrades.yaml [0]: must have required property 'field'",
      "upgrades.yaml [0]: must have required property 'steps'",
      '',
    ].join('\n'));
    expect(run(root, '--format', 'md').code).toBe(3);
  });
});

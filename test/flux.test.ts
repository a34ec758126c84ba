import { load } from 'js-yaml';
import { buildAll, planFor, STACKS } from '../charts';
import { clusterTargets, EnvironmentConfig } from '../charts/environment';
import { dev, prod } from '../charts/environments';
import { FLUX_PHASES, fluxUnit } from '../charts/flux';
import { RESERVED_STACK_IDS } from '../charts/validate-environments';
import { Manifest, renderUnit } from '../synth/render';
import { schemaProblems } from '../synth/validate';
import { get, one, ofKind, synth } from './util';

const IDS = STACKS.map((s) => s.id);
const manifests = (env: EnvironmentConfig, cluster = 0): Manifest[] => renderUnit(fluxUnit(clusterTargets(env)[cluster], IDS)).objects.map((o) => o.manifest);
const LABELS = { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' };
type Spec = Record<string, unknown> & { patches: { target: { annotationSelector?: string; kind?: string }; patch: string }[] };
const specOf = (m: Manifest): Spec => m.spec as Spec;

/** Whether an object survives a phase's `$patch: delete`, whose target is `<key> in|notin (<values>)` (the only forms used). */
function leftOutBy(selector: string, m: Manifest): boolean {
  const parsed = /^(\S+) (in|notin) \(([^)]*)\)$/.exec(selector);
  if (!parsed) throw new Error(`selector form not understood by this test: ${selector}`);
  const [, key, op, values] = parsed;
  const has = values.split(',').includes(m.metadata.annotations?.[key] ?? '');
  return op === 'in' ? has : !has;
}

describe('the GitRepository of a cluster', () => {
  test("the environment's repository and branch; its artifact holds only the cluster's directory", () => {
    expect(one(manifests(prod, 1), 'GitRepository')).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'berth-prod-us-east', namespace: 'flux-system', labels: LABELS, annotations: { 'argocd.argoproj.io/sync-wave': '0' } },
      spec: { interval: '5m', url: 'https://github.com/example-org/berth.git', ref: { branch: 'release/prod' }, ignore: '/*\n!/dist/\n/dist/*\n!/dist/prod-us-east/\n' },
    });
  });

  test.each([
    ['main', { branch: 'main' }],
    ['release/1.4', { branch: 'release/1.4' }],
    [{ tag: 'v1.4.0' }, { tag: 'v1.4.0' }],
    ['0123456789abcdef0123456789abcdef01234567', { commit: '0123456789abcdef0123456789abcdef01234567' }],
  ] as const)('revision %j is ref %j', (revision, ref) => {
    const env: EnvironmentConfig = { ...dev, gitops: { ...dev.gitops, revision } };
    expect(specOf(one(manifests(env), 'GitRepository')).ref).toEqual(ref);
  });

  test("a private repository's credentials, and another namespace for Flux", () => {
    const env: EnvironmentConfig = { ...dev, gitops: { ...dev.gitops, fluxNamespace: 'gitops', fluxSecretName: 'berth-repo' } };
    const source = one(manifests(env), 'GitRepository');
    expect([source.metadata.namespace, specOf(source).secretRef]).toEqual(['gitops', { name: 'berth-repo' }]);
    expect([...new Set(manifests(env).map((m) => m.metadata.namespace))]).toEqual(['gitops']);
  });
});

describe('the Flux Kustomizations of a cluster', () => {
  test('a root that syncs this directory, the cluster\'s prerequisites, and three per stack: setup (after the prerequisites), then services, then tests', () => {
    const ks = ofKind(manifests(prod, 1), 'Kustomization');
    expect(ks.map((m) => [m.metadata.name, specOf(m).path, specOf(m).dependsOn ?? []])).toEqual([
      ['berth-prod-us-east-cluster', './dist/prod-us-east/cluster', []],
      ['berth-prod-us-east-root', './dist/prod-us-east/flux', []],
      ...[...IDS].sort().flatMap((id) => [
        [`${id}-prod-us-east-services`, `./dist/prod-us-east/${id}`, [{ name: `${id}-prod-us-east-setup` }]],
        [`${id}-prod-us-east-setup`, `./dist/prod-us-east/${id}`, [{ name: 'berth-prod-us-east-cluster' }]],
        [`${id}-prod-us-east-tests`, `./dist/prod-us-east/${id}`, [{ name: `${id}-prod-us-east-services` }]],
      ]),
    ]);
  });

  test('every phase prunes what leaves git, waits for the health of what it applied, and orphans it when deleted', () => {
    const phase = one(manifests(dev), 'Kustomization', 'shop-dev-services');
    const { patches: _patches, ...spec } = specOf(phase);
    expect(spec).toEqual({
      interval: '10m', retryInterval: '2m', timeout: '15m', sourceRef: { kind: 'GitRepository', name: 'berth-dev' },
      path: './dist/dev/shop', prune: true, wait: true, deletionPolicy: 'Orphan', dependsOn: [{ name: 'shop-dev-setup' }],
    });
    expect(specOf(one(manifests(dev), 'Kustomization', 'berth-dev-root'))).toEqual({
      interval: '10m', retryInterval: '2m', timeout: '5m', sourceRef: { kind: 'GitRepository', name: 'berth-dev' },
      path: './dist/dev/flux', prune: true, deletionPolicy: 'Orphan',
    });
    // The PriorityClasses are never pruned: a class some running pod still names stays until an operator deletes it.
    expect(specOf(one(manifests(dev), 'Kustomization', 'berth-dev-cluster'))).toEqual({
      interval: '10m', retryInterval: '2m', timeout: '5m', sourceRef: { kind: 'GitRepository', name: 'berth-dev' },
      path: './dist/dev/cluster', prune: false, wait: true, deletionPolicy: 'Orphan',
    });
  });

  test('the phases split every reference stack by sync wave: each object in exactly one, in wave order', () => {
    const ks = ofKind(manifests(prod), 'Kustomization').filter((m) => !m.metadata.name.endsWith('-root') && !m.metadata.name.endsWith('-cluster'));
    const selectorOf = (phase: string) => specOf(ks.find((m) => m.metadata.name === `shop-prod-eu-west-${phase}`)!).patches[0].target.annotationSelector!;
    const stacks = buildAll().map(renderUnit).filter((s) => !RESERVED_STACK_IDS.includes(s.stack));
    const misplaced: string[] = [];
    const wavesOf: Record<string, Set<string>> = { setup: new Set(), services: new Set(), tests: new Set() };
    for (const s of stacks) {
      for (const o of s.objects) {
        const kept = FLUX_PHASES.filter((p) => !leftOutBy(selectorOf(p), o.manifest));
        if (kept.length !== 1) misplaced.push(`${s.env}/${s.stack}/${o.file}: ${kept.join(', ') || 'no phase'}`);
        for (const p of kept) wavesOf[p].add(o.manifest.metadata.annotations!['argocd.argoproj.io/sync-wave']);
      }
    }
    expect(misplaced).toEqual([]);
    expect(Object.fromEntries(Object.entries(wavesOf).map(([p, w]) => [p, [...w].sort()]))).toEqual({
      setup: ['0', '1', '2', '3', '4'], services: ['5', '6'], tests: ['7'],
    });
    // Every phase of every stack uses the same selectors.
    expect(new Set(ks.map((m) => `${m.metadata.name.replace(/^.*-prod-eu-west-/, '')} ${specOf(m).patches[0].target.annotationSelector}`)).size).toBe(3);
  });

  test('one patch per phase, no Job patch: Jobs have no TTL and are named after their spec, so a migration or smoke test runs once per change, not per reconcile', () => {
    for (const m of ofKind(manifests(dev), 'Kustomization').filter((k) => !k.metadata.name.endsWith('-root') && !k.metadata.name.endsWith('-cluster'))) {
      const patches = specOf(m).patches;
      expect([m.metadata.name, patches.map((p: { patch: string }) => load(p.patch))]).toEqual([m.metadata.name, [{ $patch: 'delete', apiVersion: 'v1', kind: 'Any', metadata: { name: 'any' } }]]);
    }
    const jobs = ofKind(planFor([dev], STACKS).flatMap((u) => synth(u.build())), 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.filter((j) => get(j, 'spec', 'ttlSecondsAfterFinished') !== undefined).map((j) => j.metadata.name)).toEqual([]);
  });

  test("every Flux object is checked against Flux's CRD schemas, so a mistake there refuses the synth", () => {
    const all = manifests(prod, 1);
    expect(all.flatMap(schemaProblems)).toEqual([]);
    const phase = JSON.parse(JSON.stringify(one(all, 'Kustomization', 'shop-prod-us-east-setup'))) as Manifest & { spec: Record<string, unknown> };
    phase.spec.interval = 'ten minutes';
    phase.spec.deletionPolicy = 'Keep';
    const source = JSON.parse(JSON.stringify(one(all, 'GitRepository'))) as Manifest & { spec: Record<string, unknown> };
    source.spec.url = 'git@github.com:example-org/berth.git';
    expect([...schemaProblems(phase), ...schemaProblems(source)].map((p) => p.field.join('.'))).toEqual(['spec.deletionPolicy', 'spec.interval', 'spec.url']);
  });

  test("namespaces, credentials and backup volumes carry Flux's prune: disabled in every stack", () => {
    const kept = new Set(['Namespace', 'Secret', 'ExternalSecret', 'SealedSecret', 'PersistentVolumeClaim']);
    // Optional provided values (deletionPolicy Delete) may go: the store keeps them, and a missing one holds nothing up.
    const optional = (o: { manifest: Manifest }) => o.manifest.kind === 'ExternalSecret' && o.manifest.metadata.name.endsWith('-optional');
    const unprotected = buildAll().map(renderUnit).flatMap((s) => s.objects
      .filter((o) => kept.has(o.manifest.kind) && !optional(o) && o.manifest.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled')
      .map((o) => `${s.env}/${s.stack}/${o.file}`));
    expect(unprotected).toEqual([]);
  });
});

import { argocdUnit } from '../charts/argocd';
import { clusterTargets, EnvironmentConfig } from '../charts/environment';
import { dev, ENVIRONMENTS, prod } from '../charts/environments';
import { STACKS } from '../charts';
import { Manifest, renderUnit } from '../synth/render';
import { get, one, ofKind } from './util';

const IDS = STACKS.map((s) => s.id);
const render = (env: EnvironmentConfig, cluster = 0) => renderUnit(argocdUnit(clusterTargets(env)[cluster], IDS));
const manifests = (env: EnvironmentConfig, cluster = 0): Manifest[] => render(env, cluster).objects.map((o) => o.manifest);
const LABELS = { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' };
const RETRY = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } };

describe('the Argo CD root of a cluster', () => {
  test('one Application that syncs its own directory, in a project of its own, with no finalizer', () => {
    expect(one(manifests(dev), 'Application', 'berth-dev-root')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'berth-dev-root', namespace: 'argocd', labels: LABELS, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: {
        project: 'berth-dev-root',
        source: { repoURL: 'https://github.com/example-org/berth.git', targetRevision: 'main', path: 'dist/dev/argocd' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry: RETRY, syncOptions: ['ApplyOutOfSyncOnly=true'] },
      },
    });
  });

  test("its directory's Kustomization lists the root itself, its project, the stacks' project and every Application", () => {
    const r = render(dev);
    expect(r.files.get('Kustomization')).toBe([
      'apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:',
      '  - 00-application-berth-dev-cluster.yaml', '  - 00-appproject-berth-dev-cluster.yaml',
      '  - 00-appproject-berth-dev-root.yaml', '  - 00-appproject-berth-dev.yaml', '  - 01-application-berth-dev-root.yaml',
      ...['giia', 'nexus', 'shop', 'todo-app', 'todo-chatbot'].map((s) => `  - 01-application-${s}-dev.yaml`), '',
    ].join('\n'));
  });

  test("the root's project admits Applications and AppProjects in Argo CD's namespace, and nothing else", () => {
    expect(one(manifests(prod, 1), 'AppProject', 'berth-prod-us-east-root').spec).toEqual({
      description: 'the root of berth in prod-us-east: syncs dist/prod-us-east/argocd',
      sourceRepos: ['https://github.com/example-org/berth.git'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'Application' }, { group: 'argoproj.io', kind: 'AppProject' }],
    });
  });

  test('projects and the cluster prerequisites sync in wave 0, every stack\'s Application in wave 1: no stack waits on another', () => {
    const waves = manifests(prod).map((m) => `${m.kind}/${m.metadata.name} ${m.metadata.annotations?.['argocd.argoproj.io/sync-wave']}`);
    expect(waves).toEqual([
      'Application/berth-prod-eu-west-cluster 0', 'AppProject/berth-prod-eu-west-cluster 0',
      'AppProject/berth-prod-eu-west-root 0', 'AppProject/berth-prod-eu-west 0', 'Application/berth-prod-eu-west-root 1',
      ...['giia', 'nexus', 'shop', 'todo-app', 'todo-chatbot'].map((s) => `Application/${s}-prod-eu-west 1`),
    ]);
  });

  test("deleting the root, even with --cascade, deletes no stack's Application, project or data", () => {
    const all = ENVIRONMENTS.flatMap(clusterTargets).flatMap((t) => renderUnit(argocdUnit(t, IDS)).objects.map((o) => o.manifest));
    // No resources-finalizer anywhere: deleting an Application never deletes what it synced.
    expect(all.filter((m) => (m.metadata as { finalizers?: unknown }).finalizers !== undefined)).toEqual([]);
    // Everything the root syncs, but the root itself, stays when the root goes.
    const keptOnDelete = (m: Manifest) => m.metadata.annotations?.['argocd.argoproj.io/sync-options'] === 'Delete=false';
    expect(all.filter((m) => !keptOnDelete(m)).map((m) => `${m.kind}/${m.metadata.name}`))
      .toEqual(ENVIRONMENTS.flatMap(clusterTargets).map((t) => `Application/berth-${t.dir}-root`));
  });
});

describe("the cluster's prerequisites", () => {
  test("an Application of its own syncs dist/<dir>/cluster, never prunes, in a project that admits only PriorityClasses", () => {
    const app = one(manifests(prod, 1), 'Application', 'berth-prod-us-east-cluster');
    expect(app.spec).toEqual({
      project: 'berth-prod-us-east-cluster',
      source: { repoURL: 'https://github.com/example-org/berth.git', targetRevision: 'release/prod', path: 'dist/prod-us-east/cluster' },
      destination: { name: 'prod-us-east', namespace: 'kube-system' },
      syncPolicy: {
        automated: { prune: false, selfHeal: true },
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        syncOptions: ['ApplyOutOfSyncOnly=true', 'ServerSideApply=true'],
      },
    });
    expect(get(one(manifests(prod, 1), 'AppProject', 'berth-prod-us-east-cluster'), 'spec')).toEqual({
      description: "berth's cluster-wide prerequisites in prod-us-east: syncs dist/prod-us-east/cluster",
      sourceRepos: ['https://github.com/example-org/berth.git'],
      destinations: [{ name: 'prod-us-east', namespace: 'kube-system' }],
      clusterResourceWhitelist: [{ group: 'scheduling.k8s.io', kind: 'PriorityClass' }],
      namespaceResourceBlacklist: [{ group: '*', kind: '*' }],
    });
  });
});

describe('the Applications of a cluster', () => {
  test("each stack syncs its cluster's directory to the cluster's destination, in namespace <stack>-<env>", () => {
    const eu = one(manifests(prod, 0), 'Application', 'shop-prod-eu-west');
    const us = one(manifests(prod, 1), 'Application', 'shop-prod-us-east');
    expect([eu.spec, us.spec].map((s) => ({ source: (s as { source: unknown }).source, destination: (s as { destination: unknown }).destination }))).toEqual([
      { source: { repoURL: 'https://github.com/example-org/berth.git', targetRevision: 'release/prod', path: 'dist/prod-eu-west/shop' }, destination: { name: 'prod-eu-west', namespace: 'shop-prod' } },
      { source: { repoURL: 'https://github.com/example-org/berth.git', targetRevision: 'release/prod', path: 'dist/prod-us-east/shop' }, destination: { name: 'prod-us-east', namespace: 'shop-prod' } },
    ]);
  });

  test("the stacks' project admits only the stacks' namespaces (and Istio's, for Certificates) on the cluster's destination", () => {
    expect(get(one(manifests(prod, 1), 'AppProject', 'berth-prod-us-east'), 'spec', 'destinations')).toEqual([
      ...IDS.map((id) => ({ name: 'prod-us-east', namespace: `${id}-prod` })), { name: 'prod-us-east', namespace: 'istio-system' },
    ]);
    expect(get(one(manifests(dev), 'AppProject', 'berth-dev'), 'spec', 'destinations')).toEqual(IDS.map((id) => ({ server: 'https://kubernetes.default.svc', namespace: `${id}-dev` })));
  });

  test('names are unique across the fleet, so one Argo CD (a hub) can hold every cluster', () => {
    const names = ENVIRONMENTS.flatMap(clusterTargets).flatMap((t) => ofKind(renderUnit(argocdUnit(t, IDS)).objects.map((o) => o.manifest), 'Application'))
      .map((m) => m.metadata.name);
    // Per cluster: the root, the prerequisites and one per stack.
    expect(names.length).toBe(4 * (IDS.length + 2));
    expect(new Set(names).size).toBe(names.length);
  });

  test('a tag revision is the targetRevision of the root and of every Application', () => {
    const released: EnvironmentConfig = { ...prod, gitops: { ...prod.gitops, revision: { tag: 'v1.4.0' } } };
    expect([...new Set(ofKind(manifests(released), 'Application').map((m) => (m.spec as { source: { targetRevision: string } }).source.targetRevision))]).toEqual(['v1.4.0']);
  });
});

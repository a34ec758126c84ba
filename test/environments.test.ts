import { clusterTargets, EnvironmentConfig, planFor, STACKS, StackDefinition } from '../charts';
import { dev, ENVIRONMENTS, prod, staging } from '../charts/environments';
import { environmentProblems } from '../charts/validate-environments';
import { renderUnit } from '../synth/render';
import { get, ofKind, one, problemsOf } from './util';

const noop: StackDefinition['build'] = () => undefined;
/** An environment changed by `patch`, typed loosely: the mistakes are what is tested. */
const broken = (env: EnvironmentConfig, patch: Record<string, unknown>) => ({ ...env, ...patch }) as unknown as EnvironmentConfig;

describe('environment data', () => {
  test('the reference environments and stacks have no problem', () => {
    expect(environmentProblems(ENVIRONMENTS, STACKS)).toEqual([]);
  });

  test('every type is checked, with a did-you-mean for a misspelt key', () => {
    const env = broken(prod, {
      scaling: { replicas: '3', autoscaling: true, maxReplicasDivisor: 0 },
      image: { pin: 'tag' },
      monitoring: 'yes',
    });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'image' is not a field of EnvironmentConfig; did you mean 'images'?",
      "[charts/environments.ts: prod] 'scaling.replicas' must be an integer >= 1, received \"3\"",
      "[charts/environments.ts: prod] 'scaling.maxReplicasDivisor' must be an integer >= 1, received 0",
      "[charts/environments.ts: prod] 'monitoring' must be true or false, received \"yes\"",
    ]);
  });

  test('a missing or misspelt storage tier is refused, not left to the engine default', () => {
    const env = broken(prod, { storage: { storageClass: 'premium-rwo', sizes: { small: '5Gi', meduim: '20Gi', large: '100 Gi' } } });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'storage.sizes.meduim' is not a field of sizes; did you mean 'medium'?",
      "[charts/environments.ts: prod] 'storage.sizes.medium' must be a storage size such as 10Gi, received undefined",
      "[charts/environments.ts: prod] 'storage.sizes.large' must be a storage size such as 10Gi, received \"100 Gi\"",
    ]);
  });

  test.each([
    ['10.20.0.0/33', 'must have a prefix length from 0 to 32'],
    ['10.20.0.0', 'must be a CIDR such as 10.0.0.0/16 (an address, "/" and a prefix length)'],
    ['10.20.0.256/24', 'must be a CIDR whose address is an IPv4 or IPv6 address'],
    ['10.20.0.7/24', 'must have no bits set after the prefix (did you mean 10.20.0.0/24?)'],
    ['fd00::1/8', 'must have no bits set after the prefix (did you mean fd00::/8?)'],
    ['fd00::/129', 'must have a prefix length from 0 to 128'],
  ])('apiServer.cidr %s: %s', (cidr, message) => {
    expect(environmentProblems([broken(prod, { apiServer: { cidr, port: 443 } })], STACKS)).toEqual([
      `[charts/environments.ts: prod] 'apiServer.cidr' ${message}, received ${JSON.stringify(cidr)}`,
    ]);
  });

  test('names, domains, ports, quantities, schedules and git settings', () => {
    const env = broken(prod, {
      domain: 'Berth.example.com',
      apiServer: { cidr: '10.20.0.0/24', port: 65536 },
      gateway: { ...prod.gateway, ingressClassName: 'Nginx', controllerNamespace: 'ingress_nginx' },
      quota: { ...prod.quota, requestsCpu: '24 cores', pods: 2.5 },
      backups: { schedule: '0 2 * *', retain: 14, size: '50Gi' },
      gitops: { repoURL: 'github.com/example-org/berth', revision: 'main branch', argocdNamespace: 'argocd' },
    });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'domain' must be a DNS domain such as dev.example.com, received \"Berth.example.com\"",
      "[charts/environments.ts: prod] 'gateway.ingressClassName' must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.'), received \"Nginx\"",
      "[charts/environments.ts: prod] 'gateway.controllerNamespace' must be a DNS label (lowercase letters, digits and '-', at most 63), received \"ingress_nginx\"",
      "[charts/environments.ts: prod] 'apiServer.port' must be an integer from 1 to 65535, received 65536",
      "[charts/environments.ts: prod] 'quota.requestsCpu' must be a Kubernetes quantity such as 500m, 2 or 10Gi, received \"24 cores\"",
      "[charts/environments.ts: prod] 'quota.pods' must be an integer >= 1, received 2.5",
      "[charts/environments.ts: prod] 'backups.schedule' must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or a descriptor such as @daily, received \"0 2 * *\"",
      "[charts/environments.ts: prod] 'gitops.repoURL' must be a git URL both Argo CD and Flux can clone (https://host/path or ssh://user@host/path), received \"github.com/example-org/berth\"",
      "[charts/environments.ts: prod] 'gitops.revision' must be a git branch or a full commit SHA (a tag is written { tag: 'v1.4.0' }), received \"main branch\"",
    ]);
  });

  test('every setting that needs an operator needs it in the capabilities', () => {
    const env = broken(staging, {
      secrets: { mode: 'external', clusterSecretStore: 'berth-staging' },
      capabilities: { ...staging.capabilities, externalSecrets: false, certManager: false, prometheusOperator: false, istio: false, ingressNginx: false },
    });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: staging] 'secrets.mode' needs the External Secrets Operator in the cluster, but capabilities.externalSecrets is false, received \"external\"",
      `[charts/environments.ts: staging] 'tls' needs cert-manager in the cluster, but capabilities.certManager is false, received ${JSON.stringify(staging.tls)}`,
      "[charts/environments.ts: staging] 'monitoring' needs the Prometheus Operator in the cluster, but capabilities.prometheusOperator is false, received true",
      "[charts/environments.ts: staging] 'gateway.mode' needs ingress-nginx in the cluster, but capabilities.ingressNginx is false, received \"ingress\"",
      "[charts/environments.ts: staging] 'gateway.overrides.nexus' needs Istio in the cluster, but capabilities.istio is false, received \"istio\"",
    ]);
    const sealed = broken(dev, { secrets: { mode: 'sealed', encryptedData: { 'shop-dev/db': { password: 'AgB' }, 'shop-prod/db': { password: 'AgB' } } } });
    expect(environmentProblems([sealed], STACKS)).toEqual([
      "[charts/environments.ts: dev] 'secrets.mode' needs the Sealed Secrets controller in the cluster, but capabilities.sealedSecrets is false, received \"sealed\"",
      "[charts/environments.ts: dev] 'secrets.encryptedData[\"shop-prod/db\"]' must be keyed '<namespace>/<secret>' with the namespace of a stack in this environment (giia-dev, todo-chatbot-dev, shop-dev, todo-app-dev, nexus-dev), received \"shop-prod/db\"",
    ]);
  });

  test('a gateway override for a stack that does not exist', () => {
    const env = broken(prod, { gateway: { ...prod.gateway, overrides: { nexsu: 'istio', web: 'nodeport' } } });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'gateway.overrides.nexsu' names no stack (did you mean 'nexus'? stacks: giia, todo-chatbot, shop, todo-app, nexus), received \"nexsu\"",
      "[charts/environments.ts: prod] 'gateway.overrides.web' names no stack (stacks: giia, todo-chatbot, shop, todo-app, nexus), received \"web\"",
    ]);
  });

  test('a duplicate environment name is named by its index', () => {
    expect(environmentProblems([dev, staging, { ...prod, name: 'dev' }], STACKS)).toEqual([
      "[charts/environments.ts: ENVIRONMENTS[2]] 'name' duplicates ENVIRONMENTS[0]'s name: both would write dist/dev/, received \"dev\"",
    ]);
    expect(environmentProblems([broken(dev, { name: 'Dev' })], STACKS)).toEqual([
      "[charts/environments.ts: ENVIRONMENTS[0]] 'name' must be a DNS label (lowercase letters, digits and '-', at most 63), received \"Dev\"",
    ]);
  });
});

describe('the stack list', () => {
  test("berth's own output directory, a duplicate, a non-DNS id and a missing build", () => {
    const stacks = [...STACKS, { id: 'argocd', build: noop }, { id: 'shop', build: noop }, { id: 'Shop_v2', build: noop },
      { id: 'web' } as unknown as StackDefinition];
    expect(environmentProblems([dev], stacks)).toEqual([
      "[charts/index.ts: STACKS[5]] 'id' is berth's own output directory (dist/<env>/argocd/): choose another id, received \"argocd\"",
      "[charts/index.ts: STACKS[6]] 'id' duplicates STACKS[2]'s id: both would write dist/<env>/shop/, received \"shop\"",
      "[charts/index.ts: STACKS[7]] 'id' must be a DNS label (lowercase letters, digits and '-', at most 63): it names dist/<env>/<id>/ and the namespace, received \"Shop_v2\"",
      "[charts/index.ts: STACKS[8]] 'build' must be a function (chart, env) => void, received undefined",
    ]);
  });

  test("a namespace that is the cluster's or the environment's own, or too long", () => {
    const env = { ...dev, name: 'nginx' };
    expect(environmentProblems([env], [{ id: 'ingress', build: noop }, { id: 'kube', build: noop }, { id: 'a'.repeat(58), build: noop }])).toEqual([
      "[charts/index.ts: STACKS[0]] 'id' makes namespace \"ingress-nginx\" in environment \"nginx\", which is the environment's gateway.controllerNamespace: its baseline (default-deny, quota) would land there, received \"ingress\"",
      `[charts/index.ts: STACKS[2]] 'id' makes namespace "${'a'.repeat(58)}-nginx" in environment "nginx", longer than a namespace may be (63), received "${'a'.repeat(58)}"`,
    ]);
    expect(environmentProblems([{ ...dev, name: 'system' }], [{ id: 'kube', build: noop }])).toEqual([
      "[charts/index.ts: STACKS[0]] 'id' makes namespace \"kube-system\" in environment \"system\", which is a namespace of the cluster itself: its baseline (default-deny, quota) would land there, received \"kube\"",
    ]);
  });

  test('planFor refuses before building anything', () => {
    let built = 0;
    const stacks = [{ id: 'argocd', build: () => { built++; } }];
    expect(problemsOf(() => planFor([dev], stacks))).toEqual([
      "[charts/index.ts: STACKS[0]] 'id' is berth's own output directory (dist/<env>/argocd/): choose another id, received \"argocd\"",
    ]);
    expect(built).toBe(0);
    expect(planFor([dev], [{ id: 'web', build: noop }], { releases: { dev: '' } }).map((u) => `${u.env}/${u.stack}`)).toEqual(['dev/web', 'dev/cluster', 'dev/argocd', 'dev/flux']);
  });
});

describe('clusters', () => {
  const eu = { name: 'eu-west', destination: { name: 'prod-eu-west' } };
  const withClusters = (clusters: unknown) => broken(prod, { clusters });

  test('each cluster sees the environment with its own values in place; an environment without clusters is one, in dist/<env>/', () => {
    const [a, b] = clusterTargets(prod);
    expect([a.dir, a.destination, a.env.domain, a.env.storage.storageClass, a.env.apiServer]).toEqual(
      ['prod-eu-west', { name: 'prod-eu-west' }, 'berth.example.com', 'premium-rwo', { cidr: '10.20.0.0/24', port: 443 }]);
    expect([b.dir, b.destination, b.env.domain, b.env.storage.storageClass, b.env.apiServer]).toEqual(
      ['prod-us-east', { name: 'prod-us-east' }, 'us.berth.example.com', 'gp3', { cidr: '10.40.0.0/24', port: 443 }]);
    expect([b.env.name, b.env.tls, b.env.storage.sizes, b.env.quota]).toEqual([prod.name, prod.tls, prod.storage.sizes, prod.quota]);
    expect(clusterTargets(dev)).toEqual([{ dir: 'dev', env: dev, destination: { server: 'https://kubernetes.default.svc' } }]);
    // A cluster's environment is a one-cluster environment: its targets are itself again.
    expect(clusterTargets(b.env)).toEqual([b]);
  });

  test("a cluster's issuers replace the environment's", () => {
    const tls = { issuer: { name: 'le-us', kind: 'ClusterIssuer' }, meshIssuer: { name: 'le-us-dns01', kind: 'Issuer' } } as const;
    const [, us] = clusterTargets({ ...prod, clusters: [eu, { name: 'us-east', destination: { name: 'prod-us-east' }, tls }] });
    expect(us.env.tls).toEqual(tls);
  });

  test('the reference prod synthesizes for two clusters, which differ only in the values their clusters set', () => {
    const units = planFor(ENVIRONMENTS, STACKS).filter((u) => u.environment === 'prod').map((u) => `${u.env}/${u.stack}`);
    expect(units.sort()).toEqual(['prod-eu-west', 'prod-us-east'].flatMap((d) => [...STACKS.map((s) => s.id), 'cluster', 'argocd', 'flux'].map((s) => `${d}/${s}`)).sort());
    const nexus = planFor(ENVIRONMENTS, STACKS).filter((u) => u.environment === 'prod' && u.stack === 'nexus').map((u) => renderUnit({ ...u, chart: u.build() }));
    const facts = nexus.map((s) => {
      const m = s.objects.map((o) => o.manifest);
      return {
        namespace: one(m, 'Namespace').metadata.name,
        storageClass: get(one(m, 'StatefulSet', 'postgres'), 'spec', 'volumeClaimTemplates', 0, 'spec', 'storageClassName'),
        apiServer: get(one(m, 'NetworkPolicy', 'nexus'), 'spec', 'egress').flatMap((r: { to?: { ipBlock?: { cidr: string } }[] }) => r.to ?? [])
          .map((t: { ipBlock?: { cidr: string } }) => t.ipBlock?.cidr).filter(Boolean),
        hosts: ofKind(m, 'Certificate').map((c) => get(c, 'spec', 'dnsNames', 0)).sort(),
      };
    });
    expect(facts).toEqual([
      { namespace: 'nexus-prod', storageClass: 'premium-rwo', apiServer: ['10.20.0.0/24'], hosts: ['api', 'app', 'cli', 'mcp'].map((h) => `${h}.nexus.berth.example.com`) },
      { namespace: 'nexus-prod', storageClass: 'gp3', apiServer: ['10.40.0.0/24'], hosts: ['api', 'app', 'cli', 'mcp'].map((h) => `${h}.nexus.us.berth.example.com`) },
    ]);
  });

  test('a duplicate cluster name, a cluster without a destination, and other cluster mistakes', () => {
    expect(environmentProblems([withClusters([
      eu,
      { name: 'eu-west', destination: { name: 'prod-eu-west-2' } },
      { name: 'us-east' },
      { name: 'ap', destination: { server: 'https://ap.example.com:6443', name: 'prod-ap' } },
      { name: 'sa', destination: { server: 'http://sa.example.com' } },
      { name: 'af', destination: { nmae: 'prod-af' } },
      { name: 'me', destination: { name: 'prod-eu-west' }, apiServer: { cidr: '10.50.0.7/24', port: 443 }, storageclass: 'gp3' },
    ])], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'clusters[2].destination' must be an Argo CD destination: { server: 'https://…' } or { name: '<the cluster as registered in Argo CD>' }, received undefined",
      "[charts/environments.ts: prod] 'clusters[3].destination' must set exactly one of server and name: Argo CD finds the cluster by either, not both, received {\"server\":\"https://ap.example.com:6443\",\"name\":\"prod-ap\"}",
      "[charts/environments.ts: prod] 'clusters[4].destination.server' must be the API server's https:// URL, such as https://kubernetes.default.svc, received \"http://sa.example.com\"",
      "[charts/environments.ts: prod] 'clusters[5].destination.nmae' is not a field of destination; did you mean 'name'?",
      "[charts/environments.ts: prod] 'clusters[5].destination' must set exactly one of server and name: Argo CD finds the cluster by either, not both, received {\"nmae\":\"prod-af\"}",
      "[charts/environments.ts: prod] 'clusters[6].storageclass' is not a field of ClusterConfig; did you mean 'storageClass'?",
      "[charts/environments.ts: prod] 'clusters[1].name' duplicates clusters[0]'s name: both would write the same dist/ directory, received \"eu-west\"",
      "[charts/environments.ts: prod] 'clusters[6].destination' is clusters[0]'s destination too: two Applications of one Argo CD would manage the same namespaces, received {\"name\":\"prod-eu-west\"}",
      "[charts/environments.ts: prod] 'clusters[6].apiServer.cidr' must have no bits set after the prefix (did you mean 10.50.0.0/24?), received \"10.50.0.7/24\"",
    ]);
  });

  test("Argo CD's own cluster may be every cluster's destination (an Argo CD in each); an empty list is refused", () => {
    const local = { server: 'https://kubernetes.default.svc' };
    expect(environmentProblems([withClusters([{ name: 'a', destination: local }, { name: 'b', destination: local }])], STACKS)).toEqual([]);
    expect(environmentProblems([withClusters([])], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'clusters' must list at least one cluster, or be left out for Argo CD's own cluster (dist/<env>/), received []",
    ]);
  });

  test('two environments that would write one directory, and a directory too long for the names berth derives from it', () => {
    expect(environmentProblems([{ ...dev, name: 'prod-eu-west' }, prod], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'clusters[0].name' makes dist/prod-eu-west/, which ENVIRONMENTS[0] writes too, received \"eu-west\"",
    ]);
    const long = 'a'.repeat(50);
    expect(environmentProblems([withClusters([{ name: long, destination: { name: 'x' } }])], STACKS)).toEqual([
      `[charts/environments.ts: prod] 'clusters[0].name' makes "berth-prod-${long}-root" (the Argo CD and Flux roots of dist/prod-${long}/), longer than a label value may be (63), received "${long}"`,
    ]);
  });

  test('a stack whose Flux Kustomization names would be too long in a cluster', () => {
    const id = 'a'.repeat(45);
    expect(environmentProblems([{ ...prod, gateway: { ...prod.gateway, overrides: {} } }], [{ id, build: noop }])).toEqual([
      `[charts/index.ts: STACKS[0]] 'id' makes the Flux Kustomization "${id}-prod-eu-west-services" for dist/prod-eu-west/, longer than a label value may be (63), received "${id}"`,
      `[charts/index.ts: STACKS[0]] 'id' makes the Flux Kustomization "${id}-prod-us-east-services" for dist/prod-us-east/, longer than a label value may be (63), received "${id}"`,
    ]);
  });

  test("a cluster's TLS needs cert-manager; GitOps URLs and revisions Flux can read", () => {
    const env = broken(dev, {
      clusters: [{ name: 'a', destination: { name: 'a' }, tls: prod.tls }],
      gitops: { repoURL: 'git@github.com:example-org/berth.git', revision: { tag: 'v1 .0' }, argocdNamespace: 'argocd', fluxNamespace: 'Flux' },
    });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: dev] 'gitops.fluxNamespace' must be a DNS label (lowercase letters, digits and '-', at most 63), received \"Flux\"",
      "[charts/environments.ts: dev] 'gitops.repoURL' must be a git URL both Argo CD and Flux can clone (https://host/path or ssh://user@host/path: write ssh://git@github.com/example-org/berth.git), received \"git@github.com:example-org/berth.git\"",
      "[charts/environments.ts: dev] 'gitops.revision.tag' must be a git tag, received \"v1 .0\"",
      `[charts/environments.ts: dev] 'clusters[0].tls' needs cert-manager in the cluster, but capabilities.certManager is false, received ${JSON.stringify(prod.tls)}`,
    ]);
  });
});

import { EnvironmentConfig, planFor, STACKS, StackDefinition } from '../charts';
import { dev, ENVIRONMENTS, prod, staging } from '../charts/environments';
import { environmentProblems } from '../charts/validate-environments';
import { problemsOf } from './util';

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
      allowMutableImageTag: false,
      monitoring: 'yes',
    });
    expect(environmentProblems([env], STACKS)).toEqual([
      "[charts/environments.ts: prod] 'allowMutableImageTag' is not a field of EnvironmentConfig; did you mean 'allowMutableImageTags'?",
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
    expect(planFor([dev], [{ id: 'web', build: noop }]).map((u) => `${u.env}/${u.stack}`)).toEqual(['dev/web', 'dev/argocd', 'dev/flux']);
  });
});

// The platform policy a StackChart supplies, and how the constructs in it read it: a stack
// states only its intent, the environment decides the rest, and bad intent is refused.
import { App } from 'cdk8s';
import { EnvironmentConfig, planFor, StackChart } from '../charts';
import { dev, prod, staging } from '../charts/environments';
import { hostFor, policyFor } from '../charts/platform';
import { AppSecret } from '../constructs/app-secret';
import { POLICY_CONTEXT, platformPolicy } from '../constructs/core/policy';
import { IngressGateway } from '../constructs/ingress-gateway';
import { MigrationJob } from '../constructs/migration-job';
import { SmokeTest } from '../constructs/smoke-test';
import { StatefulStore } from '../constructs/stateful-store';
import { ScalingIntent, WebService } from '../constructs/web-service';
import { get, ofKind, one, problemsOf, synth } from './util';

const chartIn = (env: EnvironmentConfig, stack = 'shop') => new StackChart(new App(), stack, env);
const web = (chart: StackChart, scaling?: ScalingIntent) =>
  new WebService(chart, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }], ...(scaling ? { scaling } : {}) });

describe('a StackChart supplies the environment\'s policy', () => {
  test('every field, from the environment data', () => {
    const p = platformPolicy(chartIn(prod, 'nexus'));
    expect({ ...p, secrets: undefined }).toEqual({
      ...policyFor('nexus-prod', 'nexus', prod), secrets: undefined,
    });
    expect({ ...p.images, resolve: undefined }).toEqual({ allowMutableTags: false, pullPolicy: 'Always', resolve: undefined });
    expect([p.meshSidecar, p.secrets?.allowGenerated, p.backups, p.verticalAutoscaling, p.metrics, p.apiServer]).toEqual([
      true, false, { schedule: '0 2 * * *', retain: 14, size: '50Gi' }, true, { scraperNamespace: 'monitoring', serviceMonitor: true },
      { cidr: '10.20.0.0/24', port: 443 },
    ]);
    expect(p.gateway).toEqual({
      mode: 'istio',
      capabilities: { ingressNginx: true, gatewayApi: true, istio: true, certManager: true },
      tls: { issuer: { name: 'letsencrypt-prod-dns01', kind: 'ClusterIssuer' } },
      // The Istio ingress gateway's pods and identity, from the environment's gateway.istioGateway.
      istio: { gatewaySelector: { istio: 'ingressgateway' }, gatewayPrincipal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account' },
    });
    expect(p.priorityClasses).toEqual({ store: 'berth-store', service: 'berth-service', job: 'berth-job', batch: 'berth-batch' });
    expect(platformPolicy(chartIn(dev)).backups).toBe(false);
    const c = chartIn(dev);
    expect(c.node.tryGetContext(POLICY_CONTEXT)).toBe(platformPolicy(c));
  });
});

describe('scaling intent', () => {
  const hpaOf = (chart: StackChart) => ofKind(synth(chart), 'HorizontalPodAutoscaler').map((h) => get(h, 'spec'));

  test('an HPA where the environment autoscales, its maximum divided by the environment', () => {
    const c = chartIn(prod);
    web(c, { min: 2, max: 10, cpu: 70, memory: 80 });
    expect(hpaOf(c).map((s) => [s.minReplicas, s.maxReplicas, s.metrics.length])).toEqual([[2, 10, 2]]);
    const st = chartIn(staging);
    web(st, { min: 2, max: 7 });
    expect(hpaOf(st).map((s) => [s.minReplicas, s.maxReplicas])).toEqual([[2, 4]]);
  });

  test("the divisor never takes the maximum below the minimum: the environment's policy, kept", () => {
    const st = chartIn(staging);
    web(st, { min: 2, max: 3 });
    expect(hpaOf(st).map((s) => [s.minReplicas, s.maxReplicas])).toEqual([[2, 2]]);
  });

  test("fixed replicas where it doesn't: `fixed`, else the environment's", () => {
    const c = chartIn(dev);
    web(c, { min: 2, max: 10 });
    new WebService(c, 'front', { image: 'ghcr.io/acme/front:1.0.0', ports: [{ name: 'http', port: 3000 }], scaling: { min: 2, max: 4, fixed: 2 } });
    expect(ofKind(synth(c), 'Deployment').map((d) => get(d, 'spec').replicas)).toEqual([1, 2]);
  });

  test('outside a berth chart the intent is an HPA as given', () => {
    const chart = new (require('cdk8s').Chart)(new App(), 'plain', { namespace: 'plain' });
    new WebService(chart, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }], scaling: { min: 2, max: 9 } });
    expect(get(one(synth(chart), 'HorizontalPodAutoscaler'), 'spec', 'maxReplicas')).toBe(9);
  });

  test('a minimum above the maximum is refused, in every environment, not made 5–5', () => {
    for (const env of [dev, prod]) {
      expect(problemsOf(() => web(chartIn(env), { min: 5, max: 3 }))).toEqual([
        `[shop-${env.name}/api] 'scaling.min' must not exceed scaling.max (3): the fewest pods can't be more than the most, received 5`,
      ]);
    }
  });

  test('out-of-range and fractional values, misspelt or mistyped keys, and scaling beside replicas are refused', () => {
    expect(problemsOf(() => web(chartIn(prod), { min: 0, max: 2.5, cpu: 120, memory: 0, fixed: 0 }))).toEqual([
      "[shop-prod/api] 'scaling.min' must be an integer >= 1, received 0",
      "[shop-prod/api] 'scaling.max' must be an integer >= 1, received 2.5",
      "[shop-prod/api] 'scaling.cpu' must be an integer percentage between 1 and 100, received 120",
      "[shop-prod/api] 'scaling.memory' must be an integer percentage between 1 and 100, received 0",
      "[shop-prod/api] 'scaling.fixed' must be an integer >= 1, received 0",
    ]);
    expect(problemsOf(() => web(chartIn(prod), { min: 2, maxx: 4, cpu: '70' } as unknown as ScalingIntent))).toEqual([
      "[shop-prod/api] 'scaling.maxx' is not a field of ScalingIntent; did you mean 'max'?",
      "[shop-prod/api] 'scaling.max' must be a number, received undefined",
      "[shop-prod/api] 'scaling.cpu' must be a number, received \"70\"",
    ]);
    expect(problemsOf(() => new WebService(chartIn(prod), 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }], scaling: { min: 2, max: 3 }, replicas: 2 }))).toEqual([
      "[shop-prod/api] 'scaling' must not be set together with replicas or autoscaling (scaling is the intent; those say exactly what to render), received {\"replicas\":2}",
    ]);
  });
});

describe('storage tiers, backups and Secrets', () => {
  test("a tier's size and the environment's class; backups on the environment's schedule, none where it schedules none", () => {
    const p = chartIn(prod);
    new StatefulStore(p, 'db', { engine: 'postgres', storage: { tier: 'medium' }, backup: true });
    const out = synth(p);
    expect(get(one(out, 'StatefulSet'), 'spec', 'volumeClaimTemplates', 0, 'spec')).toEqual(expect.objectContaining({
      storageClassName: 'premium-rwo', resources: { requests: { storage: '20Gi' } },
    }));
    expect([get(one(out, 'CronJob', 'postgres-backup'), 'spec', 'schedule'), get(one(out, 'PersistentVolumeClaim'), 'spec', 'resources', 'requests', 'storage')]).toEqual(['0 2 * * *', '50Gi']);
    expect(ofKind(out, 'ExternalSecret').map((e) => get(e, 'spec', 'secretStoreRef', 'name'))).toEqual(['berth-prod', 'berth-prod']);
    const d = chartIn(dev);
    new StatefulStore(d, 'db', { engine: 'postgres', storage: { tier: 'small' }, backup: true });
    expect([ofKind(synth(d), 'CronJob'), ofKind(synth(d), 'Secret').length]).toEqual([[], 2]);
  });

  test('a tier the environment lacks is refused, not left to the engine default; outside a berth chart a tier needs a size', () => {
    expect(problemsOf(() => new StatefulStore(chartIn(prod), 'db', { engine: 'postgres', storage: { tier: 'huge' } }))).toEqual([
      "[shop-prod/db] 'storage.tier' must be one of the environment's storage tiers (small, medium, large), received \"huge\"",
    ]);
    expect(problemsOf(() => new StatefulStore(chartIn(prod), 'db', { engine: 'postgres', storage: { tier: 'toString' } }))).toEqual([
      "[shop-prod/db] 'storage.tier' must be one of the environment's storage tiers (small, medium, large), received \"toString\"",
    ]);
  });

  const sealed: EnvironmentConfig = {
    ...prod, secrets: { mode: 'sealed', encryptedData: { 'shop-prod/db-credentials': { password: 'AgB…' } } },
  };

  test('sealed data comes from the environment, per namespace and Secret', () => {
    expect(platformPolicy(chartIn(sealed)).secrets?.sourceFor('db-credentials')).toEqual({ mode: 'sealed', encryptedData: { password: 'AgB…' } });
  });

  test('a Secret nobody sealed is refused, naming where its data belongs', () => {
    expect(problemsOf(() => new AppSecret(chartIn(sealed), 'api-keys', { keys: ['KEY'] }))).toEqual([
      "[shop-prod] 'secrets' has no kubeseal output in charts/environments.ts for Secret \"api-keys\" (environment \"prod\", secrets.encryptedData[\"shop-prod/api-keys\"]), received \"api-keys\"",
    ]);
  });
});

describe('every construct reads the policy, and explicit props win', () => {
  test('image tags, the mesh, metrics, the gateway, the API server', () => {
    const c = chartIn(dev, 'nexus');
    const api = new WebService(c, 'api', {
      image: 'ghcr.io/acme/api:latest', ports: [{ name: 'http', port: 8080 }], metrics: {},
      rbac: [{ resources: ['configmaps'], verbs: ['get'], resourceNames: ['flags'] }],
    });
    new MigrationJob(c, 'migrate', { image: 'ghcr.io/acme/api:latest', command: ['migrate'] });
    new SmokeTest(c, 'smoke', { targets: [{ service: api, port: 'http', path: '/healthz' }] });
    const g = new IngressGateway(c, 'gateway', { name: 'nexus' });
    g.routeTo(api, { host: 'api.dev.example.com' });
    const out = synth(c);
    expect([g.mode, ofKind(out, 'ServiceMonitor'), get(one(out, 'Ingress'), 'spec', 'ingressClassName')]).toEqual(['ingress', [], 'nginx']);
    expect(get(one(out, 'NetworkPolicy', 'api'), 'spec', 'egress')).toContainEqual({ to: [{ ipBlock: { cidr: '172.18.0.0/16' } }], ports: [{ port: 6443, protocol: 'TCP' }] });
    // Explicit props win over the policy.
    expect(problemsOf(() => new WebService(chartIn(dev), 'pinned', { image: 'ghcr.io/acme/api:latest', ports: [{ name: 'http', port: 8080 }], allowMutableImageTags: false }))).toEqual([
      "[shop-dev/pinned] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"ghcr.io/acme/api:latest\"",
    ]);
  });

  test('outside a berth chart, what only the policy could supply is required', () => {
    const chart = new (require('cdk8s').Chart)(new App(), 'plain', { namespace: 'plain' });
    expect(problemsOf(() => new StatefulStore(chart, 'db', { engine: 'postgres' }))).toEqual([
      "[plain/db] 'credentials' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined",
    ]);
    expect(problemsOf(() => new AppSecret(chart, 'keys', { keys: ['KEY'] }))).toEqual([
      "[plain/keys] 'source' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined",
    ]);
    expect(problemsOf(() => new IngressGateway(chart, 'gateway', {}))).toEqual([
      "[plain/gateway] 'capabilities' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined",
    ]);
  });
});

describe('hostFor()', () => {
  test('labels under the domain', () => {
    expect(hostFor(chartIn(prod), 'api.shop')).toBe('api.shop.berth.example.com');
  });

  test.each(['Api', 'api..shop', '', 'api_shop', '-api'])('%j is refused', (sub) => {
    expect(problemsOf(() => hostFor(chartIn(prod), sub))).toEqual([
      `[shop-prod] 'hostFor().sub' must be '.'-separated DNS labels (lowercase letters, digits and '-', at most 63 each), such as 'api.shop', received ${JSON.stringify(sub)}`,
    ]);
  });

  test('a host longer than a DNS name is refused', () => {
    const sub = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.');
    expect(problemsOf(() => hostFor(chartIn(prod), sub))).toEqual([
      `[shop-prod] 'hostFor().sub' makes "${sub}.berth.example.com", longer than a DNS name may be (253), received "${sub}"`,
    ]);
  });
});


describe("the Istio ingress gateway's identity is environment data", () => {
  test('gateway.istioGateway: the pods the routed services admit, and the principal their AuthorizationPolicies admit', () => {
    // The istio/gateway Helm chart's names, in another namespace.
    const env: EnvironmentConfig = {
      ...prod, clusters: undefined,
      gateway: { ...prod.gateway, istioNamespace: 'gateways', istioGateway: { serviceAccount: 'istio-ingressgateway', podLabels: { app: 'istio-ingressgateway' } } },
    };
    const c = chartIn(env, 'nexus');
    const api = new WebService(c, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }] });
    new IngressGateway(c, 'gateway', { name: 'nexus' }).routeTo(api, { host: 'api.example.com' });
    const out = synth(c);
    expect(get(one(out, 'Gateway'), 'spec', 'selector')).toEqual({ app: 'istio-ingressgateway' });
    expect(get(one(out, 'NetworkPolicy', 'api'), 'spec', 'ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } }, podSelector: { matchLabels: { app: 'istio-ingressgateway' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
    expect(api.authorizationPolicy).toAdmitPrincipal('cluster.local/ns/gateways/sa/istio-ingressgateway', 8080);
    expect(api.authorizationPolicy).not.toAdmitPrincipal('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
  });

  test("@default gateway.istioGateway: istioctl's default profile", () => {
    const { istioGateway: _none, ...gateway } = prod.gateway;
    const p = policyFor('nexus-prod', 'nexus', { ...prod, gateway });
    expect(p.gateway?.istio).toEqual({ gatewaySelector: { istio: 'ingressgateway' }, gatewayPrincipal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account' });
  });

  test('a malformed identity is refused with the environment and the field', () => {
    const env = { ...prod, gateway: { ...prod.gateway, overrides: {}, istioGateway: { serviceAccount: 'Istio GW', podLabels: { istio: 1 } } } } as unknown as EnvironmentConfig;
    expect(problemsOf(() => planFor([env], [], { releases: { prod: '' } }))).toEqual([
      "[charts/environments.ts: prod] 'gateway.istioGateway.serviceAccount' must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.'), received \"Istio GW\"",
      "[charts/environments.ts: prod] 'gateway.istioGateway.podLabels.istio' must be a string, received 1",
    ]);
  });
});

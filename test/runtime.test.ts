// The runtime checks: what a running cluster would do with output that is valid. Each case
// builds a small stack that breaks one runtime rule and runs it through the real synth and
// safety net, asserting the exact report; the last cases show what each check accepts.
import { JsonPatch } from 'cdk8s';
import * as istio from '../imports/networking.istio.io';
import * as k8s from '../imports/k8s';
import { StackChart } from '../charts';
import { dev, prod } from '../charts/environments';
import { IngressGateway, IngressGatewayProps } from '../constructs/ingress-gateway';
import { MigrationJob } from '../constructs/migration-job';
import { NamespaceBaseline } from '../constructs/namespace-baseline';
import { StatefulStore, StatefulStoreProps } from '../constructs/stateful-store';
import { WebService, WebServiceProps } from '../constructs/web-service';
import * as kinds from '../constructs/core/kinds';
import { C0, Case, expectAccepted, expectRefused, good, patch, raw } from './corpus';

const CAPS = { ingressNginx: true, gatewayApi: true, istio: true, certManager: true };

function base(c: StackChart, mesh = false): void {
  new NamespaceBaseline(c, 'baseline', { quota: c.env.quota, ...(mesh ? { mesh: {} } : {}) });
}

function web(c: StackChart, id: string, props: Partial<WebServiceProps> = {}): WebService {
  return new WebService(c, id, { image: `ghcr.io/acme/${id}:1.0.0`, ports: [{ name: 'http', port: 8080 }], replicas: 2, ...props });
}

function gateway(c: StackChart, props: Partial<IngressGatewayProps> = {}): IngressGateway {
  return new IngressGateway(c, 'gateway', { name: 'shop', capabilities: CAPS, ...props });
}

function postgres(c: StackChart, props: Partial<StatefulStoreProps> = {}): StatefulStore {
  return new StatefulStore(c, 'db', { engine: 'postgres', ...props });
}

const cases: readonly Case[] = [
  // ── 1. Dead ports ─────────────────────────────────────────────────────────────────
  {
    name: 'dead port: a Service port that no NetworkPolicy opens and no route reaches',
    build: (c) => {
      base(c);
      const api = web(c, 'api', { ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9000 }] });
      const shop = web(c, 'shop');
      shop.connectTo(api, [api.port('http')]);
      gateway(c).routeTo(shop, { host: 'shop.dev.example.com' });
    },
    expected: [
      'dev/shop Service/api [shop-dev/api/service] spec.ports[1]: exposes "admin" (pod port 9000) of Deployment/api, but no NetworkPolicy admits anyone on it and no route reaches it: the port is dead (hint: connectTo() it from its callers, route it through the gateway, or mark it internalOnly so it is not on the Service)',
    ],
  },
  {
    name: 'dead route: an Ingress whose backend does not admit the ingress proxies',
    build: (c) => {
      const { web: w } = good(c);
      patch(w.networkPolicy, JsonPatch.replace('/spec/ingress/0/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name', 'ingress-system'));
    },
    expected: [
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[0].backend.service: routes to Service/web, but no NetworkPolicy of Deployment/web admits the ingress proxies (ingress-nginx) on port 8080 (hint: route through the stack\'s IngressGateway (it opens the backend to its proxies), or allowFrom() the controller namespace)',
    ],
  },
  // ── 8. Configured URLs ────────────────────────────────────────────────────────────
  {
    name: 'a configured URL to a Service the caller never connectTo()',
    build: (c) => {
      base(c);
      const orders = web(c, 'orders');
      const shop = web(c, 'shop', { env: { ORDERS_URL: `${orders.url}/v1` } });
      const g = gateway(c);
      g.routeTo(orders, { host: 'orders.dev.example.com' });
      g.routeTo(shop, { host: 'shop.dev.example.com' });
    },
    expected: [
      'dev/shop Deployment/shop [shop-dev/shop/deployment] spec.template.spec.containers[0].env[0].value: ORDERS_URL points at Service/orders port 8080, but no NetworkPolicy of Deployment/shop allows egress to Deployment/orders on TCP 8080, received "http://orders.shop-dev.svc.cluster.local:8080" (hint: call connectTo() from the caller to the service (it opens both ends), or drop the URL)',
    ],
  },
  {
    name: 'a configured URL to a Service the stack lacks, and to a port its Service lacks',
    build: (c) => {
      base(c);
      const orders = web(c, 'orders');
      const shop = web(c, 'shop', { env: { ORDERS_URL: 'http://order.shop-dev.svc.cluster.local:8080', ADMIN_URL: 'http://orders:9000' } });
      shop.connectTo(orders);
      gateway(c).routeTo(shop, { host: 'shop.dev.example.com' });
    },
    expected: [
      'dev/shop Deployment/shop [shop-dev/shop/deployment] spec.template.spec.containers[0].env[0].value: ORDERS_URL names Service "order", which this stack does not define, received "http://order.shop-dev.svc.cluster.local:8080" (hint: use the URL of a Service of this stack (a construct\'s url or connectionEnv()))',
      'dev/shop Deployment/shop [shop-dev/shop/deployment] spec.template.spec.containers[0].env[1].value: ADMIN_URL points at port 9000 of Service/orders, which has no such port, received "http://orders:9000" (hint: its ports: http (8080))',
    ],
  },
  // ── 2. Session affinity ───────────────────────────────────────────────────────────
  {
    name: 'session affinity: an Ingress to a ClientIP Service without a hash, and meshed pods without a DestinationRule',
    build: (c) => {
      const { web: w } = good(c);
      patch(w.service, JsonPatch.add('/spec/sessionAffinity', 'ClientIP'));
      patch(w.deployment, JsonPatch.add('/spec/template/metadata/annotations', { 'sidecar.istio.io/inject': 'true' }));
    },
    expected: [
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[0].backend.service: routes to Service/web, which asks for ClientIP affinity, but ingress-nginx balances over the pod endpoints and ignores the Service\'s: clients switch pods (hint: annotate the Ingress nginx.ingress.kubernetes.io/upstream-hash-by: "$remote_addr" (the IngressGateway does for services with affinity))',
      'dev/shop Service/web [shop-dev/web-service] spec.sessionAffinity: asks for ClientIP affinity, but its pods are in the mesh and no DestinationRule hashes their requests: sidecars send in-mesh callers straight to the pod endpoints (hint: give the service a DestinationRule with loadBalancer.consistentHash.useSourceIp (WebService with meshSidecar does))',
    ],
  },
  {
    name: 'session affinity through an HTTPRoute, and a NodePort Service without it',
    build: (c) => {
      const { web: w } = good(c);
      patch(w.service, JsonPatch.add('/spec/sessionAffinity', 'ClientIP'));
      new kinds.HttpRoute(c, 'route', {
        metadata: { name: 'web' },
        spec: { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
      });
      new kinds.KubeService(c, 'nodeport', {
        metadata: { name: 'web-nodeport' },
        spec: {
          type: 'NodePort',
          selector: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'shop-dev' },
          ports: [{ port: 80, targetPort: k8s.IntOrString.fromNumber(8080), nodePort: 30080 }],
        },
      });
    },
    expected: [
      'dev/shop HTTPRoute/web [shop-dev/route] spec.rules[0].backendRefs[0]: routes to Service/web, which asks for ClientIP affinity: the Gateway API standard channel has no session persistence, so it can\'t hold (hint: use ingress or istio mode for this stack, or drop the affinity)',
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[0].backend.service: routes to Service/web, which asks for ClientIP affinity, but ingress-nginx balances over the pod endpoints and ignores the Service\'s: clients switch pods (hint: annotate the Ingress nginx.ingress.kubernetes.io/upstream-hash-by: "$remote_addr" (the IngressGateway does for services with affinity))',
      'dev/shop Service/web-nodeport [shop-dev/nodeport] spec.sessionAffinity: exposes the pods of Service/web, which asks for ClientIP affinity, without it: node-port clients switch pods (hint: set sessionAffinity: ClientIP on the NodePort Service too (the IngressGateway does in nodeport mode))',
    ],
  },
  // ── 2b. Mesh authorization (issue 21) ─────────────────────────────────────────────
  {
    name: 'mesh: a NetworkPolicy admits a caller that the callee\'s AuthorizationPolicy refuses',
    env: prod,
    build: (c) => {
      base(c, true);
      const api = web(c, 'api', { meshSidecar: true });
      const shop = web(c, 'shop', { meshSidecar: true });
      gateway(c, { mode: 'istio' }).routeTo(shop, { host: 'shop.example.com' });
      // Opened by hand on both ends, not with connectTo(): the AuthorizationPolicy of api never hears of shop.
      shop.allowTo(api.connections.peer, [api.port('http')]);
      patch(raw(api.networkPolicy), JsonPatch.add('/spec/ingress', [{
        from: [{ podSelector: { matchLabels: shop.connections.selector } }], ports: [{ port: 8080, protocol: 'TCP' }],
      }]));
    },
    expected: [
      'prod/shop NetworkPolicy/api [shop-prod/api/network-policy] spec.ingress: lets Deployment/shop call Deployment/api on TCP 8080, but AuthorizationPolicy/api does not allow cluster.local/ns/shop-prod/sa/shop on port 8080: the call fails with 403 (RBAC: access denied) (hint: declare the call with connectTo() (it opens the NetworkPolicies and the AuthorizationPolicy alike), or drop the NetworkPolicy rule)',
    ],
  },
  // ── 3. Metrics that can be scraped ────────────────────────────────────────────────
  {
    name: 'metrics behind STRICT mTLS: a monitor on an app port of meshed pods',
    env: prod,
    build: (c) => {
      base(c, true);
      const api = web(c, 'api', { metrics: { port: 'http', serviceMonitor: true } });
      gateway(c, { mode: 'istio' }).routeTo(api, { host: 'api.example.com', path: '/api' });
    },
    expected: [
      // The service doesn't know it is meshed, so it has no AuthorizationPolicy of its own: the namespace's default-deny refuses the gateway too.
      ...[0, 1].map(() => 'prod/shop VirtualService/shop-api-example-com [shop-prod/gateway/VirtualService-api-example-com] spec.http[0].route[0].destination: routes to Service/api, but AuthorizationPolicy/default-deny does not allow cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account on port 8080 (hint: route through the stack\'s IngressGateway: in the mesh, each routed service\'s AuthorizationPolicy then admits the gateway\'s identity (give the workload meshSidecar))'),
      'prod/shop ServiceMonitor/api [shop-prod/api/service-monitor] spec.endpoints[0].port: scrapes Service/api port "http" on Deployment/api, but the scraper in namespace monitoring is refused: PeerAuthentication/shop requires mTLS (STRICT) on port 8080, and the caller sends plaintext; the monitor never gets a sample (hint: serve metrics on a port of their own and give it a port-level mTLS exception (PERMISSIVE) and an ALLOW rule for that port (WebService with meshSidecar does), or use Istio metrics merging)',
    ],
  },
  {
    name: 'metrics the scraper can not reach: the NetworkPolicy admits another namespace',
    env: prod,
    build: (c) => {
      base(c);
      const api = web(c, 'api', { metrics: { serviceMonitor: true, scraperNamespace: 'prometheus' } });
      gateway(c).routeTo(api, { host: 'api.example.com' });
    },
    expected: [
      'prod/shop ServiceMonitor/api [shop-prod/api/service-monitor] spec.endpoints[0].port: scrapes Service/api port "metrics" on Deployment/api, but the scraper in namespace monitoring is refused: no NetworkPolicy of Deployment/api admits namespace monitoring on TCP 9090; the monitor never gets a sample (hint: admit namespace monitoring on the metrics port (WebService and StatefulStore metrics do))',
    ],
  },
  // ── 4. Metrics never public ───────────────────────────────────────────────────────
  {
    name: 'public metrics: a route with prefix / to the port that serves /metrics',
    env: prod,
    build: (c) => {
      base(c);
      const api = web(c, 'api', { metrics: { port: 'http', serviceMonitor: true } });
      gateway(c).routeTo(api, { host: 'api.example.com' });
    },
    expected: [
      'prod/shop Ingress/shop [shop-prod/gateway/Ingress-shop] spec.rules[0].http.paths[0].backend.service: routes Prefix "/" of api.example.com to Service/api port 8080, which serves metrics at /metrics (ServiceMonitor/api): the metrics are public (hint: serve metrics on a port of their own (WebService metrics get port 9090 by default), or keep the metrics path off the route)',
    ],
  },
  // ── 7. Weighted backends ──────────────────────────────────────────────────────────
  {
    name: 'a canary of one pod: a node drain takes its share down',
    build: (c) => {
      base(c);
      const stable = web(c, 'api');
      const canary = web(c, 'api-canary', { replicas: 1 });
      gateway(c).addRoute({ host: 'api.dev.example.com', backends: [{ service: stable, weight: 90 }, { service: canary, weight: 10 }] });
    },
    expected: [
      'dev/shop Ingress/shop-canary [shop-dev/gateway/Ingress-shop-canary] spec.rules[0].http.paths[0].backend.service: sends 10 % of its requests to Service api-canary, whose Deployment/api-canary runs 1 pod: a node drain takes that share down with it (hint: run the weighted backend with at least 2 replicas, which also gives it a PDB (maxUnavailable: 1))',
    ],
  },
  {
    name: 'a gateway-only split: in-mesh callers of the stable service bypass it',
    env: prod,
    build: (c) => {
      base(c, true);
      const stable = web(c, 'api', { meshSidecar: true });
      const canary = web(c, 'api-canary', { meshSidecar: true });
      const shop = web(c, 'shop', { meshSidecar: true });
      shop.connectTo(stable);
      const g = gateway(c, { mode: 'istio' });
      g.addRoute({ host: 'api.example.com', backends: [{ service: stable, weight: 90 }, { service: canary, weight: 10 }] });
      g.routeTo(shop, { host: 'shop.example.com' });
      // Without the mesh VirtualService the gateway renders: the split applies at the gateway only.
      c.node.findAll().filter((n) => n instanceof istio.VirtualService && n.name === 'shop-mesh-api').forEach((n) => n.node.scope!.node.tryRemoveChild(n.node.id));
    },
    expected: [
      'prod/shop VirtualService/shop-api-example-com [shop-prod/gateway/VirtualService-api-example-com] spec.http[0].route[0].destination: splits 90 % to api, 10 % to api-canary at the gateway only: in-mesh callers (Deployment/shop) reach Service api directly and never see the split (hint: add a VirtualService for api\'s cluster host bound to the mesh gateway with the same weights (the IngressGateway does in istio mode))',
    ],
  },
  // ── 5. Connection budget ──────────────────────────────────────────────────────────
  {
    name: 'connection budget: clients at their HPA maxima exceed max_connections',
    env: prod,
    build: (c) => {
      base(c);
      const db = postgres(c);
      const api = web(c, 'api', { replicas: undefined, autoscaling: { minReplicas: 2, maxReplicas: 12 } });
      api.connectTo(db, { pool: 8 });
      gateway(c).routeTo(api, { host: 'api.example.com' });
    },
    expected: [
      'prod/shop ConfigMap/postgres-config [shop-prod/db/config] data["postgresql.conf"]: allows 97 connections (max_connections 100 less 3 reserved = 97), but its clients may open 120 at their peak: Deployment/api 8 × 15 (HPA max 12 + 3 surge) = 120 (hint: raise postgres.maxConnections to at least 123 (about 256 MiB more memory, at ~10 MiB a connection), put PgBouncer in front (postgres.pooler), or declare smaller pools)',
    ],
  },
  {
    name: 'connection budget: clients exceed the pooler\'s client limit, with one pooler pod drained',
    env: prod,
    build: (c) => {
      base(c);
      const db = postgres(c, { postgres: { pooler: { replicas: 2, maxClientConnections: 50 } } });
      const api = web(c, 'api', { replicas: undefined, autoscaling: { minReplicas: 2, maxReplicas: 10 } });
      api.connectTo(db, { pool: 5 });
      gateway(c).routeTo(api, { host: 'api.example.com' });
    },
    expected: [
      'prod/shop Deployment/postgres-pooler [shop-prod/db/pooler/deployment] metadata.annotations["berth.dev/max-client-connections"]: allows 50 connections (50 client connections per pooler pod × 1 pod(s) left during a drain = 50), but its clients may open 65 at their peak: Deployment/api 5 × 13 (HPA max 10 + 3 surge) = 65 (hint: raise pooler.maxClientConnections to at least 65, run more pooler replicas, or declare smaller pools)',
    ],
  },
  // ── 6. Resource coherence ─────────────────────────────────────────────────────────
  {
    name: 'an HPA memory target below what an idle pod uses, declared and not',
    env: prod,
    build: (c) => {
      base(c);
      const g = gateway(c);
      for (const [id, idle] of [['api', '220Mi'], ['jobs', undefined]] as const) {
        const svc = web(c, id, {
          replicas: undefined, autoscaling: { minReplicas: 2, maxReplicas: 4, memoryUtilization: 80 }, ...(idle ? { memoryAtIdle: idle } : {}),
          resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } },
        });
        g.routeTo(svc, { host: `${id}.example.com` });
      }
    },
    expected: [
      'prod/shop HorizontalPodAutoscaler/api [shop-prod/api/hpa] spec.metrics[0].resource.target.averageUtilization: targets 80 % memory, but an idle pod of Deployment/api already uses 86 % (220Mi from berth.dev/memory-at-idle 220Mi, of 256Mi requested): the HPA scales to its maximum and stays there, received 80 (hint: declare memoryAtIdle and request enough memory that idle use stays well under the target, or drop the memory target and scale on CPU)',
      'prod/shop HorizontalPodAutoscaler/jobs [shop-prod/jobs/hpa] spec.metrics[0].resource.target.averageUtilization: targets 80 % memory, but an idle pod of Deployment/jobs already uses 100 % (256Mi from its request, as no memory at idle is declared, of 256Mi requested): the HPA scales to its maximum and stays there, received 80 (hint: declare memoryAtIdle and request enough memory that idle use stays well under the target, or drop the memory target and scale on CPU)',
    ],
  },
  {
    name: 'a JVM whose heap and native memory exceed its limit',
    build: (c) => {
      const { web: w } = good(c);
      patch(w.deployment, JsonPatch.add(`${C0}/env/-`, { name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseG1GC -Xmx200m' }));
    },
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits.memory: holds a JVM whose heap 200Mi plus ~384Mi of native memory (metaspace, threads, GC) need 584Mi, more than the 256Mi limit: the kernel OOM-kills it under load (hint: raise the memory limit, or lower the heap and page cache (the StatefulStore neo4j engine sizes both from the limit))',
    ],
  },
];

describe('runtime checks', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => expectRefused(c));
});


describe('what the runtime checks accept', () => {
  const ok = expectAccepted;

  test('a meshed service with metrics on a port of their own is scraped through STRICT mTLS', () => ok(prod, (c) => {
    base(c, true);
    gateway(c, { mode: 'istio' }).routeTo(web(c, 'api', { meshSidecar: true, metrics: { serviceMonitor: true } }), { host: 'api.example.com' });
  }));

  test.each(['ingress', 'istio', 'nodeport'] as const)('ClientIP affinity holds through the IngressGateway in %s mode', (mode) => ok(prod, (c) => {
    base(c, mode === 'istio');
    const ws = web(c, 'ws', { sessionAffinity: 'ClientIP', meshSidecar: mode === 'istio' });
    gateway(c, { mode }).routeTo(ws, { host: 'ws.example.com', ...(mode === 'nodeport' ? { nodePort: 30080 } : {}) });
  }));

  test('a weighted canary of two pods, and in the mesh the same split for in-mesh callers', () => ok(prod, (c) => {
    base(c, true);
    const stable = web(c, 'api', { meshSidecar: true });
    const canary = web(c, 'api-canary', { meshSidecar: true });
    const shop = web(c, 'shop', { meshSidecar: true, env: { API_URL: stable.url } });
    shop.connectTo(stable);
    const g = gateway(c, { mode: 'istio' });
    g.addRoute({ host: 'api.example.com', backends: [{ service: stable, weight: 90 }, { service: canary, weight: 10 }] });
    g.routeTo(shop, { host: 'shop.example.com' });
  }));

  test('PgBouncer folds the clients\' pools into the server\'s budget; migrations connect directly', () => ok(prod, (c) => {
    base(c);
    const db = postgres(c, { postgres: { pooler: {} } });
    const api = web(c, 'api', { replicas: undefined, autoscaling: { minReplicas: 2, maxReplicas: 40 }, env: db.connectionEnv() });
    api.connectTo(db, { pool: 10 });
    gateway(c).routeTo(api, { host: 'api.example.com' });
    new MigrationJob(c, 'migrate', { image: 'ghcr.io/acme/api:1.0.0', command: ['migrate', 'up'], env: db.connectionEnv({ direct: true }), connectTo: [db.direct] });
  }));

  test('an internal-only port is on the pod, not the Service, so it is not dead', () => ok(dev, (c) => {
    base(c);
    const api = web(c, 'api', { ports: [{ name: 'http', port: 8080 }, { name: 'debug', port: 9229, internalOnly: true }] });
    gateway(c).routeTo(api, { host: 'api.dev.example.com' });
  }));
});

import { Chart, Duration, Testing } from 'cdk8s';
import { ValidationError } from '../constructs/core/errors';
import { GatewayCapabilities, GatewayMode, IngressGateway, IngressGatewayProps } from '../constructs/ingress-gateway';
import { ServicePortSpec, WebService } from '../constructs/web-service';
import { Manifest } from '../synth/render';
import { schemaErrors } from './schema-check';
import { get, namespacedChart, ofKind, one, synth, problemsOf } from './util';

const ALL: GatewayCapabilities = { ingressNginx: true, gatewayApi: true, istio: true, certManager: true };
const NONE: GatewayCapabilities = { ingressNginx: false, gatewayApi: false, istio: false, certManager: false };
const ISSUER = { name: 'letsencrypt-prod', kind: 'ClusterIssuer' as const };
const HSTS = 'max-age=31536000; includeSubDomains';
const NGINX = 'nginx.ingress.kubernetes.io';
const WAVE = { 'argocd.argoproj.io/sync-wave': '6' };
const LABELS = {
  'app.kubernetes.io/name': 'web',
  'app.kubernetes.io/instance': 'shop-prod',
  'app.kubernetes.io/component': 'gateway',
  'app.kubernetes.io/part-of': 'shop-prod',
  'app.kubernetes.io/managed-by': 'berth',
};

/** A WebService with these ports and an immutable image tag. */
function service(chart: Chart, id: string, ports: readonly ServicePortSpec[]): WebService {
  return new WebService(chart, id, { image: `example/${id}:1.0.0`, ports });
}

/** A stack like todo-chatbot: a frontend, a backend with two ports, and a canary of the backend. */
function stack(namespace = 'shop-prod') {
  const chart = namespacedChart(namespace);
  const frontend = service(chart, 'frontend', [{ name: 'http', port: 80, targetPort: 3000 }]);
  const backend = service(chart, 'backend', [
    { name: 'http', port: 80, targetPort: 8000 },
    { name: 'grpc', port: 9090, targetPort: 9091 },
  ]);
  const canary = service(chart, 'backend-v2', [{ name: 'http', port: 80, targetPort: 8000 }]);
  return { chart, frontend, backend, canary };
}

function gateway(chart: Chart, props: Partial<IngressGatewayProps> = {}): IngressGateway {
  return new IngressGateway(chart, 'web', { capabilities: ALL, ...props });
}


function ingressBackend(service: string, port: number) {
  return { service: { name: service, port: { number: port } } };
}

/** Every (service, port) a routing object sends traffic to. */
function backendsIn(out: readonly Manifest[]): [string, number][] {
  const refs: [string, number][] = [];
  for (const m of ofKind(out, 'Ingress')) {
    for (const rule of get(m, 'spec', 'rules')) {
      for (const p of rule.http.paths) refs.push([p.backend.service.name, p.backend.service.port.number]);
    }
  }
  for (const m of ofKind(out, 'HTTPRoute')) {
    for (const rule of get(m, 'spec', 'rules')) for (const b of rule.backendRefs ?? []) refs.push([b.name, b.port]);
  }
  for (const m of ofKind(out, 'VirtualService')) {
    for (const h of get(m, 'spec', 'http')) {
      for (const r of h.route) refs.push([String(r.destination.host).split('.')[0], r.destination.port.number]);
    }
  }
  return refs;
}

describe('IngressGateway: ingress mode', () => {
  test('renders one Ingress for plain routes, with TLS, ssl-redirect and a Certificate per host', () => {
    const { chart, frontend, backend } = stack();
    const gw = gateway(chart, {
      tls: { issuer: ISSUER },
      routes: [
        { host: 'todo.example.com', backend: { service: frontend, port: 'http' } },
        { host: 'todo.example.com', path: '/api', backend: { service: backend, port: 'http' } },
      ],
    });
    const out = synth(chart);
    expect(one(out, 'Ingress', 'web')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: 'shop-prod',
        labels: LABELS,
        annotations: { ...WAVE, [`${NGINX}/ssl-redirect`]: 'true' },
      },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['todo.example.com'], secretName: 'todo-example-com-tls' }],
        rules: [{
          host: 'todo.example.com',
          http: {
            paths: [
              { path: '/api', pathType: 'Prefix', backend: ingressBackend('backend', 80) },
              { path: '/', pathType: 'Prefix', backend: ingressBackend('frontend', 80) },
            ],
          },
        }],
      },
    });
    expect(one(out, 'Certificate', 'todo-example-com')).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'todo-example-com', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: {
        secretName: 'todo-example-com-tls',
        dnsNames: ['todo.example.com'],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
        secretTemplate: { labels: LABELS },
      },
    });
    expect(gw.urls).toEqual(['https://todo.example.com/', 'https://todo.example.com/api']);
    expect(gw.hosts).toEqual(['todo.example.com']);
    expect(gw.ingresses.map((i) => i.name)).toEqual(['web']);
  });

  test('a rewrite gets its own Ingress, and every path of its host becomes a regex that keeps Prefix/Exact semantics', () => {
    const { chart, frontend, backend } = stack();
    gateway(chart, {
      routes: [
        { host: 'todo.example.com', backend: { service: frontend } },
        { host: 'todo.example.com', path: '/healthz', match: 'Exact', backend: { service: frontend } },
        { host: 'todo.example.com', path: '/api', rewrite: '/', backend: { service: backend } },
        { host: 'todo.example.com', path: '/v2', rewrite: '/api/v2', backend: { service: backend } },
        { host: 'other.example.com', path: '/docs', backend: { service: frontend } },
      ],
    });
    const out = synth(chart);
    const main = one(out, 'Ingress', 'web');
    expect(main.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/use-regex`]: 'true' });
    expect(get(main, 'spec', 'rules')).toEqual([
      { host: 'other.example.com', http: { paths: [{ path: '/docs', pathType: 'Prefix', backend: ingressBackend('frontend', 80) }] } },
      {
        host: 'todo.example.com',
        http: {
          paths: [
            { path: '/healthz$', pathType: 'ImplementationSpecific', backend: ingressBackend('frontend', 80) },
            { path: '/(.*)', pathType: 'ImplementationSpecific', backend: ingressBackend('frontend', 80) },
          ],
        },
      },
    ]);
    const api = one(out, 'Ingress', 'web-todo-example-com-api');
    expect(api.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/rewrite-target`]: '/$2', [`${NGINX}/use-regex`]: 'true' });
    expect(get(api, 'spec', 'rules')).toEqual([{
      host: 'todo.example.com',
      http: { paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', backend: ingressBackend('backend', 80) }] },
    }]);
    const v2 = one(out, 'Ingress', 'web-todo-example-com-v2');
    expect(v2.metadata.annotations?.[`${NGINX}/rewrite-target`]).toBe('/api/v2$1$2');
  });

  test('timeout and retries become proxy-read/send-timeout and proxy-next-upstream-tries on the route\'s own Ingress', () => {
    const { chart, backend } = stack();
    gateway(chart, {
      routes: [{ host: 'todo.example.com', path: '/api/stream', match: 'Exact', timeout: Duration.minutes(5), retries: 0, backend: { service: backend } }],
    });
    const out = synth(chart);
    expect(ofKind(out, 'Ingress').map((m) => m.metadata.name)).toEqual(['web-todo-example-com-api-stream-exact']);
    expect(one(out, 'Ingress').metadata.annotations).toEqual({
      ...WAVE,
      [`${NGINX}/proxy-read-timeout`]: '300',
      [`${NGINX}/proxy-send-timeout`]: '300',
      [`${NGINX}/proxy-next-upstream-tries`]: '1',
    });
    expect(get(one(out, 'Ingress'), 'spec', 'rules', 0, 'http', 'paths')).toEqual([
      { path: '/api/stream', pathType: 'Exact', backend: ingressBackend('backend', 80) },
    ]);
  });

  test('a canary is a second Ingress with canary and canary-weight on the same host and path', () => {
    const { chart, backend, canary } = stack();
    const gw = gateway(chart, {
      routes: [{ host: 'todo.example.com', path: '/api', backends: [{ service: backend, weight: 90 }, { service: canary, weight: 10 }] }],
    });
    const out = synth(chart);
    expect(get(one(out, 'Ingress', 'web'), 'spec', 'rules')).toEqual([
      { host: 'todo.example.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: ingressBackend('backend', 80) }] } },
    ]);
    const c = one(out, 'Ingress', 'web-canary');
    expect(c.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/canary`]: 'true', [`${NGINX}/canary-weight`]: '10' });
    expect(c.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'todo.example.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: ingressBackend('backend-v2', 80) }] } }],
    });
    expect(gw.canaryIngress?.name).toBe('web-canary');
    expect(gw.ingress?.name).toBe('web');
  });
});

describe('IngressGateway: gateway-api mode', () => {
  test('renders a Gateway, one HTTPRoute per host and an HTTPS redirect', () => {
    const { chart, frontend, backend, canary } = stack();
    const gw = gateway(chart, {
      mode: 'gateway-api',
      gatewayClassName: 'cilium',
      tls: { issuer: ISSUER },
      routes: [
        { host: 'todo.example.com', backend: { service: frontend } },
        { host: 'todo.example.com', path: '/api', rewrite: '/', timeout: Duration.seconds(30), backends: [{ service: backend, weight: 80 }, { service: canary, weight: 20 }] },
        { host: 'api.example.com', path: '/v1/users', match: 'Exact', rewrite: '/users', backend: { service: backend, port: 'grpc' } },
      ],
    });
    const out = synth(chart);
    expect(one(out, 'Gateway', 'web')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: {
        gatewayClassName: 'cilium',
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
          {
            name: 'https-api-example-com', hostname: 'api.example.com', port: 443, protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'api-example-com-tls' }] },
            allowedRoutes: { namespaces: { from: 'Same' } },
          },
          {
            name: 'https-todo-example-com', hostname: 'todo.example.com', port: 443, protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'todo-example-com-tls' }] },
            allowedRoutes: { namespaces: { from: 'Same' } },
          },
        ],
      },
    });
    const hsts = { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: HSTS }] } };
    expect(one(out, 'HTTPRoute', 'web-todo-example-com').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web', sectionName: 'https-todo-example-com' }],
      hostnames: ['todo.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }, hsts],
          backendRefs: [{ group: '', kind: 'Service', name: 'backend', port: 80, weight: 80 }, { group: '', kind: 'Service', name: 'backend-v2', port: 80, weight: 20 }],
          timeouts: { request: '30s' },
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [hsts],
          backendRefs: [{ group: '', kind: 'Service', name: 'frontend', port: 80, weight: 1 }],
        },
      ],
    });
    expect(get(one(out, 'HTTPRoute', 'web-api-example-com'), 'spec', 'rules')).toEqual([{
      matches: [{ path: { type: 'Exact', value: '/v1/users' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/users' } } }, hsts],
      backendRefs: [{ group: '', kind: 'Service', name: 'backend', port: 9090, weight: 1 }],
    }]);
    expect(one(out, 'HTTPRoute', 'web-https-redirect').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web', sectionName: 'http' }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(gw.httpRoutes.map((r) => r.name)).toEqual(['web-todo-example-com', 'web-api-example-com']);
    expect(gw.gateway?.name).toBe('web');
    expect(gw.redirectRoute?.name).toBe('web-https-redirect');
  });

  test('without TLS, routes attach to the http listener and there is no redirect', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'gateway-api', routes: [{ host: 'todo.example.com', backend: { service: frontend } }] });
    const out = synth(chart);
    expect(get(one(out, 'HTTPRoute'), 'spec', 'parentRefs')).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web', sectionName: 'http' }]);
    expect(get(one(out, 'Gateway'), 'spec', 'listeners')).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
  });
});

describe('IngressGateway: istio mode', () => {
  test('renders Gateway, VirtualService, DestinationRules, PeerAuthentication and AuthorizationPolicy', () => {
    const { chart, frontend, backend, canary } = stack();
    const gw = gateway(chart, {
      mode: 'istio',
      tls: { issuer: ISSUER },
      istio: { callers: ['cluster.local/ns/monitoring/sa/prometheus'] },
      routes: [
        { host: 'nexus.example.com', backend: { service: frontend } },
        {
          host: 'nexus.example.com', path: '/api', rewrite: '/', timeout: Duration.seconds(15), retries: 3,
          backends: [{ service: backend, weight: 90 }, { service: canary, weight: 10 }],
        },
      ],
    });
    const out = synth(chart);
    expect(one(out, 'Gateway', 'web')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['./nexus.example.com'], tls: { httpsRedirect: true } },
          {
            port: { number: 443, name: 'https-nexus-example-com', protocol: 'HTTPS' },
            hosts: ['./nexus.example.com'],
            tls: { mode: 'SIMPLE', credentialName: 'nexus-example-com-tls' },
          },
        ],
      },
    });
    const headers = { response: { set: { 'Strict-Transport-Security': HSTS } } };
    const split = [
      { destination: { host: 'backend.shop-prod.svc.cluster.local', port: { number: 80 } }, weight: 90 },
      { destination: { host: 'backend-v2.shop-prod.svc.cluster.local', port: { number: 80 } }, weight: 10 },
    ];
    const retries = { attempts: 3, retryOn: 'connect-failure,refused-stream,unavailable,cancelled' };
    expect(one(out, 'VirtualService', 'web-nexus-example-com').spec).toEqual({
      hosts: ['nexus.example.com'],
      gateways: ['web'],
      http: [
        { match: [{ uri: { exact: '/api' } }], rewrite: { uri: '/' }, route: split, timeout: '15s', retries, headers },
        { match: [{ uri: { prefix: '/api/' } }], rewrite: { uri: '/' }, route: split, timeout: '15s', retries, headers },
        { match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'frontend.shop-prod.svc.cluster.local', port: { number: 80 } } }], headers },
      ],
    });
    expect(one(out, 'DestinationRule', 'backend-v2').spec).toEqual({
      host: 'backend-v2.shop-prod.svc.cluster.local',
      trafficPolicy: {
        tls: { mode: 'ISTIO_MUTUAL' },
        connectionPool: { tcp: { maxConnections: 1024 }, http: { http1MaxPendingRequests: 1024, http2MaxRequests: 1024 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      },
    });
    expect(gw.destinationRules.map((d) => d.name)).toEqual(['frontend', 'backend', 'backend-v2']);
    expect(one(out, 'PeerAuthentication', 'web').spec).toEqual({ mtls: { mode: 'STRICT' } });
    // Only the callers berth can't declare are admitted namespace-wide; the gateway is admitted per routed service.
    expect(one(out, 'AuthorizationPolicy', 'web-callers').spec).toEqual({
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus'] } }] }],
    });
    const gatewayPrincipal = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
    expect([frontend, backend, canary].map((svc) => svc.connections.callerIdentities())).toEqual([
      [{ ports: [3000], principals: [gatewayPrincipal], namespaces: [] }],
      [{ ports: [8000], principals: [gatewayPrincipal], namespaces: [] }],
      [{ ports: [8000], principals: [gatewayPrincipal], namespaces: [] }],
    ]);
    // An Istio gateway reads its certificates from its own namespace.
    expect(one(out, 'Certificate').metadata.namespace).toBe('istio-system');
    expect(gw.istioGateway?.name).toBe('web');
    // In-mesh callers of the stable service see the same split, on all of its paths.
    expect(one(out, 'VirtualService', 'web-mesh-backend').spec).toEqual({
      hosts: ['backend.shop-prod.svc.cluster.local'],
      gateways: ['mesh'],
      http: [{ route: split }],
    });
    expect(gw.virtualServices.map((v) => v.name)).toEqual(['web-nexus-example-com', 'web-mesh-backend']);
  });

  test('Exact and plain Prefix routes: Exact first, Prefix matches the path and everything below it', () => {
    const { chart, frontend, backend } = stack();
    gateway(chart, {
      mode: 'istio',
      routes: [
        { host: 'nexus.example.com', path: '/mcp', retries: 0, backend: { service: backend } },
        { host: 'nexus.example.com', path: '/mcp/health', match: 'Exact', rewrite: '/healthz', backend: { service: frontend } },
      ],
    });
    const vs = one(synth(chart), 'VirtualService');
    expect(get(vs, 'spec', 'http')).toEqual([
      { match: [{ uri: { exact: '/mcp/health' } }], rewrite: { uri: '/healthz' }, route: [{ destination: { host: 'frontend.shop-prod.svc.cluster.local', port: { number: 80 } } }] },
      { match: [{ uri: { exact: '/mcp' } }, { uri: { prefix: '/mcp/' } }], retries: { attempts: 0 }, route: [{ destination: { host: 'backend.shop-prod.svc.cluster.local', port: { number: 80 } } }] },
    ]);
    expect(get(one(synth(chart), 'Gateway'), 'spec', 'servers')).toEqual([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['./nexus.example.com'] },
    ]);
  });
});

describe('IngressGateway: nodeport mode', () => {
  test('one NodePort Service per routed service, on the routes\' node ports, open to traffic from anywhere', () => {
    const { chart, frontend, backend, canary } = stack('shop-dev');
    const gw = new IngressGateway(chart, 'web', {
      mode: 'nodeport',
      capabilities: NONE,
      routes: [
        { host: 'shop.localtest.me', backend: { service: frontend }, nodePort: 30080 },
        { host: 'shop.localtest.me', path: '/api', backends: [{ service: backend, weight: 50 }, { service: canary, weight: 50 }], nodePort: 30081 },
        { host: 'grpc.localtest.me', backend: { service: backend, port: 'grpc' }, nodePort: 30090 },
        { host: 'shop.localtest.me', path: '/api2', backend: { service: backend }, nodePort: 30081 },
      ],
    });
    const out = synth(chart);
    expect(one(out, 'Service', 'web-backend')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-backend', namespace: 'shop-dev', labels: { ...LABELS, 'app.kubernetes.io/instance': 'shop-dev', 'app.kubernetes.io/part-of': 'shop-dev' }, annotations: WAVE },
      spec: {
        type: 'NodePort',
        selector: { 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'shop-dev' },
        ports: [
          { name: 'http', port: 80, targetPort: 8000, nodePort: 30081, protocol: 'TCP' },
          { name: 'grpc', port: 9090, targetPort: 9091, nodePort: 30090, protocol: 'TCP' },
        ],
      },
    });
    // The NodePort Service reaches the same pods, on the same container ports, as the WebService's own.
    expect(get(one(out, 'Service', 'backend'), 'spec', 'selector')).toEqual(get(one(out, 'Service', 'web-backend'), 'spec', 'selector'));
    expect(get(one(out, 'Deployment', 'backend'), 'spec', 'template', 'spec', 'containers', 0, 'ports')).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'grpc', containerPort: 9091, protocol: 'TCP' },
    ]);
    expect(gw.nodePortServices.map((s) => s.name)).toEqual(['web-frontend', 'web-backend']);
    expect(get(one(out, 'NetworkPolicy', 'backend'), 'spec', 'ingress')).toEqual([
      { from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8000, protocol: 'TCP' }, { port: 9091, protocol: 'TCP' }] },
    ]);
    // A canary serves its stable backend only: nothing reaches the canary.
    expect(get(one(out, 'NetworkPolicy', 'backend-v2'), 'spec', 'ingress')).toBeUndefined();
    expect(ofKind(out, 'Ingress')).toEqual([]);
    expect(gw.urls).toEqual([
      'http://shop.localtest.me:30080/', 'http://shop.localtest.me:30081/api', 'http://grpc.localtest.me:30090/', 'http://shop.localtest.me:30081/api2',
    ]);
  });
});

describe('IngressGateway: network policy', () => {
  test.each([
    ['ingress', 'ingress-nginx', undefined],
    ['gateway-api', 'envoy-gateway-system', undefined],
    ['istio', 'istio-system', { istio: 'ingressgateway' }],
  ] as [GatewayMode, string, Record<string, string> | undefined][])('%s: a routed service admits the proxies of %s on the routed target port only', (mode, ns, podLabels) => {
    const { chart, frontend, backend } = stack();
    gateway(chart, { mode, routes: [{ host: 'todo.example.com', backend: { service: backend, port: 'grpc' } }] });
    const out = synth(chart);
    // Istio's gateway pods are known by their labels: the rest of istio-system (istiod, …) is not admitted.
    expect(get(one(out, 'NetworkPolicy', 'backend'), 'spec', 'ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}) }],
      ports: [{ port: 9091, protocol: 'TCP' }],
    }]);
    expect(get(one(out, 'NetworkPolicy', frontend.serviceName), 'spec', 'ingress')).toBeUndefined();
  });

  test('TLS with an issuer lets the controller reach cert-manager\'s HTTP-01 solver pods', () => {
    const { chart, frontend } = stack();
    const gw = gateway(chart, { tls: { issuer: ISSUER }, routes: [{ host: 'todo.example.com', backend: { service: frontend } }] });
    expect(one(synth(chart), 'NetworkPolicy', 'web-acme-http01').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8089, protocol: 'TCP' }] }],
    });
    expect(gw.acmeSolverPolicy?.name).toBe('web-acme-http01');
  });
});

describe('IngressGateway: TLS', () => {
  test('secretName alone serves every host from an existing Secret, without cert-manager', () => {
    const { chart, frontend, backend } = stack();
    const gw = new IngressGateway(chart, 'web', {
      capabilities: { ...ALL, certManager: false },
      tls: { secretName: 'wildcard-tls' },
      routes: [
        { host: 'a.example.com', backend: { service: frontend } },
        { host: 'b.example.com', backend: { service: backend } },
      ],
    });
    const out = synth(chart);
    expect(get(one(out, 'Ingress'), 'spec', 'tls')).toEqual([{ hosts: ['a.example.com', 'b.example.com'], secretName: 'wildcard-tls' }]);
    expect(ofKind(out, 'Certificate')).toEqual([]);
    expect(gw.certificates).toEqual([]);
    expect(gw.acmeSolverPolicy).toBeUndefined();
  });

  test('issuer and secretName: one Certificate for every host, including hosts added later', () => {
    const { chart, frontend, backend } = stack();
    const gw = gateway(chart, { mode: 'gateway-api', tls: { issuer: ISSUER, secretName: 'shop-tls' }, routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    gw.routeTo(backend, { host: 'b.example.com' });
    const out = synth(chart);
    expect(one(out, 'Certificate', 'shop-tls').spec).toEqual({
      secretName: 'shop-tls',
      dnsNames: ['a.example.com', 'b.example.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
      secretTemplate: { labels: LABELS },
    });
    expect(get(one(out, 'Gateway'), 'spec', 'listeners').map((l: { tls?: { certificateRefs: { name: string }[] } }) => l.tls?.certificateRefs[0].name))
      .toEqual([undefined, 'shop-tls', 'shop-tls']);
  });

  test('an Issuer (namespaced) and a wildcard host', () => {
    const { chart, frontend } = stack();
    gateway(chart, { tls: { issuer: { name: 'internal-ca', kind: 'Issuer' } }, routes: [{ host: '*.apps.example.com', backend: { service: frontend } }] });
    const cert = one(synth(chart), 'Certificate', 'wildcard-apps-example-com');
    expect(cert.spec).toEqual({
      secretName: 'wildcard-apps-example-com-tls',
      dnsNames: ['*.apps.example.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: 'internal-ca' },
      secretTemplate: { labels: LABELS },
    });
  });

  test('hsts: false drops the header (gateway-api and istio)', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'gateway-api', tls: { secretName: 'x-tls', hsts: false }, routes: [{ host: 'todo.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'HTTPRoute', 'web-todo-example-com'), 'spec', 'rules', 0, 'filters')).toBeUndefined();
  });
});

describe('IngressGateway: routes added later', () => {
  test('addRoute and routeTo create the objects the new routes need', () => {
    const { chart, frontend, backend } = stack();
    const gw = gateway(chart, { mode: 'istio', tls: { issuer: ISSUER } });
    expect(synth(chart).filter((m) => m.metadata.labels?.['app.kubernetes.io/name'] === 'web').map((m) => m.kind))
      .toEqual(['PeerAuthentication']);
    gw.routeTo(frontend, { host: 'a.example.com' });
    gw.addRoute({ host: 'b.example.com', path: '/api', backend: { service: backend, port: 'grpc' } });
    const out = synth(chart);
    expect(ofKind(out, 'VirtualService').map((m) => m.metadata.name)).toEqual(['web-a-example-com', 'web-b-example-com']);
    expect(ofKind(out, 'Certificate').map((m) => m.metadata.name)).toEqual(['a-example-com', 'b-example-com']);
    expect(get(one(out, 'Gateway'), 'spec', 'servers').length).toBe(3);
    expect(gw.routes.length).toBe(2);
    expect(gw.hosts).toEqual(['a.example.com', 'b.example.com']);
    expect(gw.urls).toEqual(['https://a.example.com/', 'https://b.example.com/api']);
  });

  test('a bad route added later throws at once, naming its index', () => {
    const { chart, frontend } = stack();
    const gw = gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(() => gw.routeTo(frontend, { host: 'a.example.com', port: 'admin' })).toThrow(new ValidationError([
      "[shop-prod/web] 'routes[1].backend.port' must name a port of service \"frontend\" (http), received \"admin\"",
    ]));
    expect(() => gw.addRoute({ host: 'a.example.com', backend: { service: frontend } })).toThrow(new ValidationError([
      "[shop-prod/web] 'routes[1]' duplicates the host, match and path of routes[0], received \"Prefix a.example.com/\"",
    ]));
    expect(gw.routes.length).toBe(1);
  });
});

describe('IngressGateway: output', () => {
  function everyMode(): Manifest[] {
    const out: Manifest[] = [];
    for (const mode of ['ingress', 'gateway-api', 'istio', 'nodeport'] as GatewayMode[]) {
      const { chart, frontend, backend, canary } = stack();
      const tls = mode === 'nodeport' ? undefined : { issuer: ISSUER };
      const gw = gateway(chart, { mode, tls });
      gw.routeTo(frontend, { host: 'todo.example.com', nodePort: 30080 });
      gw.addRoute({
        host: 'todo.example.com', path: '/api', rewrite: '/', timeout: Duration.seconds(20), nodePort: 30081,
        backends: [{ service: backend, weight: 95 }, { service: canary, weight: 5 }],
      });
      gw.routeTo(backend, { host: 'grpc.example.com', port: 'grpc', match: 'Exact', path: '/x', retries: mode === 'gateway-api' ? undefined : 1, nodePort: 30090 });
      out.push(...synth(chart));
    }
    return out;
  }

  test.each(['ingress', 'gateway-api', 'istio'] as GatewayMode[])('%s: every route\'s backend is a Service in the output with that port', (mode) => {
    const { chart, frontend, backend, canary } = stack();
    gateway(chart, {
      mode,
      routes: [
        { host: 'todo.example.com', backend: { service: frontend } },
        { host: 'todo.example.com', path: '/api', backends: [{ service: backend, weight: 70 }, { service: canary, weight: 30 }] },
        { host: 'grpc.example.com', backend: { service: backend, port: 'grpc' } },
      ],
    });
    const out = synth(chart);
    const services = ofKind(out, 'Service').map((s) => [s.metadata.name, get(s, 'spec', 'ports').map((p: { port: number }) => p.port)]);
    const refs = backendsIn(out);
    expect(refs).toEqual(expect.arrayContaining([['frontend', 80], ['backend', 80], ['backend-v2', 80], ['backend', 9090]]));
    for (const [name, port] of refs) expect(services).toContainEqual([name, expect.arrayContaining([port])]);
  });

  test('every object of every mode matches the Kubernetes 1.28 and CRD schemas, with no unknown field', () => {
    const out = everyMode();
    expect(out.length).toBeGreaterThan(40);
    expect(schemaErrors(out)).toEqual([]);
  });

  test('routing objects are in the gateway sync wave; namespace policies and DestinationRules keep their kind\'s wave', () => {
    const out = everyMode().filter((m) => m.metadata.labels?.['app.kubernetes.io/component'] === 'gateway');
    const waved = uniq(out.filter((m) => m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] === '6').map((m) => m.kind));
    const rest = uniq(out.filter((m) => m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] === undefined).map((m) => m.kind));
    expect(waved).toEqual(['Certificate', 'Gateway', 'HTTPRoute', 'Ingress', 'Service', 'VirtualService']);
    expect(rest).toEqual(['DestinationRule', 'NetworkPolicy', 'PeerAuthentication']);
    for (const m of out) expect(m.metadata.labels).toEqual(expect.objectContaining(LABELS));
  });
});

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

describe('IngressGateway: defaults', () => {
  test('name: the construct id', () => {
    const { chart, frontend } = stack();
    const gw = new IngressGateway(chart, 'edge', { capabilities: ALL, routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(gw.name).toBe('edge');
    expect(one(synth(chart), 'Ingress').metadata.name).toBe('edge');
  });

  test('mode: ingress', () => {
    const { chart, frontend } = stack();
    expect(gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: frontend } }] }).mode).toBe('ingress');
    expect(one(synth(chart), 'Ingress').apiVersion).toBe('networking.k8s.io/v1');
  });

  test('routes: none, so no routing object yet', () => {
    const { chart } = stack();
    const gw = gateway(chart);
    expect(gw.routes).toEqual([]);
    expect(synth(chart).filter((m) => m.metadata.labels?.['app.kubernetes.io/name'] === 'web')).toEqual([]);
  });

  test('tls: none, so plain HTTP', () => {
    const { chart, frontend } = stack();
    const gw = gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    const out = synth(chart);
    expect(get(one(out, 'Ingress'), 'spec', 'tls')).toBeUndefined();
    expect(one(out, 'Ingress').metadata.annotations).toEqual(WAVE);
    expect(ofKind(out, 'Certificate')).toEqual([]);
    expect(gw.urls).toEqual(['http://a.example.com/']);
    expect(gw.secretNameFor('a.example.com')).toBeUndefined();
  });

  test('ingressClassName: nginx', () => {
    const { chart, frontend } = stack();
    gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'Ingress'), 'spec', 'ingressClassName')).toBe('nginx');
  });

  test('gatewayClassName: eg (Envoy Gateway)', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'gateway-api', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'Gateway'), 'spec', 'gatewayClassName')).toBe('eg');
  });

  test.each([
    ['ingress', 'ingress-nginx'],
    ['gateway-api', 'envoy-gateway-system'],
    ['istio', 'istio-system'],
  ] as [GatewayMode, string][])('controllerNamespace in %s mode: %s', (mode, ns) => {
    const { chart } = stack();
    expect(gateway(chart, { mode }).controllerNamespace).toBe(ns);
  });

  test('controllerNamespace set: the peer the routed services admit', () => {
    const { chart, frontend } = stack();
    gateway(chart, { controllerNamespace: 'edge', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'NetworkPolicy', 'frontend'), 'spec', 'ingress', 0, 'from')).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } },
    ]);
  });

  test('istio.gatewaySelector: istio=ingressgateway', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'Gateway'), 'spec', 'selector')).toEqual({ istio: 'ingressgateway' });
  });

  test('istio.gatewayPrincipal: the default ingress gateway account in the controller namespace, admitted by each routed service', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', controllerNamespace: 'mesh-gw', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(frontend.connections.callerIdentities()).toEqual([
      { ports: [3000], principals: ['cluster.local/ns/mesh-gw/sa/istio-ingressgateway-service-account'], namespaces: [] },
    ]);
    const other = stack();
    gateway(other.chart, { mode: 'istio', istio: { gatewayPrincipal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway' }, routes: [{ host: 'a.example.com', backend: { service: other.frontend } }] });
    expect(other.frontend.connections.callerIdentities()[0].principals).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway']);
  });

  test('istio.callers: none, so no namespace-wide AuthorizationPolicy', () => {
    const { chart } = stack();
    gateway(chart, { mode: 'istio' });
    expect(ofKind(synth(chart), 'AuthorizationPolicy')).toEqual([]);
  });

  test('istio.allowSameNamespace: false; true admits the whole namespace to every workload', () => {
    const off = stack();
    gateway(off.chart, { mode: 'istio' });
    expect(ofKind(synth(off.chart), 'AuthorizationPolicy')).toEqual([]);
    const on = stack();
    gateway(on.chart, { mode: 'istio', istio: { allowSameNamespace: true } });
    expect(one(synth(on.chart), 'AuthorizationPolicy', 'web-callers').spec).toEqual({
      action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['shop-prod'] } }] }],
    });
  });

  test('istio.maxConnections: 1024 for connections, pending and concurrent requests', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'DestinationRule'), 'spec', 'trafficPolicy', 'connectionPool')).toEqual({
      tcp: { maxConnections: 1024 }, http: { http1MaxPendingRequests: 1024, http2MaxRequests: 1024 },
    });
  });

  test('istio.consecutive5xxErrors: 5', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'DestinationRule'), 'spec', 'trafficPolicy', 'outlierDetection', 'consecutive5xxErrors')).toBe(5);
  });

  test('istio circuit breaking, set', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', istio: { maxConnections: 200, consecutive5xxErrors: 3 }, routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    const policy = get(one(synth(chart), 'DestinationRule'), 'spec', 'trafficPolicy');
    expect([policy.connectionPool.tcp.maxConnections, policy.connectionPool.http.http2MaxRequests, policy.outlierDetection.consecutive5xxErrors]).toEqual([200, 200, 3]);
  });

  test('tls.issuer: none, so no Certificate (secretName is served as is)', () => {
    const { chart, frontend } = stack();
    const gw = gateway(chart, { mode: 'istio', tls: { secretName: 'edge-tls' }, routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(ofKind(synth(chart), 'Certificate')).toEqual([]);
    expect(gw.secretNameFor('a.example.com')).toBe('edge-tls');
  });

  test('tls.secretName: one Secret per host, <host with dots as dashes>-tls', () => {
    const { chart, frontend } = stack();
    const gw = gateway(chart, { tls: { issuer: ISSUER }, routes: [{ host: 'auth.giia.example.com', backend: { service: frontend } }] });
    expect(gw.secretNameFor('auth.giia.example.com')).toBe('auth-giia-example-com-tls');
    expect(get(one(synth(chart), 'Certificate'), 'spec', 'secretName')).toBe('auth-giia-example-com-tls');
  });

  test('tls.hsts: on (istio sets the header; ingress-nginx sends the same one from its ConfigMap)', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', tls: { secretName: 'x-tls' }, routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'VirtualService'), 'spec', 'http', 0, 'headers')).toEqual({ response: { set: { 'Strict-Transport-Security': HSTS } } });
  });

  test('route path and match: Prefix /', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'gateway-api', routes: [{ host: 'a.example.com', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'HTTPRoute'), 'spec', 'rules', 0, 'matches')).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
  });

  test('route match: Prefix, for any path', () => {
    const { chart, frontend } = stack();
    gateway(chart, { routes: [{ host: 'a.example.com', path: '/app', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'Ingress'), 'spec', 'rules', 0, 'http', 'paths', 0, 'pathType')).toBe('Prefix');
  });

  test('backend port: the service\'s first port (addRoute and routeTo)', () => {
    const { chart, backend } = stack();
    const gw = gateway(chart, { mode: 'gateway-api', routes: [{ host: 'a.example.com', backend: { service: backend } }] });
    gw.routeTo(backend, { host: 'b.example.com' });
    const out = synth(chart);
    expect(get(one(out, 'HTTPRoute', 'web-a-example-com'), 'spec', 'rules', 0, 'backendRefs')).toEqual([{ group: '', kind: 'Service', name: 'backend', port: 80, weight: 1 }]);
    expect(get(one(out, 'HTTPRoute', 'web-b-example-com'), 'spec', 'rules', 0, 'backendRefs')).toEqual([{ group: '', kind: 'Service', name: 'backend', port: 80, weight: 1 }]);
  });

  test('rewrite: none, so the path reaches the backend unchanged', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'gateway-api', routes: [{ host: 'a.example.com', path: '/x', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'HTTPRoute'), 'spec', 'rules', 0, 'filters')).toBeUndefined();
  });

  test('timeout: none, so the controller default applies', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', routes: [{ host: 'a.example.com', path: '/x', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'VirtualService'), 'spec', 'http', 0, 'timeout')).toBeUndefined();
  });

  test('retries: none, so the controller default applies', () => {
    const { chart, frontend } = stack();
    gateway(chart, { routes: [{ host: 'a.example.com', path: '/x', backend: { service: frontend } }] });
    const out = synth(chart);
    expect(ofKind(out, 'Ingress').map((m) => m.metadata.name)).toEqual(['web']);
    expect(one(out, 'Ingress').metadata.annotations).toEqual(WAVE);
  });

  test('rewrite, timeout, retries unset render nothing in the VirtualService route', () => {
    const { chart, frontend } = stack();
    gateway(chart, { mode: 'istio', routes: [{ host: 'a.example.com', path: '/x', backend: { service: frontend } }] });
    expect(get(one(synth(chart), 'VirtualService'), 'spec', 'http')).toEqual([{
      match: [{ uri: { exact: '/x' } }, { uri: { prefix: '/x/' } }],
      route: [{ destination: { host: 'frontend.shop-prod.svc.cluster.local', port: { number: 80 } } }],
    }]);
  });

  test('nodePort: none, and ignored outside nodeport mode', () => {
    const { chart, frontend } = stack();
    const gw = gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: frontend }, nodePort: 30080 }] });
    expect(ofKind(synth(chart), 'Service').map((s) => s.metadata.name)).toEqual(['frontend', 'backend', 'backend-v2']);
    expect(gw.urls).toEqual(['http://a.example.com/']);
  });
});

describe('IngressGateway: bad input', () => {
  test('a port the service does not have', () => {
    const { chart, backend } = stack();
    expect(() => gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: backend, port: 'metrics' } }] })).toThrow(new ValidationError([
      "[shop-prod/web] 'routes[0].backend.port' must name a port of service \"backend\" (http, grpc), received \"metrics\"",
    ]));
  });

  test('a UDP port cannot be routed', () => {
    const { chart } = stack();
    const dns = service(chart, 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }]);
    expect(problemsOf(() => gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: dns } }] }))).toEqual([
      "[shop-prod/web] 'routes[0].backend.port' must be a TCP port (gateways proxy HTTP over TCP), received \"dns\"",
    ]);
  });

  test('a service from another chart does not exist here', () => {
    const { chart } = stack();
    const other = service(namespacedChart('billing-prod'), 'invoices', [{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(problemsOf(() => gateway(chart, { routes: [{ host: 'a.example.com', backend: { service: other } }] }))).toEqual([
      "[shop-prod/web] 'routes[0].backend.service' must be a service in this gateway's chart (\"shop-prod\"); a service from another chart does not exist here, received \"billing-prod/invoices\"",
    ]);
  });

  test('a duplicate host + match + path (Exact and Prefix on one path are distinct)', () => {
    const { chart, frontend, backend } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'a.example.com', path: '/api', backend: { service: frontend } },
        { host: 'a.example.com', path: '/api', match: 'Exact', backend: { service: frontend } },
        { host: 'b.example.com', path: '/api', backend: { service: frontend } },
        { host: 'a.example.com', path: '/api', backend: { service: backend } },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[3]' duplicates the host, match and path of routes[0], received \"Prefix a.example.com/api\"",
    ]);
  });

  test('invalid hostnames', () => {
    const { chart, frontend } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'Shop.Example.com', backend: { service: frontend } },
        { host: 'localhost', backend: { service: frontend } },
        { host: 'https://a.example.com', backend: { service: frontend } },
      ],
    }))).toEqual([0, 1, 2].map((i) => {
      const host = ['Shop.Example.com', 'localhost', 'https://a.example.com'][i];
      return `[shop-prod/web] 'routes[${i}].host' must be a DNS name such as "shop.example.com" (lowercase, optionally starting with "*."), received "${host}"`;
    }));
  });

  test('TLS without an issuer or a secret', () => {
    const { chart } = stack();
    expect(() => gateway(chart, { tls: { hsts: true } })).toThrow(new ValidationError([
      "[shop-prod/web] 'tls' must set issuer (cert-manager issues the certificates) or secretName (an existing TLS Secret), received {\"hsts\":true}",
    ]));
  });

  test('canary weights that do not sum to 100, or are out of range', () => {
    const { chart, backend, canary } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'a.example.com', backends: [{ service: backend, weight: 90 }, { service: canary, weight: 20 }] },
        { host: 'b.example.com', backends: [{ service: backend, weight: 110 }, { service: canary, weight: -10 }] },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[0].backends' weights must sum to 100, received [90,20]",
      "[shop-prod/web] 'routes[1].backends[0].weight' must be an integer from 0 to 100, received 110",
      "[shop-prod/web] 'routes[1].backends[1].weight' must be an integer from 0 to 100, received -10",
    ]);
  });

  test('a canary with other than two backends, or the same service twice', () => {
    const { chart, backend, canary, frontend } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'a.example.com', backends: [{ service: backend, weight: 50 }, { service: canary, weight: 25 }, { service: frontend, weight: 25 }] },
        { host: 'b.example.com', backends: [{ service: backend, weight: 50 }, { service: backend, weight: 50 }] },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[0].backends' must list exactly two backends (stable first, then canary), received 3",
      "[shop-prod/web] 'routes[1].backends' must name two different services, received [\"backend\",\"backend\"]",
    ]);
  });

  test.each([
    ['ingress', "[shop-prod/web] 'mode' needs ingress-nginx in the cluster, but capabilities.ingressNginx is false, received \"ingress\""],
    ['gateway-api', "[shop-prod/web] 'mode' needs the Gateway API CRDs and a controller in the cluster, but capabilities.gatewayApi is false, received \"gateway-api\""],
    ['istio', "[shop-prod/web] 'mode' needs Istio in the cluster, but capabilities.istio is false, received \"istio\""],
  ] as [GatewayMode, string][])('mode %s without its prerequisite', (mode, message) => {
    const { chart } = stack();
    expect(() => new IngressGateway(chart, 'web', { mode, capabilities: NONE })).toThrow(new ValidationError([message]));
  });

  test('TLS with an issuer and no cert-manager', () => {
    const { chart } = stack();
    expect(() => new IngressGateway(chart, 'web', { capabilities: { ...ALL, certManager: false }, tls: { issuer: ISSUER } })).toThrow(new ValidationError([
      "[shop-prod/web] 'tls.issuer' needs cert-manager in the cluster, but capabilities.certManager is false, received {\"name\":\"letsencrypt-prod\",\"kind\":\"ClusterIssuer\"}",
    ]));
  });

  test('bad props are all reported at once', () => {
    const { chart } = stack();
    expect(problemsOf(() => new IngressGateway(chart, 'web', {
      name: 'Web_GW',
      mode: 'nginx' as GatewayMode,
      capabilities: ALL,
      ingressClassName: 'Nginx!',
      gatewayClassName: 'eg_',
      controllerNamespace: 'Ingress',
      tls: { issuer: { name: 'LE', kind: 'Cluster' as 'Issuer' }, secretName: 'a_b' },
    }))).toEqual([
      "[shop-prod/web] 'name' must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters), received \"Web_GW\"",
      "[shop-prod/web] 'mode' must be one of ingress, gateway-api, istio, nodeport, received \"nginx\"",
      "[shop-prod/web] 'ingressClassName' must be a DNS-1123 subdomain, received \"Nginx!\"",
      "[shop-prod/web] 'gatewayClassName' must be a DNS-1123 subdomain, received \"eg_\"",
      "[shop-prod/web] 'controllerNamespace' must be a DNS-1123 label, received \"Ingress\"",
      "[shop-prod/web] 'tls.issuer.name' must be a DNS-1123 subdomain, received \"LE\"",
      "[shop-prod/web] 'tls.issuer.kind' must be ClusterIssuer or Issuer, received \"Cluster\"",
      "[shop-prod/web] 'tls.secretName' must be a DNS-1123 subdomain, received \"a_b\"",
    ]);
  });

  test('TLS in nodeport mode, and HSTS off in ingress mode', () => {
    const a = stack();
    expect(problemsOf(() => new IngressGateway(a.chart, 'web', { mode: 'nodeport', capabilities: NONE, tls: { secretName: 'x' } }))).toEqual([
      "[shop-prod/web] 'tls' is not supported in nodeport mode (node ports serve plain TCP; use ingress, gateway-api or istio mode for HTTPS), received {\"secretName\":\"x\"}",
    ]);
    const b = stack();
    expect(problemsOf(() => gateway(b.chart, { tls: { secretName: 'x', hsts: false } }))).toEqual([
      "[shop-prod/web] 'tls.hsts' cannot be turned off in ingress mode: ingress-nginx sets HSTS controller-wide (ConfigMap 'hsts'), received false",
    ]);
  });

  test('bad istio settings', () => {
    const { chart } = stack();
    expect(problemsOf(() => gateway(chart, {
      mode: 'istio',
      istio: { gatewaySelector: {}, gatewayPrincipal: 'istio-ingressgateway', callers: ['cluster.local/ns/a/sa/b', 'spiffe://x'], maxConnections: 0, consecutive5xxErrors: 1.5 },
    }))).toEqual([
      "[shop-prod/web] 'istio.gatewaySelector' must name at least one label of the ingress gateway pods, received {}",
      "[shop-prod/web] 'istio.gatewayPrincipal' must be an Istio principal '<trust domain>/ns/<namespace>/sa/<service account>', received \"istio-ingressgateway\"",
      "[shop-prod/web] 'istio.callers[1]' must be an Istio principal '<trust domain>/ns/<namespace>/sa/<service account>', received \"spiffe://x\"",
      "[shop-prod/web] 'istio.maxConnections' must be an integer >= 1, received 0",
      "[shop-prod/web] 'istio.consecutive5xxErrors' must be an integer >= 1, received 1.5",
    ]);
    const noNamespace = Testing.chart();
    expect(problemsOf(() => new IngressGateway(noNamespace, 'web', { mode: 'istio', capabilities: ALL, istio: { allowSameNamespace: true } }))).toEqual([
      "[test/web] 'istio.allowSameNamespace' needs the chart to have a namespace, received true",
    ]);
  });

  test('bad paths, rewrites, matches, timeouts and retries', () => {
    const { chart, frontend } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'a.example.com', path: 'api', backend: { service: frontend } },
        { host: 'a.example.com', path: '/api/', rewrite: '/v1/', backend: { service: frontend } },
        { host: 'a.example.com', path: '/a.b', match: 'Regex' as 'Exact', backend: { service: frontend } },
        { host: 'a.example.com', path: '/t', timeout: Duration.millis(1500), retries: 11, backend: { service: frontend } },
        { host: 'a.example.com', path: '/u', timeout: Duration.millis(0), retries: 1.5, backend: { service: frontend } },
        { host: 'a.example.com', path: '/v', timeout: Duration.days(2), backend: { service: frontend } },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[0].path' must be \"/\" or \"/\"-separated segments of letters, digits, \"-\" and \"_\", without a trailing \"/\", received \"api\"",
      "[shop-prod/web] 'routes[1].path' must be \"/\" or \"/\"-separated segments of letters, digits, \"-\" and \"_\", without a trailing \"/\", received \"/api/\"",
      "[shop-prod/web] 'routes[1].rewrite' must be \"/\" or \"/\"-separated segments of letters, digits, \"-\" and \"_\", without a trailing \"/\", received \"/v1/\"",
      "[shop-prod/web] 'routes[2].path' must be \"/\" or \"/\"-separated segments of letters, digits, \"-\" and \"_\", without a trailing \"/\", received \"/a.b\"",
      "[shop-prod/web] 'routes[2].match' must be Prefix or Exact, received \"Regex\"",
      "[shop-prod/web] 'routes[3].timeout' must be a whole number of seconds from 1 to 86400, received \"1500ms\"",
      "[shop-prod/web] 'routes[3].retries' must be an integer from 0 to 10, received 11",
      "[shop-prod/web] 'routes[4].timeout' must be a whole number of seconds from 1 to 86400, received \"0ms\"",
      "[shop-prod/web] 'routes[4].retries' must be an integer from 0 to 10, received 1.5",
      "[shop-prod/web] 'routes[5].timeout' must be a whole number of seconds from 1 to 86400, received \"172800000ms\"",
    ]);
  });

  test('neither or both of backend and backends', () => {
    const { chart, frontend } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'a.example.com' },
        { host: 'b.example.com', backend: { service: frontend }, backends: [] },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[0]' must set exactly one of backend and backends, received \"neither\"",
      "[shop-prod/web] 'routes[1]' must set exactly one of backend and backends, received \"both\"",
    ]);
  });

  test('features a mode cannot render: retries in gateway-api mode, more than 16 routes per host', () => {
    const { chart, frontend } = stack();
    expect(problemsOf(() => gateway(chart, {
      mode: 'gateway-api',
      routes: [
        { host: 'a.example.com', retries: 2, backend: { service: frontend } },
        ...Array.from({ length: 17 }, (_, i) => ({ host: 'b.example.com', path: `/p${i}`, backend: { service: frontend } })),
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[0].retries' is not supported in gateway-api mode (HTTPRoute retries are not in the Gateway API standard channel), received 2",
      "[shop-prod/web] 'routes[17]' would be route 17 of host \"b.example.com\": an HTTPRoute holds at most 16 rules, received \"b.example.com\"",
    ]);
  });

  test('ingress mode: canary routes with different weights, and own-Ingress names that clash', () => {
    const { chart, frontend, backend, canary } = stack();
    expect(problemsOf(() => gateway(chart, {
      routes: [
        { host: 'a.example.com', path: '/api', backends: [{ service: backend, weight: 90 }, { service: canary, weight: 10 }] },
        { host: 'a.example.com', path: '/v2', backends: [{ service: backend, weight: 80 }, { service: canary, weight: 20 }] },
        { host: 'a.example.com', path: '/my_app', timeout: Duration.seconds(5), backend: { service: frontend } },
        { host: 'a.example.com', path: '/My-App', timeout: Duration.seconds(9), backend: { service: frontend } },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[1].backends' canary weight must equal routes[0]'s (10): ingress-nginx takes one canary-weight per canary Ingress and every canary route goes to one, received 20",
      "[shop-prod/web] 'routes[3].path' needs its own Ingress \"web-a-example-com-my-app\" for its nginx annotations, and routes[2] already has that name: use paths that differ by more than case and \"-\"/\"_\", received \"/My-App\"",
    ]);
  });

  test('nodeport mode: a missing, out-of-range or conflicting node port', () => {
    const { chart, frontend, backend } = stack();
    expect(problemsOf(() => new IngressGateway(chart, 'web', {
      mode: 'nodeport',
      capabilities: NONE,
      routes: [
        { host: 'a.example.com', backend: { service: frontend } },
        { host: 'a.example.com', path: '/x', backend: { service: frontend }, nodePort: 8080 },
        { host: 'a.example.com', path: '/y', backend: { service: frontend }, nodePort: 30080 },
        { host: 'a.example.com', path: '/z', backend: { service: backend }, nodePort: 30080 },
        { host: 'a.example.com', path: '/w', backend: { service: frontend }, nodePort: 30081 },
      ],
    }))).toEqual([
      "[shop-prod/web] 'routes[0].nodePort' is required in nodeport mode (a port from 30000 to 32767), received undefined",
      "[shop-prod/web] 'routes[1].nodePort' must be an integer from 30000 to 32767, received 8080",
      "[shop-prod/web] 'routes[3].nodePort' is already used by routes[2] for frontend:http, received 30080",
      "[shop-prod/web] 'routes[4].nodePort' must be 30080, as routes[2] serves frontend:http on it, received 30081",
    ]);
  });
});

describe('IngressGateway: what a 1.28 API server accepts', () => {
  test.each(['ingress', 'gateway-api', 'istio', 'nodeport'] as const)('%s mode with TLS and a canary passes the schema and the API-server rules', (mode) => {
    const { chart, frontend, backend, canary } = stack();
    gateway(chart, {
      mode,
      ...(mode === 'nodeport' ? {} : { tls: { issuer: { name: 'letsencrypt', kind: 'ClusterIssuer' } } }),
      routes: mode === 'nodeport'
        ? [{ host: 'shop.example.com', backend: { service: frontend }, nodePort: 30080 }]
        : [
          { host: 'shop.example.com', backend: { service: frontend } },
          { host: 'shop.example.com', path: '/api', backends: [{ service: backend, weight: 90 }, { service: canary, weight: 10 }] },
        ],
    });
    expect(chart).toBeValidKubernetes();
  });
});

describe('IngressGateway: session affinity end to end', () => {
  const pinned = (chart: Chart) => new WebService(chart, 'ws', { image: 'example/ws:1.0.0', ports: [{ name: 'http', port: 80, targetPort: 8001 }], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 });

  test('ingress mode: the route gets its own Ingress that hashes by client address', () => {
    const chart = namespacedChart('shop-prod');
    gateway(chart).routeTo(pinned(chart), { host: 'ws.example.com' });
    expect(get(one(synth(chart), 'Ingress'), 'metadata', 'annotations')).toEqual({ ...WAVE, [`${NGINX}/upstream-hash-by`]: '$remote_addr' });
  });

  test('istio mode: the DestinationRule hashes by source IP, for the gateway and in-mesh callers alike', () => {
    const chart = namespacedChart('shop-prod');
    gateway(chart, { mode: 'istio' }).routeTo(pinned(chart), { host: 'ws.example.com' });
    expect(get(one(synth(chart), 'DestinationRule', 'ws'), 'spec', 'trafficPolicy', 'loadBalancer')).toEqual({ consistentHash: { useSourceIp: true } });
  });

  test('nodeport mode: the NodePort Service carries the affinity and its timeout', () => {
    const chart = namespacedChart('shop-prod');
    gateway(chart, { mode: 'nodeport' }).routeTo(pinned(chart), { host: 'ws.example.com', nodePort: 30080 });
    const spec = get(one(synth(chart), 'Service', 'web-ws'), 'spec');
    expect([spec.sessionAffinity, spec.sessionAffinityConfig]).toEqual(['ClientIP', { clientIP: { timeoutSeconds: 600 } }]);
  });

  test('refused where it can not hold: gateway-api mode, and a weighted split', () => {
    const chart = namespacedChart('shop-prod');
    const ws = pinned(chart);
    const other = service(chart, 'ws-v2', [{ name: 'http', port: 80 }]);
    expect(problemsOf(() => gateway(chart, { mode: 'gateway-api' }).routeTo(ws, { host: 'ws.example.com' }))).toEqual([
      "[shop-prod/web] 'routes[0].backend.service' asks for ClientIP session affinity, which gateway-api mode can't carry: the Gateway API standard channel has no session persistence (use ingress or istio mode, or drop the affinity), received \"ws\"",
    ]);
    expect(problemsOf(() => new IngressGateway(chart, 'web2', { capabilities: ALL, routes: [{ host: 'ws.example.com', backends: [{ service: ws, weight: 90 }, { service: other, weight: 10 }] }] }))).toEqual([
      "[shop-prod/web2] 'routes[0].backends' can't split by weight to ws, which asks for ClientIP session affinity: the split is chosen per request, so a client's requests switch pods (drop the weights or the affinity), received \"ws\"",
    ]);
  });

  test("a service's metrics port is never routed", () => {
    const chart = namespacedChart('shop-prod');
    const api = new WebService(chart, 'api', { image: 'example/api:1.0.0', ports: [{ name: 'http', port: 80 }], metrics: {} });
    expect(problemsOf(() => gateway(chart).routeTo(api, { host: 'api.example.com', port: 'metrics' }))).toEqual([
      "[shop-prod/web] 'routes[0].backend.port' is the metrics port of service \"api\", which is never routed: metrics stay inside the cluster, received \"metrics\"",
    ]);
  });
});

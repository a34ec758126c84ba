// The `istio` mode's renderer and checks (constructs/ingress-gateway/istio.ts), through its
// GatewayModeSpec with no IngressGateway in between. The gateway's own tests: test/ingress-gateway.test.ts.
import { Testing } from 'cdk8s';
import { Problems } from '../constructs/core/errors';
import { ISTIO_MODE } from '../constructs/ingress-gateway/istio';
import { HSTS, ISSUER, kit, LABELS, service, settings, to, WAVE } from './ingress-gateway-kit';
import { get, one, ofKind, synth } from './util';

const RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';
const dest = (name: string, port = 80) => ({ host: `${name}.shop-prod.svc.cluster.local`, port: { number: port } });

describe('istio renderer', () => {
  test('up front: STRICT PeerAuthentication <name>; no callers, no AuthorizationPolicy and, before a route, no Gateway', () => {
    const k = kit('istio');
    const out = synth(k.chart);
    expect(one(out, 'PeerAuthentication', 'web')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'web', namespace: 'shop-prod', labels: LABELS },
      spec: { mtls: { mode: 'STRICT' } },
    });
    expect(ofKind(out, 'AuthorizationPolicy')).toEqual([]);
    expect(ofKind(out, 'Gateway')).toEqual([]);
    expect(k.objects.peerAuthentication?.name).toBe('web');
    expect(k.objects.authorizationPolicy).toBeUndefined();
  });

  test('callers and allowSameNamespace: AuthorizationPolicy <name>-callers admits both to every workload', () => {
    const k = kit('istio', { props: { istio: { callers: ['cluster.local/ns/monitoring/sa/prometheus'], allowSameNamespace: true } } });
    expect(one(synth(k.chart), 'AuthorizationPolicy', 'web-callers').spec).toEqual({
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus'] } }, { source: { namespaces: ['shop-prod'] } }] }],
    });
    expect(k.objects.authorizationPolicy?.name).toBe('web-callers');
  });

  test('Gateway <name>: the selector, an http server for the sorted hosts and, with TLS, an https server per host', () => {
    const k = kit('istio', { tls: { secretName: 'all-tls', hsts: true }, props: { istio: { gatewaySelector: { app: 'edge' } } } });
    const shop = service(k.chart, 'shop');
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: '*.example.com', backends: [to(shop)] });
    const out = synth(k.chart);
    expect(one(out, 'Gateway', 'web')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: {
        selector: { app: 'edge' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['./*.example.com', './shop.example.com'], tls: { httpsRedirect: true } },
          { port: { number: 443, name: 'https-wildcard-example-com', protocol: 'HTTPS' }, hosts: ['./*.example.com'], tls: { mode: 'SIMPLE', credentialName: 'all-tls' } },
          { port: { number: 443, name: 'https-shop-example-com', protocol: 'HTTPS' }, hosts: ['./shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'all-tls' } },
        ],
      },
    });
    expect(ofKind(out, 'Certificate')).toEqual([]);
    expect(k.objects.istioGateway?.name).toBe('web');
  });

  test('Certificates go to the controller namespace, where the Istio gateway reads its Secrets', () => {
    const k = kit('istio', { tls: { issuer: ISSUER, hsts: true }, controllerNamespace: 'mesh-edge' });
    const shop = service(k.chart, 'shop');
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/x', backends: [to(shop)] });
    expect(ofKind(synth(k.chart), 'Certificate').map((c) => [c.metadata.name, c.metadata.namespace, get(c, 'spec', 'secretName')])).toEqual([
      ['shop-example-com', 'mesh-edge', 'shop-example-com-tls'],
    ]);
    expect(k.objects.acmeSolverPolicy).toBeUndefined();
  });

  test('VirtualService <name>-<host>: Exact first; Prefix as exact + <path>/, split in two when it rewrites; timeout, retries, HSTS', () => {
    const k = kit('istio', { tls: { secretName: 'all-tls', hsts: true } });
    const shop = service(k.chart, 'shop');
    const api = service(k.chart, 'api', [{ name: 'http', port: 8080 }]);
    k.add({ host: 'shop.example.com', rewrite: '/v2', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/api', rewrite: '/', timeoutSeconds: 5, retries: 4, backends: [to(api)] });
    k.add({ host: 'shop.example.com', path: '/docs', retries: 0, backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/ok', match: 'Exact', rewrite: '/healthz', backends: [to(api)] });
    const headers = { response: { set: { 'Strict-Transport-Security': HSTS } } };
    expect(one(synth(k.chart), 'VirtualService', 'web-shop-example-com').spec).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['web'],
      http: [
        { match: [{ uri: { exact: '/ok' } }], rewrite: { uri: '/healthz' }, route: [{ destination: dest('api', 8080) }], headers },
        { match: [{ uri: { exact: '/docs' } }, { uri: { prefix: '/docs/' } }], route: [{ destination: dest('shop') }], retries: { attempts: 0 }, headers },
        { match: [{ uri: { exact: '/api' } }], rewrite: { uri: '/' }, route: [{ destination: dest('api', 8080) }], timeout: '5s', retries: { attempts: 4, retryOn: RETRY_ON }, headers },
        { match: [{ uri: { prefix: '/api/' } }], rewrite: { uri: '/' }, route: [{ destination: dest('api', 8080) }], timeout: '5s', retries: { attempts: 4, retryOn: RETRY_ON }, headers },
        { match: [{ uri: { prefix: '/' } }], rewrite: { uri: '/v2/' }, route: [{ destination: dest('shop') }], headers },
      ],
    });
    expect(k.objects.virtualServices.map((v) => v.name)).toEqual(['web-shop-example-com']);
  });

  test('one DestinationRule per routed service: ISTIO_MUTUAL, the connection pool, outlier detection; source-IP hashing for affinity', () => {
    const k = kit('istio', { props: { istio: { maxConnections: 64, consecutive5xxErrors: 3 } } });
    const shop = service(k.chart, 'shop');
    const pinned = service(k.chart, 'pinned', undefined, { sessionAffinity: 'ClientIP' });
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'admin.example.com', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/ws', backends: [to(pinned)] });
    const out = synth(k.chart);
    const policy = {
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { tcp: { maxConnections: 64 }, http: { http1MaxPendingRequests: 64, http2MaxRequests: 64 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    };
    expect(one(out, 'DestinationRule', 'shop').spec).toEqual({ host: 'shop.shop-prod.svc.cluster.local', trafficPolicy: policy });
    expect(get(one(out, 'DestinationRule', 'pinned'), 'spec', 'trafficPolicy')).toEqual({ ...policy, loadBalancer: { consistentHash: { useSourceIp: true } } });
    expect(k.objects.destinationRules.map((d) => d.name)).toEqual(['shop', 'pinned']);
  });

  test('a canary: the weighted route, and a mesh VirtualService that gives in-mesh callers the same split, once per stable service', () => {
    const k = kit('istio');
    const api = service(k.chart, 'api');
    const next = service(k.chart, 'api-v2');
    k.add({ host: 'shop.example.com', path: '/api', backends: [to(api, 'http', 90), to(next, 'http', 10)] });
    k.add({ host: 'admin.example.com', path: '/api', backends: [to(api, 'http', 50), to(next, 'http', 50)] });
    const out = synth(k.chart);
    const split = [{ destination: dest('api'), weight: 90 }, { destination: dest('api-v2'), weight: 10 }];
    expect(get(one(out, 'VirtualService', 'web-shop-example-com'), 'spec', 'http', 0, 'route')).toEqual(split);
    expect(one(out, 'VirtualService', 'web-mesh-api').spec).toEqual({ hosts: ['api.shop-prod.svc.cluster.local'], gateways: ['mesh'], http: [{ route: split }] });
    expect(k.objects.virtualServices.map((v) => v.name)).toEqual(['web-shop-example-com', 'web-mesh-api', 'web-admin-example-com']);
  });

  test('every backend admits the gateway pods and principal on the routed port only', () => {
    const k = kit('istio', { props: { istio: { gatewayPrincipal: 'cluster.local/ns/istio-system/sa/edge' } } });
    const api = service(k.chart, 'api', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 81, targetPort: 8081 }]);
    k.add({ host: 'shop.example.com', backends: [to(api, 'http')] });
    expect(api.connections.callerIdentities()).toEqual([{ ports: [8080], principals: ['cluster.local/ns/istio-system/sa/edge'], namespaces: [] }]);
    expect(get(one(synth(k.chart), 'NetworkPolicy', 'api'), 'spec', 'ingress')).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { istio: 'ingressgateway' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });
});

describe('istio mode spec', () => {
  test('defaults: istio-system, and it needs Istio in the cluster', () => {
    expect(ISTIO_MODE.controllerNamespace).toBe('istio-system');
    expect(ISTIO_MODE.needs).toEqual({ capability: 'istio', what: 'Istio' });
    expect(ISTIO_MODE.refuses).toBeUndefined();
  });

  test('checkProps: the istio settings, each with its own problem', () => {
    const p = new Problems('gw');
    const chart = Testing.chart();
    ISTIO_MODE.checkProps!(p, settings('istio', {
      props: { istio: { gatewaySelector: {}, gatewayPrincipal: 'istio-ingressgateway', callers: ['ok.local/ns/a/sa/b', 'nope'], maxConnections: 0, consecutive5xxErrors: 1.5, allowSameNamespace: true } },
    }, chart));
    expect(p.messages).toEqual([
      '[gw] \'istio.gatewaySelector\' must name at least one label of the ingress gateway pods, received {}',
      '[gw] \'istio.gatewayPrincipal\' must be an Istio principal \'<trust domain>/ns/<namespace>/sa/<service account>\', received "istio-ingressgateway"',
      '[gw] \'istio.callers[1]\' must be an Istio principal \'<trust domain>/ns/<namespace>/sa/<service account>\', received "nope"',
      '[gw] \'istio.maxConnections\' must be an integer >= 1, received 0',
      '[gw] \'istio.consecutive5xxErrors\' must be an integer >= 1, received 1.5',
      '[gw] \'istio.allowSameNamespace\' needs the chart to have a namespace, received true',
    ]);
  });

  test('checkProps: the defaults pass, the principal in the controller namespace', () => {
    const p = new Problems('gw');
    ISTIO_MODE.checkProps!(p, settings('istio', { controllerNamespace: 'mesh' }));
    expect(p.messages).toEqual([]);
    const k = kit('istio', { controllerNamespace: 'mesh' });
    const api = service(k.chart, 'api');
    k.add({ host: 'shop.example.com', backends: [to(api)] });
    expect(api.connections.callerIdentities()[0].principals).toEqual(['cluster.local/ns/mesh/sa/istio-ingressgateway-service-account']);
  });
});

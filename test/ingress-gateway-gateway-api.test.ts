// The `gateway-api` mode's renderer and checks (constructs/ingress-gateway/gateway-api.ts), through
// its GatewayModeSpec with no IngressGateway in between. The gateway's own tests: test/ingress-gateway.test.ts.
import { Problems } from '../constructs/core/errors';
import { GATEWAY_API_MODE } from '../constructs/ingress-gateway/gateway-api';
import { RouteIndex } from '../constructs/ingress-gateway/routes';
import { HSTS, ISSUER, kit, LABELS, service, settings, to, WAVE } from './ingress-gateway-kit';
import { get, one, ofKind, synth } from './util';

const SAME = { namespaces: { from: 'Same' } };
/** The parent and backend references as the API server stores them (group and kind, weight 1). */
const parent = (sectionName: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web', sectionName });
const ref = (name: string, port: number, weight = 1) => ({ group: '', kind: 'Service', name, port, weight });

describe('gateway-api renderer', () => {
  test('without TLS: Gateway <name> with an http listener, one HTTPRoute per host on it, rules most specific first', () => {
    const k = kit('gateway-api');
    expect(k.objects.gateway).toBeUndefined();
    const shop = service(k.chart, 'shop');
    const api = service(k.chart, 'api', [{ name: 'http', port: 8080 }]);
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/api', timeoutSeconds: 20, backends: [to(api)] });
    k.add({ host: 'admin.example.com', path: '/ok', match: 'Exact', backends: [to(shop)] });
    const out = synth(k.chart);
    expect(one(out, 'Gateway', 'web')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: { gatewayClassName: 'eg', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: SAME }] },
    });
    expect(ofKind(out, 'HTTPRoute').map((r) => r.metadata.name)).toEqual(['web-shop-example-com', 'web-admin-example-com']);
    expect(one(out, 'HTTPRoute', 'web-shop-example-com').spec).toEqual({
      parentRefs: [parent('http')],
      hostnames: ['shop.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: [ref('api', 8080)],
          timeouts: { request: '20s' },
        },
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [ref('shop', 80)] },
      ],
    });
    expect(get(one(out, 'HTTPRoute', 'web-admin-example-com'), 'spec', 'rules', 0, 'matches')).toEqual([{ path: { type: 'Exact', value: '/ok' } }]);
    expect(k.objects.gateway?.name).toBe('web');
    expect(k.objects.redirectRoute).toBeUndefined();
    expect(k.objects.httpRoutes.map((r) => r.name)).toEqual(['web-shop-example-com', 'web-admin-example-com']);
  });

  test('rewrites replace the prefix (Prefix) or the full path (Exact); a canary is two weighted backendRefs', () => {
    const k = kit('gateway-api', { props: { gatewayClassName: 'cilium' } });
    const api = service(k.chart, 'api');
    const next = service(k.chart, 'api-v2');
    k.add({ host: 'shop.example.com', path: '/api', rewrite: '/', backends: [to(api, 'http', 75), to(next, 'http', 25)] });
    k.add({ host: 'shop.example.com', path: '/status', match: 'Exact', rewrite: '/healthz', backends: [to(api)] });
    const out = synth(k.chart);
    expect(get(one(out, 'Gateway', 'web'), 'spec', 'gatewayClassName')).toBe('cilium');
    expect(get(one(out, 'HTTPRoute', 'web-shop-example-com'), 'spec', 'rules')).toEqual([
      {
        matches: [{ path: { type: 'Exact', value: '/status' } }],
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/healthz' } } }],
        backendRefs: [ref('api', 80)],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
        backendRefs: [ref('api', 80, 75), ref('api-v2', 80, 25)],
      },
    ]);
  });

  test('TLS: an https-<host> listener per host (sorted), routes on their own listener, HSTS, the redirect, Certificates and the solver policy', () => {
    const k = kit('gateway-api', { tls: { issuer: ISSUER, hsts: true } });
    expect(k.objects.acmeSolverPolicy?.name).toBe('web-acme-http01');
    const shop = service(k.chart, 'shop');
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'admin.example.com', backends: [to(shop)] });
    const out = synth(k.chart);
    expect(get(one(out, 'Gateway', 'web'), 'spec', 'listeners')).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: SAME },
      ...['admin', 'shop'].map((h) => ({
        name: `https-${h}-example-com`,
        hostname: `${h}.example.com`,
        port: 443,
        protocol: 'HTTPS',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: `${h}-example-com-tls` }] },
        allowedRoutes: SAME,
      })),
    ]);
    expect(one(out, 'HTTPRoute', 'web-shop-example-com').spec).toEqual({
      parentRefs: [parent('https-shop-example-com')],
      hostnames: ['shop.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: HSTS }] } }],
        backendRefs: [ref('shop', 80)],
      }],
    });
    expect(one(out, 'HTTPRoute', 'web-https-redirect').spec).toEqual({
      parentRefs: [parent('http')],
      // No match of its own: the stored default matches every path.
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(k.objects.redirectRoute?.name).toBe('web-https-redirect');
    expect(ofKind(out, 'Certificate').map((c) => c.metadata.name)).toEqual(['shop-example-com', 'admin-example-com']);
    expect(get(one(out, 'NetworkPolicy', 'web-acme-http01'), 'spec', 'ingress', 0, 'from')).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } } },
    ]);
  });

  test('hsts off: no header filter; one secretName: one SAN Certificate for every host, added later too', () => {
    const k = kit('gateway-api', { tls: { issuer: ISSUER, secretName: 'all-tls', hsts: false } });
    const shop = service(k.chart, 'shop');
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'admin.example.com', backends: [to(shop)] });
    const out = synth(k.chart);
    expect(get(one(out, 'HTTPRoute', 'web-shop-example-com'), 'spec', 'rules', 0, 'filters')).toBeUndefined();
    expect(get(one(out, 'Gateway', 'web'), 'spec', 'listeners').map((l: { tls?: { certificateRefs: { name: string }[] } }) => l.tls?.certificateRefs[0].name))
      .toEqual([undefined, 'all-tls', 'all-tls']);
    expect(one(out, 'Certificate').spec).toEqual({
      secretName: 'all-tls',
      dnsNames: ['shop.example.com', 'admin.example.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
      secretTemplate: { labels: LABELS },
    });
  });
});

describe('gateway-api mode spec', () => {
  test('defaults and what it refuses', () => {
    expect(GATEWAY_API_MODE.controllerNamespace).toBe('envoy-gateway-system');
    expect(GATEWAY_API_MODE.needs).toEqual({ capability: 'gatewayApi', what: 'the Gateway API CRDs and a controller' });
    expect(GATEWAY_API_MODE.refuses).toEqual({
      retries: 'is not supported in gateway-api mode (HTTPRoute retries are not in the Gateway API standard channel)',
      affinity: 'asks for ClientIP session affinity, which gateway-api mode can\'t carry: the Gateway API standard channel has no session persistence (use ingress or istio mode, or drop the affinity)',
    });
  });

  test('checkAgainst: an HTTPRoute holds at most 16 rules, so a host holds at most 16 routes', () => {
    const k = kit('gateway-api');
    const shop = service(k.chart, 'shop');
    const before = new RouteIndex();
    for (let i = 0; i < 16; i++) before.add({ index: i, host: 'shop.example.com', path: `/p${i}`, match: 'Prefix', backends: [to(shop)] });
    const p = new Problems('gw');
    const g = settings('gateway-api');
    GATEWAY_API_MODE.checkAgainst!(p, 'routes[16]', { index: 16, host: 'shop.example.com', path: '/x', match: 'Prefix', backends: [to(shop)] }, before, g);
    GATEWAY_API_MODE.checkAgainst!(p, 'routes[17]', { index: 17, host: 'admin.example.com', path: '/x', match: 'Prefix', backends: [to(shop)] }, before, g);
    expect(p.messages).toEqual([
      '[gw] \'routes[16]\' would be route 17 of host "shop.example.com": an HTTPRoute holds at most 16 rules, received "shop.example.com"',
    ]);
  });
});

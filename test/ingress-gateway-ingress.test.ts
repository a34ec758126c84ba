// The `ingress` mode's renderer and checks (constructs/ingress-gateway/ingress.ts), through its
// GatewayModeSpec with no IngressGateway in between. The gateway's own tests: test/ingress-gateway.test.ts.
import { Problems } from '../constructs/core/errors';
import { INGRESS_MODE } from '../constructs/ingress-gateway/ingress';
import { RouteIndex } from '../constructs/ingress-gateway/routes';
import { ISSUER, kit, LABELS, service, settings, to, WAVE } from './ingress-gateway-kit';
import { get, one, ofKind, synth } from './util';

const NGINX = 'nginx.ingress.kubernetes.io';

function backend(name: string, port = 80) {
  return { service: { name, port: { number: port } } };
}

describe('ingress renderer', () => {
  test('plain routes share Ingress <name>: hosts sorted, paths most specific first, the class from the props', () => {
    const k = kit('ingress', { props: { ingressClassName: 'nginx-internal' } });
    const shop = service(k.chart, 'shop');
    const api = service(k.chart, 'api', [{ name: 'grpc', port: 9090 }, { name: 'http', port: 8080 }]);
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/api', backends: [to(api, 'http')] });
    k.add({ host: 'shop.example.com', path: '/api/health', match: 'Exact', backends: [to(api, 'http')] });
    k.add({ host: 'admin.example.com', backends: [to(shop)] });
    const out = synth(k.chart);
    expect(ofKind(out, 'Ingress').map((m) => m.metadata.name)).toEqual(['web']);
    expect(one(out, 'Ingress', 'web')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: {
        ingressClassName: 'nginx-internal',
        rules: [
          { host: 'admin.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('shop') }] } },
          {
            host: 'shop.example.com',
            http: {
              paths: [
                { path: '/api/health', pathType: 'Exact', backend: backend('api', 8080) },
                { path: '/api', pathType: 'Prefix', backend: backend('api', 8080) },
                { path: '/', pathType: 'Prefix', backend: backend('shop') },
              ],
            },
          },
        ],
      },
    });
    expect(k.objects.ingress?.name).toBe('web');
    expect(k.objects.ingresses.map((i) => i.name)).toEqual(['web']);
    expect(k.objects.canaryIngress).toBeUndefined();
  });

  test('the backends admit the controller namespace on the routed port only', () => {
    const k = kit('ingress', { controllerNamespace: 'edge' });
    const api = service(k.chart, 'api', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 81, targetPort: 8081 }]);
    k.add({ host: 'shop.example.com', backends: [to(api, 'http')] });
    const policy = one(synth(k.chart), 'NetworkPolicy', 'api');
    expect(get(policy, 'spec', 'ingress')).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test('TLS with an issuer: ssl-redirect, a Secret and a Certificate per host, and the ACME solver policy up front', () => {
    const k = kit('ingress', { tls: { issuer: ISSUER, hsts: true } });
    expect(k.objects.acmeSolverPolicy?.name).toBe('web-acme-http01');
    const shop = service(k.chart, 'shop');
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/cart', backends: [to(shop)] });
    k.add({ host: '*.example.com', backends: [to(shop)] });
    const out = synth(k.chart);
    const ingress = one(out, 'Ingress', 'web');
    expect(ingress.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/ssl-redirect`]: 'true' });
    expect(get(ingress, 'spec', 'tls')).toEqual([
      { hosts: ['*.example.com'], secretName: 'wildcard-example-com-tls' },
      { hosts: ['shop.example.com'], secretName: 'shop-example-com-tls' },
    ]);
    expect(ofKind(out, 'Certificate').map((c) => [c.metadata.name, c.metadata.namespace, get(c, 'spec', 'dnsNames')])).toEqual([
      ['shop-example-com', 'shop-prod', ['shop.example.com']],
      ['wildcard-example-com', 'shop-prod', ['*.example.com']],
    ]);
    expect(one(out, 'NetworkPolicy', 'web-acme-http01').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        ports: [{ port: 8089, protocol: 'TCP' }],
      }],
    });
  });

  test('TLS from one existing Secret: one tls entry for every host, no Certificate, no solver policy', () => {
    const k = kit('ingress', { tls: { secretName: 'wildcard-tls', hsts: true } });
    const shop = service(k.chart, 'shop');
    k.add({ host: 'b.example.com', backends: [to(shop)] });
    k.add({ host: 'a.example.com', backends: [to(shop)] });
    const out = synth(k.chart);
    expect(get(one(out, 'Ingress', 'web'), 'spec', 'tls')).toEqual([{ hosts: ['a.example.com', 'b.example.com'], secretName: 'wildcard-tls' }]);
    expect(ofKind(out, 'Certificate')).toEqual([]);
    expect(k.objects.acmeSolverPolicy).toBeUndefined();
  });

  test('timeout, retries and session affinity: the route gets Ingress <name>-<host>-<path>[-exact] with its annotations', () => {
    const k = kit('ingress');
    const api = service(k.chart, 'api');
    const pinned = service(k.chart, 'pinned', undefined, { sessionAffinity: 'ClientIP' });
    k.add({ host: 'shop.example.com', path: '/api/v1', match: 'Exact', timeoutSeconds: 30, retries: 2, backends: [to(api)] });
    k.add({ host: 'shop.example.com', path: '/ws', backends: [to(pinned)] });
    const out = synth(k.chart);
    expect(ofKind(out, 'Ingress').map((m) => m.metadata.name)).toEqual(['web-shop-example-com-api-v1-exact', 'web-shop-example-com-ws']);
    expect(one(out, 'Ingress', 'web-shop-example-com-api-v1-exact').metadata.annotations).toEqual({
      ...WAVE,
      [`${NGINX}/proxy-next-upstream-tries`]: '3',
      [`${NGINX}/proxy-read-timeout`]: '30',
      [`${NGINX}/proxy-send-timeout`]: '30',
    });
    expect(one(out, 'Ingress', 'web-shop-example-com-ws').metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/upstream-hash-by`]: '$remote_addr' });
    expect(k.objects.ingress).toBeUndefined();
  });

  test('a rewrite turns its host to regex matching on every Ingress that holds the host', () => {
    const k = kit('ingress');
    const shop = service(k.chart, 'shop');
    const api = service(k.chart, 'api');
    k.add({ host: 'shop.example.com', backends: [to(shop)] });
    k.add({ host: 'shop.example.com', path: '/api', rewrite: '/v2', backends: [to(api)] });
    k.add({ host: 'other.example.com', path: '/x', match: 'Exact', backends: [to(shop)] });
    const out = synth(k.chart);
    const main = one(out, 'Ingress', 'web');
    expect(main.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/use-regex`]: 'true' });
    expect(get(main, 'spec', 'rules')).toEqual([
      { host: 'other.example.com', http: { paths: [{ path: '/x', pathType: 'Exact', backend: backend('shop') }] } },
      { host: 'shop.example.com', http: { paths: [{ path: '/(.*)', pathType: 'ImplementationSpecific', backend: backend('shop') }] } },
    ]);
    const own = one(out, 'Ingress', 'web-shop-example-com-api');
    expect(own.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/rewrite-target`]: '/v2$1$2', [`${NGINX}/use-regex`]: 'true' });
    expect(get(own, 'spec', 'rules', 0, 'http', 'paths')).toEqual([
      { path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', backend: backend('api') },
    ]);
  });

  test('a canary: the stable backend in <name>, the canary in <name>-canary with the canary weight', () => {
    const k = kit('ingress');
    const stable = service(k.chart, 'api');
    const next = service(k.chart, 'api-v2');
    k.add({ host: 'shop.example.com', path: '/api', backends: [to(stable, 'http', 80), to(next, 'http', 20)] });
    const out = synth(k.chart);
    expect(get(one(out, 'Ingress', 'web'), 'spec', 'rules', 0, 'http', 'paths')).toEqual([
      { path: '/api', pathType: 'Prefix', backend: backend('api') },
    ]);
    const canary = one(out, 'Ingress', 'web-canary');
    expect(canary.metadata.annotations).toEqual({ ...WAVE, [`${NGINX}/canary`]: 'true', [`${NGINX}/canary-weight`]: '20' });
    expect(get(canary, 'spec', 'rules', 0, 'http', 'paths')).toEqual([{ path: '/api', pathType: 'Prefix', backend: backend('api-v2') }]);
    expect([k.objects.ingress?.name, k.objects.canaryIngress?.name]).toEqual(['web', 'web-canary']);
  });
});

describe('ingress mode spec', () => {
  test('defaults and what it refuses', () => {
    expect(INGRESS_MODE.controllerNamespace).toBe('ingress-nginx');
    expect(INGRESS_MODE.needs).toEqual({ capability: 'ingressNginx', what: 'ingress-nginx' });
    expect(INGRESS_MODE.refuses).toEqual({
      hstsOff: 'cannot be turned off in ingress mode: ingress-nginx sets HSTS controller-wide (ConfigMap \'hsts\')',
    });
  });

  test('ownName: only a route with annotations of its own gets a name, after its host, path and match', () => {
    const k = kit('ingress');
    const api = service(k.chart, 'api');
    const base = { index: 0, host: 'shop.example.com', backends: [to(api)] };
    expect(INGRESS_MODE.ownName!('web', { ...base, path: '/Api_V1', match: 'Prefix' })).toBeUndefined();
    expect(INGRESS_MODE.ownName!('web', { ...base, path: '/Api_V1', match: 'Prefix', retries: 1 })).toBe('web-shop-example-com-api-v1');
    expect(INGRESS_MODE.ownName!('web', { ...base, path: '/', match: 'Exact', timeoutSeconds: 5 })).toBe('web-shop-example-com-exact');
  });

  test('checkAgainst: one canary weight per gateway, and own-Ingress names that collide', () => {
    const k = kit('ingress');
    const a = service(k.chart, 'a');
    const b = service(k.chart, 'b');
    const before = new RouteIndex((r) => INGRESS_MODE.ownName!('web', r));
    before.add({ index: 0, host: 'shop.example.com', path: '/x', match: 'Prefix', backends: [to(a, 'http', 90), to(b, 'http', 10)] });
    before.add({ index: 1, host: 'shop.example.com', path: '/api-v1', match: 'Prefix', retries: 1, backends: [to(a)] });
    const p = new Problems('gw');
    const g = settings('ingress');
    INGRESS_MODE.checkAgainst!(p, 'routes[2]', { index: 2, host: 'shop.example.com', path: '/y', match: 'Prefix', backends: [to(a, 'http', 80), to(b, 'http', 20)] }, before, g);
    INGRESS_MODE.checkAgainst!(p, 'routes[3]', { index: 3, host: 'shop.example.com', path: '/api_v1', match: 'Prefix', timeoutSeconds: 9, backends: [to(a)] }, before, g);
    INGRESS_MODE.checkAgainst!(p, 'routes[4]', { index: 4, host: 'shop.example.com', path: '/z', match: 'Prefix', backends: [to(a, 'http', 90), to(b, 'http', 10)] }, before, g);
    expect(p.messages).toEqual([
      '[gw] \'routes[2].backends\' canary weight must equal routes[0]\'s (10): ingress-nginx takes one canary-weight per canary Ingress and every canary route goes to one, received 20',
      '[gw] \'routes[3].path\' needs its own Ingress "web-shop-example-com-api-v1" for its nginx annotations, and routes[1] already has that name: use paths that differ by more than case and "-"/"_", received "/api_v1"',
    ]);
  });
});

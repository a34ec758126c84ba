// The `nodeport` mode's renderer and checks (constructs/ingress-gateway/nodeport.ts), through its
// GatewayModeSpec with no IngressGateway in between. The gateway's own tests: test/ingress-gateway.test.ts.
import { Problems } from '../constructs/core/errors';
import { NODEPORT_MODE } from '../constructs/ingress-gateway/nodeport';
import { RouteIndex } from '../constructs/ingress-gateway/routes';
import { kit, LABELS, service, settings, to, WAVE } from './ingress-gateway-kit';
import { get, one, ofKind, synth } from './util';

describe('nodeport renderer', () => {
  test('one NodePort Service <name>-<service> per routed service, each routed port once, sorted, on its node port', () => {
    const k = kit('nodeport');
    const api = service(k.chart, 'api', [{ name: 'grpc', port: 9090, targetPort: 9091 }, { name: 'http', port: 80, targetPort: 8080 }]);
    const shop = service(k.chart, 'shop');
    k.add({ host: 'shop.localtest.me', path: '/api', nodePort: 30090, backends: [to(api, 'grpc')] });
    k.add({ host: 'shop.localtest.me', nodePort: 30080, backends: [to(shop)] });
    k.add({ host: 'api.localtest.me', nodePort: 30081, backends: [to(api, 'http')] });
    k.add({ host: 'api.localtest.me', path: '/v2', nodePort: 30081, backends: [to(api, 'http')] });
    const out = synth(k.chart);
    expect(one(out, 'Service', 'web-api')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-api', namespace: 'shop-prod', labels: LABELS, annotations: WAVE },
      spec: {
        type: 'NodePort',
        selector: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop-prod' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, nodePort: 30081, protocol: 'TCP' },
          { name: 'grpc', port: 9090, targetPort: 9091, nodePort: 30090, protocol: 'TCP' },
        ],
      },
    });
    expect(get(one(out, 'Service', 'web-shop'), 'spec', 'ports')).toEqual([{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }]);
    expect(k.objects.nodePortServices.map((s) => s.name)).toEqual(['web-api', 'web-shop']);
    expect(ofKind(out, 'Ingress')).toEqual([]);
  });

  test('a canary serves its stable backend only, which admits traffic from anywhere on the routed port', () => {
    const k = kit('nodeport');
    const api = service(k.chart, 'api');
    const next = service(k.chart, 'api-v2');
    k.add({ host: 'shop.localtest.me', nodePort: 30080, backends: [to(api, 'http', 90), to(next, 'http', 10)] });
    const out = synth(k.chart);
    expect(ofKind(out, 'Service').filter((s) => get(s, 'spec', 'type') === 'NodePort').map((s) => s.metadata.name)).toEqual(['web-api']);
    expect(get(one(out, 'NetworkPolicy', 'api'), 'spec', 'ingress')).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(get(one(out, 'NetworkPolicy', 'api-v2'), 'spec', 'ingress')).toBeUndefined();
  });

  test('ClientIP session affinity: kube-proxy applies it to node-port traffic too, with the service\'s timeout', () => {
    const k = kit('nodeport');
    const pinned = service(k.chart, 'pinned', undefined, { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 });
    k.add({ host: 'shop.localtest.me', nodePort: 30080, backends: [to(pinned)] });
    const spec = get(one(synth(k.chart), 'Service', 'web-pinned'), 'spec');
    expect([spec.sessionAffinity, spec.sessionAffinityConfig]).toEqual(['ClientIP', { clientIP: { timeoutSeconds: 600 } }]);
  });
});

describe('nodeport mode spec', () => {
  test('no controller namespace, no capability needed, and no TLS', () => {
    expect(NODEPORT_MODE.controllerNamespace).toBe('');
    expect(NODEPORT_MODE.needs).toBeUndefined();
    expect(NODEPORT_MODE.refuses).toEqual({
      tls: 'is not supported in nodeport mode (node ports serve plain TCP; use ingress, gateway-api or istio mode for HTTPS)',
    });
  });

  test('urlOf: plain http on the route\'s node port', () => {
    const k = kit('nodeport');
    const shop = service(k.chart, 'shop');
    const route = k.add({ host: 'shop.localtest.me', path: '/api', nodePort: 30080, backends: [to(shop)] });
    expect(NODEPORT_MODE.urlOf!(route)).toBe('http://shop.localtest.me:30080/api');
  });

  test('checkRoute: a node port from 30000 to 32767 is required', () => {
    const k = kit('nodeport');
    const shop = service(k.chart, 'shop');
    const p = new Problems('gw');
    for (const [i, nodePort] of [undefined, 29999, 30000.5, 32767].entries()) {
      NODEPORT_MODE.checkRoute!(p, `routes[${i}]`, { host: 'shop.localtest.me', nodePort, backend: { service: shop } });
    }
    expect(p.messages).toEqual([
      '[gw] \'routes[0].nodePort\' is required in nodeport mode (a port from 30000 to 32767), received undefined',
      '[gw] \'routes[1].nodePort\' must be an integer from 30000 to 32767, received 29999',
      '[gw] \'routes[2].nodePort\' must be an integer from 30000 to 32767, received 30000.5',
    ]);
  });

  test('checkAgainst: one node port per service port, and one service port per node port', () => {
    const k = kit('nodeport');
    const api = service(k.chart, 'api', [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }]);
    const shop = service(k.chart, 'shop');
    const before = new RouteIndex();
    before.add({ index: 0, host: 'a.localtest.me', path: '/', match: 'Prefix', nodePort: 30080, backends: [to(api, 'http')] });
    const p = new Problems('gw');
    const g = settings('nodeport');
    const route = (index: number, nodePort: number, ...backends: ReturnType<typeof to>[]) =>
      ({ index, host: 'b.localtest.me', path: `/${index}`, match: 'Prefix' as const, nodePort, backends });
    NODEPORT_MODE.checkAgainst!(p, 'routes[1]', route(1, 30080, to(shop)), before, g);
    NODEPORT_MODE.checkAgainst!(p, 'routes[2]', route(2, 30081, to(api, 'http')), before, g);
    NODEPORT_MODE.checkAgainst!(p, 'routes[3]', route(3, 30080, to(api, 'http')), before, g);
    NODEPORT_MODE.checkAgainst!(p, 'routes[4]', route(4, 30090, to(api, 'grpc')), before, g);
    expect(p.messages).toEqual([
      '[gw] \'routes[1].nodePort\' is already used by routes[0] for api:http, received 30080',
      '[gw] \'routes[2].nodePort\' must be 30080, as routes[0] serves api:http on it, received 30081',
    ]);
  });
});

// The table of gateway modes (constructs/ingress-gateway/modes.ts): it covers every GatewayMode, and
// the IngressGateway renders each mode through the table. Each mode's own tests: test/ingress-gateway-<mode>.test.ts.
import { GatewayMode, IngressGateway } from '../constructs/ingress-gateway';
import { GATEWAY_MODES, modeSpec } from '../constructs/ingress-gateway/modes';
import { ALL, service } from './ingress-gateway-kit';
import { namespacedChart, synth } from './util';

/** Every GatewayMode, in the order the refusal of an unknown mode lists them. */
const EVERY = ['ingress', 'gateway-api', 'istio', 'nodeport'] as const satisfies readonly GatewayMode[];
// Fails to compile when GatewayMode gains a member that EVERY doesn't list.
const covered: [Exclude<GatewayMode, (typeof EVERY)[number]>] extends [never] ? true : false = true;

describe('gateway modes', () => {
  test('the table has a spec for every GatewayMode, and nothing else', () => {
    expect(covered).toBe(true);
    expect(Object.keys(GATEWAY_MODES)).toEqual([...EVERY]);
    for (const mode of EVERY) expect(modeSpec(mode)).toBe(GATEWAY_MODES[mode]);
    expect(['nginx', 'toString', 'constructor', ''].map(modeSpec)).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('only nodeport writes its URLs its own way; the others serve http(s)://<host><path>', () => {
    expect(EVERY.filter((mode) => GATEWAY_MODES[mode].urlOf !== undefined)).toEqual(['nodeport']);
  });

  test('the gateway renders each mode through its spec: its controller namespace and routing objects', () => {
    const rendered: Record<string, [string, string[]]> = {};
    for (const mode of EVERY) {
      const chart = namespacedChart('shop-prod');
      const shop = service(chart, 'shop');
      const gw = new IngressGateway(chart, 'web', { mode, capabilities: ALL });
      gw.routeTo(shop, { host: 'shop.example.com', nodePort: 30080 });
      const kinds = synth(chart).filter((m) => m.metadata.labels?.['app.kubernetes.io/component'] === 'gateway').map((m) => m.kind);
      rendered[mode] = [gw.controllerNamespace, [...new Set(kinds)].sort()];
    }
    expect(rendered).toEqual({
      'ingress': ['ingress-nginx', ['Ingress']],
      'gateway-api': ['envoy-gateway-system', ['Gateway', 'HTTPRoute']],
      'istio': ['istio-system', ['DestinationRule', 'Gateway', 'PeerAuthentication', 'VirtualService']],
      'nodeport': ['', ['Service']],
    });
  });
});

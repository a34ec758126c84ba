// Every gateway mode and its spec, the one table the IngressGateway (../ingress-gateway.ts) looks
// modes up in. A new mode is a file next to this one (./<mode>.ts, a GatewayModeSpec, see
// ./renderer.ts), a line here and a member of GatewayMode.
import type { GatewayMode } from '../ingress-gateway';
import { GATEWAY_API_MODE } from './gateway-api';
import { INGRESS_MODE } from './ingress';
import { ISTIO_MODE } from './istio';
import { NODEPORT_MODE } from './nodeport';
import { GatewayModeSpec } from './renderer';

/** In the order the refusal of an unknown mode lists them. */
export const GATEWAY_MODES: Readonly<Record<GatewayMode, GatewayModeSpec>> = {
  'ingress': INGRESS_MODE,
  'gateway-api': GATEWAY_API_MODE,
  'istio': ISTIO_MODE,
  'nodeport': NODEPORT_MODE,
};

/** The spec of `mode`, or undefined for a value that names no mode. */
export function modeSpec(mode: string): GatewayModeSpec | undefined {
  return Object.hasOwn(GATEWAY_MODES, mode) ? GATEWAY_MODES[mode as GatewayMode] : undefined;
}

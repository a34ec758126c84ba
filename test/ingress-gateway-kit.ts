// What the gateway renderers' tests share (test/ingress-gateway-<mode>.test.ts): a renderer of one
// mode, made from its GatewayModeSpec with a hand-built RendererContext, and routes fed to it as the
// IngressGateway feeds them (indexed first, then added), with no IngressGateway in between.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { GatewayMode, IngressGatewayProps } from '../constructs/ingress-gateway';
import { GATEWAY_MODES } from '../constructs/ingress-gateway/modes';
import { GatewayObjects, GatewayRenderer, GatewaySettings, GatewayTlsSettings, RendererContext } from '../constructs/ingress-gateway/renderer';
import { Backend, Route, RouteIndex } from '../constructs/ingress-gateway/routes';
import { ServicePortSpec, WebService } from '../constructs/web-service';
import { namespacedChart } from './util';

export const ALL = { ingressNginx: true, gatewayApi: true, istio: true, certManager: true };
export const LABELS = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/component': 'gateway' };
export const WAVE = { 'argocd.argoproj.io/sync-wave': '6' };
export const ISSUER = { name: 'letsencrypt-prod', kind: 'ClusterIssuer' as const };
export const HSTS = 'max-age=31536000; includeSubDomains';

export interface Kit {
  readonly chart: Chart;
  readonly ctx: RendererContext;
  readonly objects: GatewayObjects;
  readonly renderer: GatewayRenderer;
  /** Indexes the route (path `/`, Prefix unless given) and hands it to the renderer, as the gateway does. */
  add(route: Omit<Route, 'index' | 'path' | 'match'> & Partial<Pick<Route, 'path' | 'match'>>): Route;
}

export interface KitOptions {
  readonly tls?: GatewayTlsSettings;
  readonly props?: Partial<IngressGatewayProps>;
  readonly controllerNamespace?: string;
}

/** The gateway's settings in `mode`, named `web`, in a chart of namespace `shop-prod`. */
export function settings(mode: GatewayMode, options: KitOptions = {}, chart: Chart = namespacedChart('shop-prod')): GatewaySettings {
  return {
    scope: new Construct(chart, 'web'),
    name: 'web',
    mode,
    controllerNamespace: options.controllerNamespace ?? GATEWAY_MODES[mode].controllerNamespace,
    props: { capabilities: ALL, mode, ...options.props },
    tls: options.tls,
  };
}

/** A renderer of `mode` with nothing routed yet. */
export function kit(mode: GatewayMode, options: KitOptions = {}): Kit {
  const chart = namespacedChart('shop-prod');
  const spec = GATEWAY_MODES[mode];
  const objects: GatewayObjects = { certificates: [], ingresses: [], httpRoutes: [], virtualServices: [], destinationRules: [], nodePortServices: [] };
  const ownName = spec.ownName;
  const routes = new RouteIndex(ownName ? (r) => ownName('web', r) : undefined);
  const ctx: RendererContext = { ...settings(mode, options, chart), labels: LABELS, routes, objects };
  const renderer = spec.render(ctx);
  return {
    chart, ctx, objects, renderer,
    add: (r) => {
      const route: Route = { index: routes.all.length, path: '/', match: 'Prefix', ...r };
      const newHost = routes.ofHost(route.host).length === 0;
      routes.add(route);
      renderer.add(route, newHost);
      return route;
    },
  };
}

/** A WebService with these ports (default: `http` 80 → 8080). */
export function service(chart: Chart, id: string, ports: readonly ServicePortSpec[] = [{ name: 'http', port: 80, targetPort: 8080 }],
  extra: { sessionAffinity?: 'ClientIP'; sessionAffinityTimeoutSeconds?: number } = {}): WebService {
  return new WebService(chart, id, { image: `example/${id}:1.0.0`, ports, ...extra });
}

/** `service` on its port `port` (default: its first), with a canary weight if given. */
export function to(service: WebService, port?: string, weight?: number): Backend {
  const ports = service.connections.ports;
  const found = port === undefined ? ports[0] : ports.find((p) => p.name === port);
  if (!found) throw new Error(`no port ${port} on ${service.serviceName}`);
  return weight === undefined ? { service, port: found } : { service, port: found, weight };
}

// What a gateway mode is to the IngressGateway (constructs/ingress-gateway.ts): a GatewayModeSpec
// (its defaults, what it refuses, its own checks) whose render() makes the mode's GatewayRenderer,
// and the context a renderer gets. Each mode is ./<mode>.ts, listed in ./modes.ts; the route
// model is ./routes.ts, the shared cert-manager objects ./certificates.ts, the checks ./validate.ts.
import { Construct } from 'constructs';
import type * as cm from '../../imports/cert-manager.io';
import type * as gwapi from '../../imports/gateway.networking.k8s.io';
import type * as k8s from '../../imports/k8s';
import type * as istio from '../../imports/networking.istio.io';
import type * as istiosec from '../../imports/security.istio.io';
import type { CertificateIssuer, GatewayCapabilities, GatewayMode, GatewayRoute, IngressGatewayProps } from '../ingress-gateway';
import { NetworkPeer } from '../core/connections';
import { Problems } from '../core/errors';
import { Backend, hostSlug, Route, RouteIndex } from './routes';

/** The `Strict-Transport-Security` value of `tls.hsts`, as ingress-nginx sends it by default. */
export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/** `tls` with its default applied. */
export interface GatewayTlsSettings {
  readonly issuer?: CertificateIssuer;
  readonly secretName?: string;
  readonly hsts: boolean;
}

/** What the checks see of a gateway: its settings, before anything is rendered. */
export interface GatewaySettings {
  /** The gateway: renderers create their objects in it. */
  readonly scope: Construct;
  readonly name: string;
  readonly mode: GatewayMode;
  readonly controllerNamespace: string;
  /** The props over the chart's platform policy (mode defaults not applied). */
  readonly props: IngressGatewayProps;
  readonly tls?: GatewayTlsSettings;
}

/**
 * The objects the gateway exposes: its public arrays, which renderers push into, and the single
 * objects behind its getters and optional fields, which renderers set once they make them.
 */
export interface GatewayObjects {
  readonly certificates: cm.Certificate[];
  readonly ingresses: k8s.KubeIngress[];
  readonly httpRoutes: gwapi.HttpRoute[];
  readonly virtualServices: istio.VirtualService[];
  readonly destinationRules: istio.DestinationRule[];
  readonly nodePortServices: k8s.KubeService[];
  ingress?: k8s.KubeIngress;
  canaryIngress?: k8s.KubeIngress;
  gateway?: gwapi.Gateway;
  redirectRoute?: gwapi.HttpRoute;
  istioGateway?: istio.Gateway;
  peerAuthentication?: istiosec.PeerAuthentication;
  authorizationPolicy?: istiosec.AuthorizationPolicy;
  acmeSolverPolicy?: k8s.KubeNetworkPolicy;
}

/** What a renderer gets. */
export interface RendererContext extends GatewaySettings {
  readonly labels: Record<string, string>;
  /** Every route accepted, the one being added included. */
  readonly routes: RouteIndex;
  readonly objects: GatewayObjects;
}

/**
 * One mode's rendering. Objects are made when the first route needs them, their content at synth
 * time (routes can be added after construction); the mode's up-front objects, when render() makes it.
 */
export interface GatewayRenderer {
  /**
   * Renders a route the gateway has just accepted and indexed: admits the ingress proxies to its
   * backends and makes what it needs. `newHost` when it is the first route of its host.
   */
  add(route: Route, newHost: boolean): void;
}

/** A gateway mode: what the gateway needs to know of it before rendering, and its renderer. */
export interface GatewayModeSpec {
  /** The default `controllerNamespace` ('' where the mode has no ingress proxies). */
  readonly controllerNamespace: string;
  /** The capability the mode needs in the cluster, and the refusal's name for it. */
  readonly needs?: { readonly capability: keyof GatewayCapabilities; readonly what: string };
  /** What the mode can't render: each text is the problem's message. */
  readonly refuses?: {
    /** Any `tls`. */
    readonly tls?: string;
    /** `tls.hsts: false`. */
    readonly hstsOff?: string;
    /** A route's (valid) `retries`. */
    readonly retries?: string;
    /** One backend with ClientIP session affinity (a weighted split with it is refused in every mode). */
    readonly affinity?: string;
  };
  /** The mode's own checks of the props, after the common ones. */
  checkProps?(p: Problems, gateway: GatewaySettings): void;
  /** The mode's own checks of a route's settings, after the common ones and before session affinity. */
  checkRoute?(p: Problems, at: string, route: GatewayRoute): void;
  /** The mode's conflicts of a valid route with the routes before it, after the duplicate check. */
  checkAgainst?(p: Problems, at: string, route: Route, before: RouteIndex, gateway: GatewaySettings): void;
  /** The name of the object a route needs for itself, where the mode gives routes such objects. */
  ownName?(gatewayName: string, route: Route): string | undefined;
  /** A route's URL, where it is not `http(s)://<host><path>`. */
  urlOf?(route: Route): string;
  /** Makes the renderer, and with it the mode's up-front objects. */
  render(ctx: RendererContext): GatewayRenderer;
}

/** The TLS Secret a host is served with, if TLS is on. */
export function secretNameFor(tls: GatewayTlsSettings | undefined, host: string): string | undefined {
  if (!tls) return undefined;
  return tls.secretName ?? `${hostSlug(host)}-tls`;
}

/** Each backend's service admits `peer` on the routed port only. */
export function admit(peer: NetworkPeer, backends: readonly Backend[]): void {
  for (const b of backends) b.service.connections.allowFrom(peer, [b.port]);
}

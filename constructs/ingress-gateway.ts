// The IngressGateway and its public types (props, routes, TLS, modes). What it is made of lives in
// constructs/ingress-gateway/: each mode's rendering in <mode>.ts behind renderer.ts (the mode table
// in modes.ts), the route model in routes.ts, the checks in validate.ts, cert-manager objects in certificates.ts.
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as cm from '../imports/cert-manager.io';
import * as gwapi from '../imports/gateway.networking.k8s.io';
import * as k8s from '../imports/k8s';
import * as istio from '../imports/networking.istio.io';
import * as istiosec from '../imports/security.istio.io';
import { Problems, ValidationError } from './core/errors';
import { appLabels } from './core/labels';
import { platformPolicy } from './core/policy';
import { checkProps, checkShape } from './core/props';
import { IRoutable } from './core/routable';
import { modeSpec } from './ingress-gateway/modes';
import { GatewayModeSpec, GatewayObjects, GatewayRenderer, GatewaySettings, GatewayTlsSettings, secretNameFor } from './ingress-gateway/renderer';
import { Route, RouteIndex } from './ingress-gateway/routes';
import { GATEWAY_ROUTE, INGRESS_GATEWAY_PROPS, ROUTE_TO_OPTIONS, validateProps, validateRoute } from './ingress-gateway/validate';

/**
 * How the gateway is rendered; the chart passes it from environment data.
 * - `ingress`: a `networking.k8s.io/v1` Ingress for ingress-nginx.
 * - `gateway-api`: a `gateway.networking.k8s.io/v1` Gateway and HTTPRoutes.
 * - `istio`: an Istio Gateway, VirtualServices, DestinationRules, STRICT mTLS and an AuthorizationPolicy.
 * - `nodeport`: for kind/minikube, one NodePort Service per routed service (plain L4, see {@link IngressGateway}).
 */
export type GatewayMode = 'ingress' | 'gateway-api' | 'istio' | 'nodeport';

/** How a route's path matches: element-wise prefix (`/api` matches `/api/x`, not `/apix`) or the exact path. */
export type PathMatch = 'Prefix' | 'Exact';

/** What the cluster of an environment provides; the chart passes it from environment data. */
export interface GatewayCapabilities {
  /** ingress-nginx runs in the cluster (needed by `ingress` mode, which uses its annotations). */
  readonly ingressNginx: boolean;
  /** The Gateway API v1 standard CRDs and a controller for them (needed by `gateway-api` mode). */
  readonly gatewayApi: boolean;
  /** Istio with an ingress gateway (needed by `istio` mode). */
  readonly istio: boolean;
  /** cert-manager (needed by `tls.issuer`). */
  readonly certManager: boolean;
}

/** A service and one of its named ports. */
export interface RouteBackend {
  /** The service: a WebService, or anything else that is {@link IRoutable}, in this gateway's chart. */
  readonly service: IRoutable;
  /**
   * The name of one of the service's ports.
   * @default - the service's first port (WebService lists its main port first)
   */
  readonly port?: string;
}

/** One side of a weighted canary. */
export interface WeightedBackend extends RouteBackend {
  /** Share of requests in percent, 0–100. A route's two weights sum to 100. */
  readonly weight: number;
}

/** What a route matches and how it is served, apart from its backend. */
export interface RouteSettings {
  /** The host name, such as `shop.example.com`, or a wildcard `*.example.com`. */
  readonly host: string;
  /**
   * The path: `/`, or `/`-separated segments of letters, digits, `-` and `_`, without a trailing `/`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Element-wise prefix or exact match.
   * @default 'Prefix'
   */
  readonly match?: PathMatch;
  /**
   * Replaces the matched path (Exact) or prefix (Prefix) before the request reaches the backend:
   * `path: '/api', rewrite: '/'` sends `/api/users` as `/users`.
   * @default - the path is passed unchanged
   */
  readonly rewrite?: string;
  /**
   * Request timeout, in whole seconds (1 s to 1 day). ingress-nginx applies it between two reads or writes
   * (`proxy-read-timeout`, `proxy-send-timeout`), Gateway API and Istio to the whole request.
   * @default - the controller's default: 60 s between reads for ingress-nginx, none for Istio,
   *   implementation-specific for Gateway API
   */
  readonly timeout?: Duration;
  /**
   * Retries of requests that failed to reach the backend (connection errors, refused or reset streams),
   * 0–10; 0 turns retries off. ingress and istio modes only: the Gateway API standard channel has no retries.
   * @default - the controller's default: 2 further tries for ingress-nginx, 2 attempts for Istio
   */
  readonly retries?: number;
  /**
   * The node port (30000–32767) that serves this route's backend in `nodeport` mode, such as the port kind's
   * `extraPortMappings` forward. Required in `nodeport` mode, ignored in the others.
   * @default - none
   */
  readonly nodePort?: number;
}

/** A host and path routed to one backend, or split between two (a weighted canary). */
export interface GatewayRoute extends RouteSettings {
  /**
   * The one backend. Set exactly one of `backend` and `backends`.
   * @default - none: `backends` is set
   */
  readonly backend?: RouteBackend;
  /**
   * A weighted canary: exactly two backends, stable first, whose weights sum to 100.
   * @default - none: `backend` is set
   */
  readonly backends?: readonly WeightedBackend[];
}

/** Options of {@link IngressGateway.routeTo}. */
export interface RouteToOptions extends RouteSettings {
  /**
   * The name of one of the service's ports.
   * @default - the service's first port
   */
  readonly port?: string;
}

/** A cert-manager issuer. */
export interface CertificateIssuer {
  /** The issuer's name, such as `letsencrypt-prod`. */
  readonly name: string;
  /** A cluster-wide `ClusterIssuer`, or an `Issuer` in the namespace the Certificates go to. */
  readonly kind: 'ClusterIssuer' | 'Issuer';
}

/** HTTPS for every host of the gateway, with HTTP redirected to HTTPS. */
export interface GatewayTls {
  /**
   * cert-manager issues the certificates: one Certificate per host (Secret `<host with dots as dashes>-tls`),
   * or one for all hosts when `secretName` is set too. Set `issuer`, `secretName` or both.
   * @default - none: `secretName` names an existing TLS Secret
   */
  readonly issuer?: CertificateIssuer;
  /**
   * One TLS Secret for every host: an existing one (a wildcard certificate), or the one `issuer` fills.
   * In istio mode it lives in `controllerNamespace`, where the Istio gateway reads its Secrets.
   * @default - one Secret per host, `<host with dots as dashes>-tls`
   */
  readonly secretName?: string;
  /**
   * Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` on HTTPS responses.
   * ingress-nginx sends exactly this header controller-wide (ConfigMap `hsts`, on by default), so in
   * `ingress` mode it cannot be turned off per gateway.
   * @default true
   */
  readonly hsts?: boolean;
}

/** Istio mode settings. */
export interface IstioGatewayOptions {
  /**
   * Labels of the Istio ingress gateway pods the Gateway binds to; routed services' NetworkPolicies admit only
   * those pods of `controllerNamespace`.
   * @default - the chart's platform policy (a berth chart: the environment's `gateway.istioGateway`), else
   *   { istio: 'ingressgateway' }, the label of Istio's default ingress gateway
   */
  readonly gatewaySelector?: Readonly<Record<string, string>>;
  /**
   * The ingress gateway's identity: each routed service's AuthorizationPolicy admits it on the routed port.
   * @default - the chart's platform policy (a berth chart: the environment's `gateway.istioGateway`), else
   *   'cluster.local/ns/<controllerNamespace>/sa/istio-ingressgateway-service-account', the ServiceAccount of
   *   istioctl's default profile
   */
  readonly gatewayPrincipal?: string;
  /**
   * Identities admitted to every workload of the namespace (`<trust domain>/ns/<namespace>/sa/<service account>`),
   * by an AuthorizationPolicy `<name>-callers`: callers outside the stack that berth can't declare with `connectTo`.
   * @default [] - none: each workload admits only its declared callers and, where routed, the ingress gateway
   */
  readonly callers?: readonly string[];
  /**
   * Admit every identity of the namespace to every workload (in `<name>-callers`), as berth did before each
   * workload had its own AuthorizationPolicy: the NetworkPolicies alone then decide who calls whom.
   * @default false - each workload admits exactly the callers its `connectTo` declares
   */
  readonly allowSameNamespace?: boolean;
  /**
   * Circuit breaking: connections, pending HTTP/1.1 requests and concurrent HTTP/2 requests each ingress
   * gateway proxy opens to one backend service (DestinationRule `connectionPool`).
   * @default 1024 - Envoy's long-standing circuit-breaker default, far above the seeds' load
   */
  readonly maxConnections?: number;
  /**
   * Outlier detection: consecutive 5xx responses after which a backend pod is ejected for 30 s
   * (checked every 10 s, at most half the pods ejected).
   * @default 5 - Istio's default
   */
  readonly consecutive5xxErrors?: number;
}

export interface IngressGatewayProps {
  /**
   * Name of the routing objects (`<name>`, `<name>-canary`, `<name>-<host>`) and `app.kubernetes.io/name`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * How the gateway is rendered (environment-driven). The chart's platform policy also
   * supplies `capabilities`, `tls`, `ingressClassName` and `controllerNamespace` for its
   * mode; a prop given here wins.
   * @default - the chart's platform policy, else 'ingress' (ingress-nginx is what most of the seed stacks run)
   */
  readonly mode?: GatewayMode;
  /**
   * What the environment's cluster provides; a mode or TLS setting that needs a missing piece is refused.
   * @default - the chart's platform policy; required outside a berth chart
   */
  readonly capabilities?: GatewayCapabilities;
  /**
   * The routes; more can be added with `addRoute()` and `routeTo()`.
   * @default [] - none yet
   */
  readonly routes?: readonly GatewayRoute[];
  /**
   * HTTPS for every host (environment-driven).
   * @default - the chart's platform policy (a berth chart: the environment's issuer), else none: plain HTTP
   */
  readonly tls?: GatewayTls;
  /**
   * `ingress` mode: the IngressClass.
   * @default - the chart's platform policy, else 'nginx' (the class ingress-nginx installs)
   */
  readonly ingressClassName?: string;
  /**
   * `gateway-api` mode: the GatewayClass.
   * @default 'eg' - the class Envoy Gateway's installation guide creates
   */
  readonly gatewayClassName?: string;
  /**
   * Namespace of the ingress proxies: routed services admit traffic from it on the routed port only.
   * In `istio` mode the Certificates go there too (an Istio gateway reads its Secrets from its own namespace).
   * @default - the chart's platform policy, else 'ingress-nginx' (ingress), 'envoy-gateway-system' (gateway-api:
   *   Envoy Gateway runs its proxies there), 'istio-system' (istio); not used in nodeport mode
   */
  readonly controllerNamespace?: string;
  /**
   * `istio` mode settings.
   * @default - see {@link IstioGatewayOptions}
   */
  readonly istio?: IstioGatewayOptions;
}

/**
 * The one entry point of a stack: host + path routes to services, rendered as an ingress-nginx Ingress,
 * a Gateway API Gateway + HTTPRoutes, Istio Gateway + VirtualServices, or NodePort Services.
 *
 * Routing objects are created when the first route needs them (routes can be added after construction)
 * and their content is rendered at synth time. Every routed service admits the ingress proxies'
 * namespace on the routed port only, through its `connections`.
 *
 * - `ingress`: `<name>` holds the plain routes. ingress-nginx annotations apply per Ingress, so a route
 *   with a rewrite, timeout or retries gets its own `<name>-<host>[-<path>][-exact]`, and canary backends
 *   go to `<name>-canary` (one `canary-weight`, so every canary route of the gateway shares it). A host
 *   with a rewrite is matched by regex on all its paths (ingress-nginx applies `use-regex` host-wide), so
 *   all its paths are rendered as `ImplementationSpecific` regexes that keep Prefix/Exact semantics.
 *   TLS: `ssl-redirect`; HSTS comes from the controller's ConfigMap (`hsts`, on by default).
 * - `gateway-api`: Gateway `<name>` (an `http` listener, and an `https-<host>` listener per host with TLS),
 *   one HTTPRoute `<name>-<host>` per host, and `<name>-https-redirect` on the `http` listener.
 * - `istio`: Gateway `<name>`, one VirtualService `<name>-<host>` per host, a DestinationRule per routed
 *   service (ISTIO_MUTUAL, connection pool, outlier detection) and PeerAuthentication `<name>` (STRICT) for
 *   the namespace; each routed service admits the gateway's pods (NetworkPolicy) and its principal (the
 *   service's own AuthorizationPolicy) on the routed port only.
 * - `nodeport`: one NodePort Service `<name>-<service>` per routed service, with each routed port on the
 *   route's `nodePort`. It is plain TCP: host, path, rewrite, timeout and retries are not applied, a canary
 *   serves its stable backend only, and the port admits traffic from anywhere (node ports are reached from
 *   outside the cluster, often source-NATed to a node address).
 */
export class IngressGateway extends Construct {
  /** The gateway's name. */
  public readonly name: string;
  /** How the gateway is rendered. */
  public readonly mode: GatewayMode;
  /** Namespace of the ingress proxies (empty in nodeport mode). */
  public readonly controllerNamespace: string;
  /** Every cert-manager Certificate (in `controllerNamespace` in istio mode). */
  public readonly certificates: cm.Certificate[] = [];
  /** Every Ingress (ingress mode): `<name>`, `<name>-<host>[-<path>][-exact]`, `<name>-canary`. */
  public readonly ingresses: k8s.KubeIngress[] = [];
  /** One HTTPRoute per host (gateway-api mode). */
  public readonly httpRoutes: gwapi.HttpRoute[] = [];
  /** One VirtualService per host (istio mode). */
  public readonly virtualServices: istio.VirtualService[] = [];
  /** One DestinationRule per routed service, named after it (istio mode). */
  public readonly destinationRules: istio.DestinationRule[] = [];
  /** One NodePort Service per routed service (nodeport mode). */
  public readonly nodePortServices: k8s.KubeService[] = [];
  /** Namespace-wide STRICT mTLS (istio mode). */
  public readonly peerAuthentication?: istiosec.PeerAuthentication;
  /** Admits `istio.callers` (and the namespace, with `istio.allowSameNamespace`) to every workload: `<name>-callers` (istio mode). */
  public readonly authorizationPolicy?: istiosec.AuthorizationPolicy;
  /** Lets the ingress proxies reach cert-manager's HTTP-01 solver pods (TLS with an issuer, ingress and gateway-api modes). */
  public readonly acmeSolverPolicy?: k8s.KubeNetworkPolicy;

  private readonly tls?: GatewayTlsSettings;
  private readonly settings: GatewaySettings;
  private readonly spec: GatewayModeSpec;
  private readonly resolved: RouteIndex;
  private readonly inputs: GatewayRoute[] = [];
  private readonly objects: GatewayObjects;
  private readonly renderer: GatewayRenderer;

  constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id);
    checkProps(new Problems(this), INGRESS_GATEWAY_PROPS, props);
    // The policy's settings are for its own mode: with another mode given, only its capabilities apply.
    const fromPolicy = platformPolicy(this).gateway;
    const samePolicyMode = fromPolicy && (props.mode === undefined || props.mode === fromPolicy.mode);
    const given = props;
    props = { ...(samePolicyMode ? fromPolicy : fromPolicy ? { capabilities: fromPolicy.capabilities } : {}), ...withoutUndefined(props) };
    // The gateway's identity is the environment's; the stack's own istio settings add to it.
    if (samePolicyMode && fromPolicy?.istio) props = { ...props, istio: { ...fromPolicy.istio, ...withoutUndefined(given.istio ?? {}) } };
    if (!props.capabilities) {
      throw new ValidationError([`[${this.node.path}] 'capabilities' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined`]);
    }
    this.name = props.name ?? id;
    this.mode = props.mode ?? 'ingress';
    const spec = modeSpec(this.mode);
    this.controllerNamespace = props.controllerNamespace ?? spec?.controllerNamespace ?? '';
    this.tls = props.tls ? { issuer: props.tls.issuer, secretName: props.tls.secretName, hsts: props.tls.hsts ?? true } : undefined;
    this.settings = { scope: this, name: this.name, mode: this.mode, controllerNamespace: this.controllerNamespace, props, tls: this.tls };
    const routes = props.routes ?? [];

    const problems = new Problems(this);
    validateProps(problems, this.settings, spec);
    const ownName = spec?.ownName;
    const ownNameOf = ownName ? (r: Route) => ownName(this.name, r) : undefined;
    const accepted = new RouteIndex(ownNameOf);
    routes.forEach((r, i) => {
      const route = validateRoute(problems, `routes[${i}]`, r, i, accepted, this.settings, spec);
      if (route) accepted.add(route);
    });
    problems.throwIfAny();

    // A mode that names no mode was refused above.
    this.spec = spec!;
    this.resolved = new RouteIndex(ownNameOf);
    this.objects = {
      certificates: this.certificates, ingresses: this.ingresses, httpRoutes: this.httpRoutes,
      virtualServices: this.virtualServices, destinationRules: this.destinationRules, nodePortServices: this.nodePortServices,
    };
    this.renderer = this.spec.render({
      ...this.settings,
      labels: appLabels(this, { name: this.name, component: 'gateway' }).all,
      routes: this.resolved,
      objects: this.objects,
    });
    this.peerAuthentication = this.objects.peerAuthentication;
    this.authorizationPolicy = this.objects.authorizationPolicy;
    this.acmeSolverPolicy = this.objects.acmeSolverPolicy;
    for (let i = 0; i < routes.length; i++) this.register(routes[i], accepted.all[i]);
  }

  /** Every route, in the order they were added. */
  public get routes(): readonly GatewayRoute[] {
    return this.inputs;
  }

  /** The hosts served, in the order they first appeared. */
  public get hosts(): readonly string[] {
    return this.resolved.hosts;
  }

  /**
   * One URL per route, in route order: `https://<host><path>` (`http` without TLS); in nodeport mode
   * `http://<host>:<nodePort><path>`.
   */
  public get urls(): readonly string[] {
    const { urlOf } = this.spec;
    return this.resolved.all.map((r) => urlOf ? urlOf(r) : `${this.tls ? 'https' : 'http'}://${r.host}${r.path}`);
  }

  /** The Ingress of plain routes, `<name>` (ingress mode, once such a route exists). */
  public get ingress(): k8s.KubeIngress | undefined {
    return this.objects.ingress;
  }

  /** The canary Ingress, `<name>-canary` (ingress mode, once a canary route exists). */
  public get canaryIngress(): k8s.KubeIngress | undefined {
    return this.objects.canaryIngress;
  }

  /** The Gateway API Gateway (gateway-api mode, once a route exists). */
  public get gateway(): gwapi.Gateway | undefined {
    return this.objects.gateway;
  }

  /** The HTTPRoute that redirects HTTP to HTTPS (gateway-api mode with TLS). */
  public get redirectRoute(): gwapi.HttpRoute | undefined {
    return this.objects.redirectRoute;
  }

  /** The Istio Gateway (istio mode, once a route exists). */
  public get istioGateway(): istio.Gateway | undefined {
    return this.objects.istioGateway;
  }

  /**
   * The public URL of `host` (and `path`) as clients use it, before or after a route to it
   * exists: `https://` with TLS, else `http://`. For config that browsers read.
   */
  public publicUrl(host: string, path = ''): string {
    return `${this.tls ? 'https' : 'http'}://${host}${path}`;
  }

  /** The TLS Secret a host is served with, if TLS is on. */
  public secretNameFor(host: string): string | undefined {
    return secretNameFor(this.tls, host);
  }

  /**
   * Adds a route. A bad route throws a ValidationError at once, naming `routes[<its index>]`.
   */
  public addRoute(route: GatewayRoute): void {
    const i = this.inputs.length;
    const problems = new Problems(this);
    checkShape(GATEWAY_ROUTE, route, `routes[${i}]`, problems);
    problems.throwIfAny();
    const resolved = validateRoute(problems, `routes[${i}]`, route, i, this.resolved, this.settings, this.spec);
    problems.throwIfAny();
    this.register(route, resolved!);
  }

  /** Routes `options.host` + `options.path` to `service` (on `options.port`, or its first port). */
  public routeTo(service: IRoutable, options: RouteToOptions): void {
    checkProps(new Problems(this), ROUTE_TO_OPTIONS, options);
    const { port, ...settings } = options;
    this.addRoute({ ...settings, backend: { service, port } });
  }

  private register(input: GatewayRoute, route: Route): void {
    this.inputs.push(input);
    const newHost = this.resolved.ofHost(route.host).length === 0;
    this.resolved.add(route);
    this.renderer.add(route, newHost);
  }
}

/** The props that are set, so that spreading them over defaults keeps the defaults. */
function withoutUndefined<T extends object>(props: T): T {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as T;
}

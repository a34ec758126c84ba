import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as cm from '../imports/cert-manager.io';
import * as gwapi from '../imports/gateway.networking.k8s.io';
import * as k8s from '../imports/k8s';
import * as istio from '../imports/networking.istio.io';
import * as istiosec from '../imports/security.istio.io';
import { NetworkPeer, Peer, ServicePort } from './core/connections';
import { Problems, ValidationError } from './core/errors';
import { platformPolicy } from './core/policy';
import { appLabels } from './core/labels';
import { isDns1123Label, isDns1123Subdomain, isHostname } from './core/names';
import { DURATION, ROUTABLE, STRING_MAP, STRINGS } from './core/prop-shapes';
import { arrayOf, bool, checkProps, checkShape, num, object, opt, propsOf, req, str, text } from './core/props';
import { IRoutable } from './core/routable';
import { destinationRuleFor } from './core/destination-rules';
import { RUNTIME_PODS_ANNOTATION } from './core/external-refs';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

/**
 * How the gateway is rendered; the chart passes it from environment data.
 * - `ingress`: a `networking.k8s.io/v1` Ingress for ingress-nginx.
 * - `gateway-api`: a `gateway.networking.k8s.io/v1` Gateway and HTTPRoutes.
 * - `istio`: an Istio Gateway, VirtualServices, DestinationRules, STRICT mTLS and an AuthorizationPolicy.
 * - `nodeport`: for kind/minikube, one NodePort Service per routed service (plain L4, see {@link IngressGateway}).
 */
export type GatewayMode = 'ingress' | 'gateway-api' | 'istio' | 'nodeport';

const MODES: readonly GatewayMode[] = ['ingress', 'gateway-api', 'istio', 'nodeport'];

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

const NGINX = 'nginx.ingress.kubernetes.io';
const HSTS_VALUE = 'max-age=31536000; includeSubDomains';
const ISTIO_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';
const PATH = /^\/([A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*)?$/;
const PRINCIPAL = /^[^/\s]+\/ns\/[^/\s]+\/sa\/[^/\s]+$/;
const CONTROLLER_NAMESPACE: Readonly<Record<GatewayMode, string>> = {
  'ingress': 'ingress-nginx',
  'gateway-api': 'envoy-gateway-system',
  'istio': 'istio-system',
  'nodeport': '',
};
/** ACME HTTP-01 solver pods cert-manager starts next to a Certificate. */
const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
const ACME_SOLVER_PORT = 8089;

interface Backend {
  readonly service: IRoutable;
  readonly port: ServicePort;
  readonly weight?: number;
}

/** A validated route. */
interface Route {
  readonly index: number;
  readonly host: string;
  readonly path: string;
  readonly match: PathMatch;
  /** Stable first; two entries for a canary. */
  readonly backends: readonly Backend[];
  readonly rewrite?: string;
  readonly timeoutSeconds?: number;
  readonly retries?: number;
  readonly nodePort?: number;
}

/**
 * The routes accepted so far, indexed for the checks each new route runs against them:
 * scanning them all made a gateway of n routes cost O(n²).
 */
class RouteIndex {
  public readonly all: Route[] = [];
  /** In the order they first appeared. */
  public readonly hosts: string[] = [];
  public firstCanary?: Route;
  private readonly byHost = new Map<string, Route[]>();
  private readonly byMatch = new Map<string, Route>();
  private readonly byIngressName = new Map<string, Route>();

  constructor(private readonly ingressNameOf: (r: Route) => string | undefined) {}

  public add(r: Route): void {
    this.all.push(r);
    let ofHost = this.byHost.get(r.host);
    if (!ofHost) {
      ofHost = [];
      this.byHost.set(r.host, ofHost);
      this.hosts.push(r.host);
    }
    ofHost.push(r);
    const key = `${r.match} ${r.host}${r.path}`;
    if (!this.byMatch.has(key)) this.byMatch.set(key, r);
    const own = this.ingressNameOf(r);
    if (own !== undefined && !this.byIngressName.has(own)) this.byIngressName.set(own, r);
    if (r.backends.length === 2) this.firstCanary ??= r;
  }

  public ofHost(host: string): readonly Route[] {
    return this.byHost.get(host) ?? [];
  }

  /** The first route with the same host, match and path. */
  public same(r: Route): Route | undefined {
    return this.byMatch.get(`${r.match} ${r.host}${r.path}`);
  }

  /** The first route that needs its own Ingress of this name. */
  public withIngressName(name: string): Route | undefined {
    return this.byIngressName.get(name);
  }
}

interface IngressGroup {
  readonly ingress: k8s.KubeIngress;
  readonly routes: Route[];
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

  private readonly props: IngressGatewayProps;
  private readonly tls?: { readonly issuer?: CertificateIssuer; readonly secretName?: string; readonly hsts: boolean };
  private readonly ingressClassName: string;
  private readonly gatewayClassName: string;
  private readonly istioOptions: Required<IstioGatewayOptions>;
  private readonly labels: Record<string, string>;
  private readonly peer: NetworkPeer;
  private readonly resolved = new RouteIndex((r) => this.ownIngressName(r));
  private readonly inputs: GatewayRoute[] = [];
  private readonly ingressGroups = new Map<string, IngressGroup>();
  private readonly regexHosts = new Set<string>();
  private readonly perService = new Map<string, ApiObject>();
  private readonly meshSplits = new Set<string>();
  private readonly nodePortsOf = new Map<string, Route[]>();
  private gatewayApiGateway?: gwapi.Gateway;
  private redirect?: gwapi.HttpRoute;
  private istioGw?: istio.Gateway;
  private sanCertificate?: cm.Certificate;

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
    this.props = props;
    this.name = props.name ?? id;
    this.mode = props.mode ?? 'ingress';
    this.controllerNamespace = props.controllerNamespace ?? CONTROLLER_NAMESPACE[this.mode] ?? '';
    this.ingressClassName = props.ingressClassName ?? 'nginx';
    this.gatewayClassName = props.gatewayClassName ?? 'eg';
    this.tls = props.tls ? { issuer: props.tls.issuer, secretName: props.tls.secretName, hsts: props.tls.hsts ?? true } : undefined;
    const io = props.istio ?? {};
    this.istioOptions = {
      gatewaySelector: io.gatewaySelector ?? { istio: 'ingressgateway' },
      gatewayPrincipal: io.gatewayPrincipal ?? `cluster.local/ns/${this.controllerNamespace}/sa/istio-ingressgateway-service-account`,
      callers: io.callers ?? [],
      allowSameNamespace: io.allowSameNamespace ?? false,
      maxConnections: io.maxConnections ?? 1024,
      consecutive5xxErrors: io.consecutive5xxErrors ?? 5,
    };
    const routes = props.routes ?? [];

    const problems = new Problems(this);
    this.validateProps(problems);
    const accepted = new RouteIndex((r) => this.ownIngressName(r));
    routes.forEach((r, i) => {
      const route = this.validateRoute(problems, `routes[${i}]`, r, i, accepted);
      if (route) accepted.add(route);
    });
    problems.throwIfAny();

    this.labels = appLabels(this, { name: this.name, component: 'gateway' }).all;
    // Node ports are reached from outside the cluster, through any node; Istio's gateway pods
    // are known by their labels and their identity, the other controllers by their namespace.
    this.peer = this.mode === 'nodeport' ? Peer.cidr('0.0.0.0/0')
      : this.mode === 'istio' ? Peer.namespace(this.controllerNamespace, this.istioOptions.gatewaySelector, this.istioOptions.gatewayPrincipal)
        : Peer.namespace(this.controllerNamespace);

    if (this.mode === 'istio') {
      this.peerAuthentication = new kinds.PeerAuthentication(this, 'PeerAuthentication', {
        metadata: { name: this.name, labels: this.labels },
        spec: { mtls: { mode: istiosec.PeerAuthenticationSpecMtlsMode.STRICT } },
      });
      const o = this.istioOptions;
      if (o.callers.length > 0 || o.allowSameNamespace) this.authorizationPolicy = this.buildAuthorizationPolicy();
    }
    if (this.tls?.issuer && (this.mode === 'ingress' || this.mode === 'gateway-api')) {
      this.acmeSolverPolicy = new kinds.KubeNetworkPolicy(this, 'AcmeSolverPolicy', {
        metadata: {
          name: `${this.name}-acme-http01`,
          labels: this.labels,
          annotations: { [RUNTIME_PODS_ANNOTATION]: 'cert-manager HTTP-01 solver pods' },
        },
        spec: {
          podSelector: { matchLabels: { [ACME_SOLVER_LABEL]: 'true' } },
          policyTypes: ['Ingress'],
          ingress: [{
            from: [this.peer.policyPeer],
            ports: [{ port: k8s.IntOrString.fromNumber(ACME_SOLVER_PORT), protocol: 'TCP' }],
          }],
        },
      });
    }
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
    return this.resolved.all.map((r) => {
      if (this.mode === 'nodeport') return `http://${r.host}:${r.nodePort}${r.path}`;
      return `${this.tls ? 'https' : 'http'}://${r.host}${r.path}`;
    });
  }

  /** The Ingress of plain routes, `<name>` (ingress mode, once such a route exists). */
  public get ingress(): k8s.KubeIngress | undefined {
    return this.ingressGroups.get(this.name)?.ingress;
  }

  /** The canary Ingress, `<name>-canary` (ingress mode, once a canary route exists). */
  public get canaryIngress(): k8s.KubeIngress | undefined {
    return this.ingressGroups.get(`${this.name}-canary`)?.ingress;
  }

  /** The Gateway API Gateway (gateway-api mode, once a route exists). */
  public get gateway(): gwapi.Gateway | undefined {
    return this.gatewayApiGateway;
  }

  /** The HTTPRoute that redirects HTTP to HTTPS (gateway-api mode with TLS). */
  public get redirectRoute(): gwapi.HttpRoute | undefined {
    return this.redirect;
  }

  /** The Istio Gateway (istio mode, once a route exists). */
  public get istioGateway(): istio.Gateway | undefined {
    return this.istioGw;
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
    if (!this.tls) return undefined;
    return this.tls.secretName ?? `${hostSlug(host)}-tls`;
  }

  /**
   * Adds a route. A bad route throws a ValidationError at once, naming `routes[<its index>]`.
   */
  public addRoute(route: GatewayRoute): void {
    const i = this.inputs.length;
    const problems = new Problems(this);
    checkShape(GATEWAY_ROUTE, route, `routes[${i}]`, problems);
    problems.throwIfAny();
    const resolved = this.validateRoute(problems, `routes[${i}]`, route, i, this.resolved);
    problems.throwIfAny();
    this.register(route, resolved!);
  }

  /** Routes `options.host` + `options.path` to `service` (on `options.port`, or its first port). */
  public routeTo(service: IRoutable, options: RouteToOptions): void {
    checkProps(new Problems(this), ROUTE_TO_OPTIONS, options);
    const { port, ...settings } = options;
    this.addRoute({ ...settings, backend: { service, port } });
  }

  // ---------------------------------------------------------------- validation

  private validateProps(p: Problems): void {
    const { props, mode } = this;
    const caps = props.capabilities!;
    p.check(isDns1123Label(this.name), 'name', 'must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)', this.name);
    if (!MODES.includes(mode)) {
      p.add('mode', `must be one of ${MODES.join(', ')}`, mode);
    } else {
      const need: Partial<Record<GatewayMode, [keyof GatewayCapabilities, string]>> = {
        'ingress': ['ingressNginx', 'ingress-nginx'],
        'gateway-api': ['gatewayApi', 'the Gateway API CRDs and a controller'],
        'istio': ['istio', 'Istio'],
      };
      const n = need[mode];
      if (n && !caps[n[0]]) p.add('mode', `needs ${n[1]} in the cluster, but capabilities.${n[0]} is false`, mode);
    }
    if (props.ingressClassName !== undefined) {
      p.check(isDns1123Subdomain(props.ingressClassName), 'ingressClassName', 'must be a DNS-1123 subdomain', props.ingressClassName);
    }
    if (props.gatewayClassName !== undefined) {
      p.check(isDns1123Subdomain(props.gatewayClassName), 'gatewayClassName', 'must be a DNS-1123 subdomain', props.gatewayClassName);
    }
    if (props.controllerNamespace !== undefined) {
      p.check(isDns1123Label(props.controllerNamespace), 'controllerNamespace', 'must be a DNS-1123 label', props.controllerNamespace);
    }
    const tls = props.tls;
    if (tls) {
      if (mode === 'nodeport') {
        p.add('tls', 'is not supported in nodeport mode (node ports serve plain TCP; use ingress, gateway-api or istio mode for HTTPS)', tls);
      } else if (tls.issuer === undefined && tls.secretName === undefined) {
        p.add('tls', 'must set issuer (cert-manager issues the certificates) or secretName (an existing TLS Secret)', tls);
      }
      if (tls.issuer) {
        p.check(isDns1123Subdomain(tls.issuer.name), 'tls.issuer.name', 'must be a DNS-1123 subdomain', tls.issuer.name);
        p.check(tls.issuer.kind === 'ClusterIssuer' || tls.issuer.kind === 'Issuer', 'tls.issuer.kind', 'must be ClusterIssuer or Issuer', tls.issuer.kind);
        p.check(caps.certManager, 'tls.issuer', 'needs cert-manager in the cluster, but capabilities.certManager is false', tls.issuer);
      }
      if (tls.secretName !== undefined) {
        p.check(isDns1123Subdomain(tls.secretName), 'tls.secretName', 'must be a DNS-1123 subdomain', tls.secretName);
      }
      if (mode === 'ingress' && tls.hsts === false) {
        p.add('tls.hsts', 'cannot be turned off in ingress mode: ingress-nginx sets HSTS controller-wide (ConfigMap \'hsts\')', false);
      }
    }
    if (mode === 'istio') this.validateIstio(p);
  }

  private validateIstio(p: Problems): void {
    const o = this.istioOptions;
    p.check(Object.keys(o.gatewaySelector).length > 0, 'istio.gatewaySelector', 'must name at least one label of the ingress gateway pods', o.gatewaySelector);
    p.check(PRINCIPAL.test(o.gatewayPrincipal), 'istio.gatewayPrincipal', 'must be an Istio principal \'<trust domain>/ns/<namespace>/sa/<service account>\'', o.gatewayPrincipal);
    o.callers.forEach((c, i) => {
      p.check(PRINCIPAL.test(c), `istio.callers[${i}]`, 'must be an Istio principal \'<trust domain>/ns/<namespace>/sa/<service account>\'', c);
    });
    p.check(Number.isInteger(o.maxConnections) && o.maxConnections >= 1, 'istio.maxConnections', 'must be an integer >= 1', o.maxConnections);
    p.check(Number.isInteger(o.consecutive5xxErrors) && o.consecutive5xxErrors >= 1, 'istio.consecutive5xxErrors', 'must be an integer >= 1', o.consecutive5xxErrors);
    if (o.allowSameNamespace) {
      p.check(Chart.of(this).namespace !== undefined, 'istio.allowSameNamespace', 'needs the chart to have a namespace', true);
    }
  }

  /** Checks one route against the props and the routes before it; returns it resolved when it is valid. */
  private validateRoute(p: Problems, at: string, r: GatewayRoute, index: number, before: RouteIndex): Route | undefined {
    const start = p.count;
    const mode = this.mode;
    const path = r.path ?? '/';
    const match = r.match ?? 'Prefix';
    p.check(typeof r.host === 'string' && isHostname(r.host), `${at}.host`,
      'must be a DNS name such as "shop.example.com" (lowercase, optionally starting with "*.")', r.host);
    p.check(PATH.test(path), `${at}.path`,
      'must be "/" or "/"-separated segments of letters, digits, "-" and "_", without a trailing "/"', path);
    p.check(match === 'Prefix' || match === 'Exact', `${at}.match`, 'must be Prefix or Exact', match);
    if (r.rewrite !== undefined) {
      p.check(PATH.test(r.rewrite), `${at}.rewrite`,
        'must be "/" or "/"-separated segments of letters, digits, "-" and "_", without a trailing "/"', r.rewrite);
    }

    const backends: Backend[] = [];
    const addBackend = (b: RouteBackend, bat: string, weight?: number): void => {
      const port = this.checkBackend(p, bat, b);
      if (port) backends.push({ service: b.service, port, weight });
    };
    if ((r.backend === undefined) === (r.backends === undefined)) {
      p.add(at, 'must set exactly one of backend and backends', r.backend ? 'both' : 'neither');
    } else if (r.backend) {
      addBackend(r.backend, `${at}.backend`);
    } else if (r.backends) {
      const bs = r.backends;
      if (bs.length !== 2) {
        p.add(`${at}.backends`, 'must list exactly two backends (stable first, then canary)', bs.length);
      } else {
        let weightsOk = true;
        bs.forEach((b, j) => {
          weightsOk = p.check(Number.isInteger(b.weight) && b.weight >= 0 && b.weight <= 100,
            `${at}.backends[${j}].weight`, 'must be an integer from 0 to 100', b.weight) && weightsOk;
          addBackend(b, `${at}.backends[${j}]`, b.weight);
        });
        if (weightsOk) p.check(bs[0].weight + bs[1].weight === 100, `${at}.backends`, 'weights must sum to 100', bs.map((b) => b.weight));
        if (bs[0].service === bs[1].service) {
          p.add(`${at}.backends`, 'must name two different services', bs.map((b) => b.service.serviceName));
        }
      }
    }

    let timeoutSeconds: number | undefined;
    if (r.timeout !== undefined) {
      const ms = r.timeout.toMilliseconds();
      if (p.check(ms >= 1000 && ms <= 86_400_000 && ms % 1000 === 0, `${at}.timeout`, 'must be a whole number of seconds from 1 to 86400', `${ms}ms`)) {
        timeoutSeconds = ms / 1000;
      }
    }
    if (r.retries !== undefined) {
      if (p.check(Number.isInteger(r.retries) && r.retries >= 0 && r.retries <= 10, `${at}.retries`, 'must be an integer from 0 to 10', r.retries)) {
        p.check(mode !== 'gateway-api', `${at}.retries`,
          'is not supported in gateway-api mode (HTTPRoute retries are not in the Gateway API standard channel)', r.retries);
      }
    }
    if (mode === 'nodeport') {
      if (r.nodePort === undefined) {
        p.add(`${at}.nodePort`, 'is required in nodeport mode (a port from 30000 to 32767)', undefined);
      } else {
        p.check(Number.isInteger(r.nodePort) && r.nodePort >= 30000 && r.nodePort <= 32767, `${at}.nodePort`,
          'must be an integer from 30000 to 32767', r.nodePort);
      }
    }
    this.checkAffinity(p, at, backends);
    if (p.count > start) return undefined;

    const route: Route = { index, host: r.host, path, match, backends, rewrite: r.rewrite, timeoutSeconds, retries: r.retries, nodePort: r.nodePort };
    this.checkAgainst(p, at, route, before);
    return p.count > start ? undefined : route;
  }

  /** Session affinity the mode can carry: refused where it can't hold. */
  private checkAffinity(p: Problems, at: string, backends: readonly Backend[]): void {
    const pinned = backends.filter((b) => b.service.sessionAffinity !== undefined);
    if (pinned.length === 0) return;
    const names = pinned.map((b) => b.service.serviceName).join(', ');
    if (backends.length === 2) {
      p.add(`${at}.backends`, `can't split by weight to ${names}, which asks for ClientIP session affinity: the split is chosen per request, so a client's requests switch pods (drop the weights or the affinity)`, names);
    } else if (this.mode === 'gateway-api') {
      p.add(`${at}.backend.service`, `asks for ClientIP session affinity, which gateway-api mode can't carry: the Gateway API standard channel has no session persistence (use ingress or istio mode, or drop the affinity)`, names);
    }
  }

  /** The backend's ServicePort, when the service is in this chart and has the named port. */
  private checkBackend(p: Problems, at: string, b: RouteBackend): ServicePort | undefined {
    const chart = Chart.of(this);
    if (!p.check(Chart.of(b.service) === chart, `${at}.service`,
      `must be a service in this gateway's chart ("${chart.namespace ?? chart.node.id}"); a service from another chart does not exist here`,
      b.service.node.path)) return undefined;
    const ports = b.service.connections.ports;
    if (!p.check(b.port === undefined || b.port !== b.service.metricsPort || ports.some((sp) => sp.name === b.port), `${at}.port`,
      `is the metrics port of service "${b.service.serviceName}", which is never routed: metrics stay inside the cluster`, b.port)) return undefined;
    const port = b.port === undefined ? ports[0] : ports.find((sp) => sp.name === b.port);
    if (!p.check(port !== undefined, `${at}.port`,
      `must name a port of service "${b.service.serviceName}" (${ports.map((sp) => sp.name).join(', ') || 'it has none'})`, b.port)) return undefined;
    // HTTP controllers and meshes proxy TCP only; a UDP route could never carry a request.
    return p.check((port!.protocol ?? 'TCP') === 'TCP', `${at}.port`, 'must be a TCP port (gateways proxy HTTP over TCP)', port!.name) ? port : undefined;
  }

  /** Conflicts with earlier routes. */
  private checkAgainst(p: Problems, at: string, route: Route, before: RouteIndex): void {
    const dup = before.same(route);
    if (dup) {
      p.add(at, `duplicates the host, match and path of routes[${dup.index}]`, `${route.match} ${route.host}${route.path}`);
    }
    if (this.mode === 'ingress') {
      const canary = route.backends[1];
      const other = before.firstCanary;
      if (canary && other && other.backends[1].weight !== canary.weight) {
        p.add(`${at}.backends`, `canary weight must equal routes[${other.index}]'s (${other.backends[1].weight}): `
          + 'ingress-nginx takes one canary-weight per canary Ingress and every canary route goes to one', canary.weight);
      }
      const own = this.ownIngressName(route);
      const clash = own && before.withIngressName(own);
      if (clash) {
        p.add(`${at}.path`, `needs its own Ingress "${own}" for its nginx annotations, and routes[${clash.index}] already has that name: `
          + 'use paths that differ by more than case and "-"/"_"', route.path);
      }
    }
    if (this.mode === 'gateway-api') {
      const n = before.ofHost(route.host).length;
      p.check(n < 16, at, `would be route ${n + 1} of host "${route.host}": an HTTPRoute holds at most 16 rules`, route.host);
    }
    if (this.mode === 'nodeport') {
      const b = route.backends[0];
      for (const o of before.all) {
        const ob = o.backends[0];
        const sameBackend = ob.service === b.service && ob.port.name === b.port.name;
        if (!sameBackend && o.nodePort === route.nodePort) {
          p.add(`${at}.nodePort`, `is already used by routes[${o.index}] for ${ob.service.serviceName}:${ob.port.name}`, route.nodePort);
          break;
        }
        if (sameBackend && o.nodePort !== route.nodePort) {
          p.add(`${at}.nodePort`, `must be ${o.nodePort}, as routes[${o.index}] serves ${b.service.serviceName}:${b.port.name} on it`, route.nodePort);
          break;
        }
      }
    }
  }

  // ---------------------------------------------------------------- building

  private register(input: GatewayRoute, route: Route): void {
    this.inputs.push(input);
    const newHost = this.resolved.ofHost(route.host).length === 0;
    this.resolved.add(route);
    const served = this.mode === 'nodeport' ? route.backends.slice(0, 1) : route.backends;
    for (const b of served) b.service.connections.allowFrom(this.peer, [b.port]);
    if (newHost && this.tls?.issuer) this.ensureCertificate(route.host);

    switch (this.mode) {
      case 'ingress':
        this.addToIngress(route);
        break;
      case 'gateway-api':
        this.ensureGatewayApi();
        if (newHost) this.httpRouteFor(route.host);
        break;
      case 'istio':
        this.ensureIstioGateway();
        if (newHost) this.virtualServiceFor(route.host);
        for (const b of route.backends) this.ensureDestinationRule(b.service);
        if (route.backends.length === 2) this.ensureMeshSplit(route);
        break;
      case 'nodeport':
        this.addNodePort(route);
        break;
    }
  }

  private routesOf(host: string): Route[] {
    return [...this.resolved.ofHost(host)].sort(bySpecificity);
  }

  private ensureCertificate(host: string): void {
    const issuer = this.tls!.issuer!;
    const namespace = this.mode === 'istio' ? this.controllerNamespace : undefined;
    if (this.tls!.secretName !== undefined) {
      if (this.sanCertificate) return;
      const secretName = this.tls!.secretName;
      this.sanCertificate = this.certificate('Certificate', secretName, namespace, secretName,
        Lazy.any({ produce: () => [...this.resolved.hosts] }) as string[], issuer);
      return;
    }
    const slug = hostSlug(host);
    this.certificate(`Certificate-${slug}`, slug, namespace, `${slug}-tls`, [host], issuer);
  }

  private certificate(id: string, name: string, namespace: string | undefined, secretName: string, dnsNames: string[], issuer: CertificateIssuer): cm.Certificate {
    const cert = new kinds.Certificate(this, id, {
      metadata: { name, namespace, labels: this.labels },
      spec: {
        secretName,
        dnsNames,
        issuerRef: { group: 'cert-manager.io', kind: issuer.kind, name: issuer.name },
        secretTemplate: { labels: this.labels },
      },
    });
    syncWave(cert, Wave.GATEWAY);
    this.certificates.push(cert);
    return cert;
  }

  // ingress ---------------------------------------------------------------

  private addToIngress(route: Route): void {
    if (route.rewrite !== undefined) this.regexHosts.add(route.host);
    const key = annotationKey(route);
    this.ingressGroup(this.ownIngressName(route) ?? this.name, key, false).routes.push(route);
    if (route.backends.length === 2) {
      this.ingressGroup(`${this.name}-canary`, '{}', true).routes.push(route);
    }
  }

  /**
   * ingress-nginx annotations apply per Ingress, so a route with a rewrite, timeout or retries gets an
   * Ingress of its own, named after its host and path: `<name>-<host>[-<path>][-exact]`.
   */
  private ownIngressName(route: Route): string | undefined {
    if (annotationKey(route) === '{}') return undefined;
    const path = route.path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    return [this.name, hostSlug(route.host), path, route.match === 'Exact' ? 'exact' : ''].filter((x) => x).join('-');
  }

  private ingressGroup(name: string, key: string, canary: boolean): IngressGroup {
    const existing = this.ingressGroups.get(name);
    if (existing) return existing;
    const routes: Route[] = [];
    const annotations: Record<string, string> = { ...(JSON.parse(key) as Record<string, string>) };
    // Every Ingress carries its hosts' TLS, so ssl-redirect (not force-ssl-redirect, which loops behind a
    // TLS-terminating load balancer unless forwarded headers are trusted) redirects exactly these hosts.
    if (this.tls) annotations[`${NGINX}/ssl-redirect`] = 'true';
    if (canary) {
      annotations[`${NGINX}/canary`] = 'true';
      annotations[`${NGINX}/canary-weight`] = Lazy.any({ produce: () => String(routes[0].backends[1].weight) }) as string;
    }
    // ingress-nginx turns regex matching on for a whole host once any of its Ingresses asks for it.
    annotations[`${NGINX}/use-regex`] = Lazy.any({
      produce: () => (routes.some((r) => this.regexHosts.has(r.host)) ? 'true' : undefined),
    }) as string;
    const ingress = new kinds.KubeIngress(this, `Ingress-${name}`, {
      metadata: { name, labels: this.labels, annotations },
      spec: {
        ingressClassName: this.ingressClassName,
        tls: Lazy.any({ produce: () => this.ingressTls(routes) }) as k8s.IngressTls[],
        rules: Lazy.any({ produce: () => this.ingressRules(routes, canary) }) as k8s.IngressRule[],
      },
    });
    syncWave(ingress, Wave.GATEWAY);
    const group: IngressGroup = { ingress, routes };
    this.ingressGroups.set(name, group);
    this.ingresses.push(ingress);
    return group;
  }

  private ingressTls(routes: readonly Route[]): k8s.IngressTls[] | undefined {
    if (!this.tls) return undefined;
    const hosts = uniqueSorted(routes.map((r) => r.host));
    if (this.tls.secretName !== undefined) return [{ hosts, secretName: this.tls.secretName }];
    return hosts.map((h) => ({ hosts: [h], secretName: this.secretNameFor(h) }));
  }

  private ingressRules(routes: readonly Route[], canary: boolean): k8s.IngressRule[] {
    // Grouped once: filtering all routes per host grew with hosts × routes.
    const byHost = new Map<string, Route[]>();
    for (const r of routes) {
      const group = byHost.get(r.host);
      if (group) group.push(r);
      else byHost.set(r.host, [r]);
    }
    return [...byHost.keys()].sort().map((host) => ({
      host,
      http: {
        paths: byHost.get(host)!.sort(bySpecificity).map((r) => {
          const b = canary ? r.backends[1] : r.backends[0];
          return {
            ...ingressPath(r, this.regexHosts.has(host)),
            backend: { service: { name: b.service.serviceName, port: { number: b.port.port } } },
          };
        }),
      },
    }));
  }

  // gateway-api -----------------------------------------------------------

  private ensureGatewayApi(): void {
    if (this.gatewayApiGateway) return;
    const allowedRoutes = { namespaces: { from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    this.gatewayApiGateway = new kinds.GatewayApiGateway(this, 'Gateway', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        gatewayClassName: this.gatewayClassName,
        listeners: Lazy.any({
          produce: (): gwapi.GatewaySpecListeners[] => [
            { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes },
            ...(this.tls ? uniqueSorted(this.resolved.hosts).map((h) => ({
              name: `https-${hostSlug(h)}`,
              hostname: h,
              port: 443,
              protocol: 'HTTPS',
              tls: {
                mode: gwapi.GatewaySpecListenersTlsMode.TERMINATE,
                certificateRefs: [{ group: '', kind: 'Secret', name: this.secretNameFor(h)! }],
              },
              allowedRoutes,
            })) : []),
          ],
        }) as gwapi.GatewaySpecListeners[],
      },
    });
    syncWave(this.gatewayApiGateway, Wave.GATEWAY);
    if (this.tls) {
      // No hostnames: every plain-HTTP request on the gateway is redirected. cert-manager's HTTP-01
      // solver routes name a host and path, so they take precedence.
      this.redirect = new kinds.HttpRoute(this, 'HttpsRedirect', {
        metadata: { name: `${this.name}-https-redirect`, labels: this.labels },
        spec: {
          parentRefs: [{ name: this.name, sectionName: 'http' }],
          rules: [{
            filters: [{
              type: gwapi.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: {
                scheme: gwapi.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                statusCode: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
              },
            }],
          }],
        },
      });
      syncWave(this.redirect, Wave.GATEWAY);
    }
  }

  private httpRouteFor(host: string): void {
    const slug = hostSlug(host);
    const route = new kinds.HttpRoute(this, `HttpRoute-${slug}`, {
      metadata: { name: `${this.name}-${slug}`, labels: this.labels },
      spec: {
        parentRefs: [{ name: this.name, sectionName: this.tls ? `https-${slug}` : 'http' }],
        hostnames: [host],
        rules: Lazy.any({ produce: () => this.routesOf(host).map((r) => this.httpRouteRule(r)) }) as gwapi.HttpRouteSpecRules[],
      },
    });
    syncWave(route, Wave.GATEWAY);
    this.httpRoutes.push(route);
  }

  private httpRouteRule(r: Route): gwapi.HttpRouteSpecRules {
    const filters: gwapi.HttpRouteSpecRulesFilters[] = [];
    if (r.rewrite !== undefined) {
      filters.push({
        type: gwapi.HttpRouteSpecRulesFiltersType.URL_REWRITE,
        urlRewrite: {
          path: r.match === 'Prefix'
            ? { type: gwapi.HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: r.rewrite }
            : { type: gwapi.HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_FULL_PATH, replaceFullPath: r.rewrite },
        },
      });
    }
    if (this.tls?.hsts) {
      filters.push({
        type: gwapi.HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER,
        responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: HSTS_VALUE }] },
      });
    }
    return {
      matches: [{
        path: {
          type: r.match === 'Prefix' ? gwapi.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX : gwapi.HttpRouteSpecRulesMatchesPathType.EXACT,
          value: r.path,
        },
      }],
      filters: filters.length ? filters : undefined,
      backendRefs: r.backends.map((b) => ({ name: b.service.serviceName, port: b.port.port, weight: b.weight })),
      timeouts: r.timeoutSeconds !== undefined ? { request: `${r.timeoutSeconds}s` } : undefined,
    };
  }

  // istio -----------------------------------------------------------------

  /** `callers` and, with `allowSameNamespace`, the namespace, admitted to every workload. */
  private buildAuthorizationPolicy(): istiosec.AuthorizationPolicy {
    const o = this.istioOptions;
    const from: istiosec.AuthorizationPolicySpecRulesFrom[] = o.callers.length > 0 ? [{ source: { principals: [...o.callers] } }] : [];
    if (o.allowSameNamespace) from.push({ source: { namespaces: [Chart.of(this).namespace!] } });
    return new kinds.AuthorizationPolicy(this, 'AuthorizationPolicy', {
      metadata: { name: `${this.name}-callers`, labels: this.labels },
      spec: { action: istiosec.AuthorizationPolicySpecAction.ALLOW, rules: [{ from }] },
    });
  }

  private ensureIstioGateway(): void {
    if (this.istioGw) return;
    this.istioGw = new kinds.IstioGateway(this, 'IstioGateway', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        selector: { ...this.istioOptions.gatewaySelector },
        servers: Lazy.any({ produce: () => this.istioServers() }) as istio.GatewaySpecServers[],
      },
    });
    syncWave(this.istioGw, Wave.GATEWAY);
  }

  private istioServers(): istio.GatewaySpecServers[] {
    // `./host`: only VirtualServices in this namespace may bind to these hosts.
    const hosts = uniqueSorted(this.resolved.hosts);
    const servers: istio.GatewaySpecServers[] = [{
      port: { number: 80, name: 'http', protocol: 'HTTP' },
      hosts: hosts.map((h) => `./${h}`),
      tls: this.tls ? { httpsRedirect: true } : undefined,
    }];
    if (this.tls) {
      for (const h of hosts) {
        servers.push({
          port: { number: 443, name: `https-${hostSlug(h)}`, protocol: 'HTTPS' },
          hosts: [`./${h}`],
          tls: { mode: istio.GatewaySpecServersTlsMode.SIMPLE, credentialName: this.secretNameFor(h) },
        });
      }
    }
    return servers;
  }

  private virtualServiceFor(host: string): void {
    const slug = hostSlug(host);
    const vs = new kinds.VirtualService(this, `VirtualService-${slug}`, {
      metadata: { name: `${this.name}-${slug}`, labels: this.labels },
      spec: {
        hosts: [host],
        gateways: [this.name],
        http: Lazy.any({ produce: () => this.routesOf(host).flatMap((r) => this.istioHttp(r)) }) as istio.VirtualServiceSpecHttp[],
      },
    });
    syncWave(vs, Wave.GATEWAY);
    this.virtualServices.push(vs);
  }

  /**
   * Istio's `prefix` is a plain string prefix and its routes match first-come: a Prefix route becomes
   * an exact match plus a `<path>/` prefix (two entries when rewriting, as the rewrite differs).
   */
  private istioHttp(r: Route): istio.VirtualServiceSpecHttp[] {
    const common: istio.VirtualServiceSpecHttp = {
      route: r.backends.map((b) => ({
        destination: { host: b.service.host, port: { number: b.port.port } },
        weight: b.weight,
      })),
      timeout: r.timeoutSeconds !== undefined ? `${r.timeoutSeconds}s` : undefined,
      retries: r.retries !== undefined ? (r.retries === 0 ? { attempts: 0 } : { attempts: r.retries, retryOn: ISTIO_RETRY_ON }) : undefined,
      headers: this.tls?.hsts ? { response: { set: { 'Strict-Transport-Security': HSTS_VALUE } } } : undefined,
    };
    const exact = { uri: { exact: r.path } };
    if (r.match === 'Exact') {
      return [{ match: [exact], rewrite: r.rewrite !== undefined ? { uri: r.rewrite } : undefined, ...common }];
    }
    if (r.path === '/') {
      return [{ match: [{ uri: { prefix: '/' } }], rewrite: r.rewrite !== undefined ? { uri: withSlash(r.rewrite) } : undefined, ...common }];
    }
    const prefix = { uri: { prefix: `${r.path}/` } };
    if (r.rewrite === undefined) return [{ match: [exact, prefix], ...common }];
    return [
      { match: [exact], rewrite: { uri: r.rewrite }, ...common },
      { match: [prefix], rewrite: { uri: withSlash(r.rewrite) }, ...common },
    ];
  }

  private ensureDestinationRule(service: IRoutable): void {
    const key = service.serviceName;
    if (this.perService.has(key)) return;
    const o = this.istioOptions;
    // One DestinationRule per host: the service may already have made it (session affinity).
    const { rule, policy } = destinationRuleFor(this, service, this.labels);
    policy.tls = { mode: istio.DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL };
    policy.connectionPool = {
      tcp: { maxConnections: o.maxConnections },
      http: { http1MaxPendingRequests: o.maxConnections, http2MaxRequests: o.maxConnections },
    };
    policy.outlierDetection = { consecutive5XxErrors: o.consecutive5xxErrors, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 };
    // Gateway and sidecars send requests to pod endpoints: the hash is what keeps a client on one pod.
    if (service.sessionAffinity) policy.loadBalancer ??= { consistentHash: { useSourceIp: true } };
    this.perService.set(key, rule);
    this.destinationRules.push(rule);
  }

  /**
   * In-mesh callers reach a service by its cluster host, so a split the gateway makes for
   * outside traffic would pass them by: a VirtualService on the `mesh` gateway gives them the
   * same weights for every request to the stable service (they call its own paths, not the
   * route's). The first weighted route of a stable service sets them.
   */
  private ensureMeshSplit(route: Route): void {
    const stable = route.backends[0].service;
    if (this.meshSplits.has(stable.serviceName)) return;
    this.meshSplits.add(stable.serviceName);
    // The split sends the stable service's in-mesh callers to the other backends too.
    for (const b of route.backends.slice(1)) stable.connections.splitTo(b.service);
    const vs = new kinds.VirtualService(this, `MeshVirtualService-${stable.serviceName}`, {
      metadata: { name: `${this.name}-mesh-${stable.serviceName}`, labels: this.labels },
      spec: {
        hosts: [stable.host],
        gateways: ['mesh'],
        http: [{
          route: route.backends.map((b) => ({ destination: { host: b.service.host, port: { number: b.port.port } }, weight: b.weight })),
        }],
      },
    });
    syncWave(vs, Wave.GATEWAY);
    this.virtualServices.push(vs);
  }

  // nodeport --------------------------------------------------------------

  private addNodePort(route: Route): void {
    const b = route.backends[0];
    const key = b.service.serviceName;
    const existing = this.nodePortsOf.get(key);
    if (existing) {
      existing.push(route);
      return;
    }
    const routes: Route[] = [route];
    this.nodePortsOf.set(key, routes);
    const svc = new kinds.KubeService(this, `NodePort-${key}`, {
      metadata: { name: `${this.name}-${key}`, labels: this.labels },
      spec: {
        type: 'NodePort',
        selector: { ...b.service.connections.selector },
        // kube-proxy applies it to node-port traffic too (the client address may be a node's, behind SNAT).
        ...(b.service.sessionAffinity
          ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: b.service.sessionAffinity.timeoutSeconds } } }
          : {}),
        ports: Lazy.any({
          produce: (): k8s.ServicePort[] => {
            const seen = new Map<string, k8s.ServicePort>();
            for (const r of routes) {
              const p = r.backends[0].port;
              seen.set(p.name, {
                name: p.name,
                port: p.port,
                targetPort: k8s.IntOrString.fromNumber(p.targetPort),
                nodePort: r.nodePort,
                protocol: p.protocol ?? 'TCP',
              });
            }
            return [...seen.values()].sort((x, y) => x.port - y.port);
          },
        }) as k8s.ServicePort[],
      },
    });
    syncWave(svc, Wave.GATEWAY);
    this.nodePortServices.push(svc);
  }
}

/** The props that are set, so that spreading them over defaults keeps the defaults. */
function withoutUndefined<T extends object>(props: T): T {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as T;
}

/** `shop.example.com` → `shop-example-com`; `*.example.com` → `wildcard-example-com`. */
function hostSlug(host: string): string {
  return host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-');
}

function withSlash(path: string): string {
  return path === '/' ? '/' : `${path}/`;
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Exact before Prefix, longer paths first: the order Istio needs and a stable one for the others. */
function bySpecificity(a: Route, b: Route): number {
  if (a.match !== b.match) return a.match === 'Exact' ? -1 : 1;
  return b.path.length - a.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/**
 * A path on a host where ingress-nginx matches by regex: `ImplementationSpecific`, with capture
 * groups that keep element-wise Prefix semantics and feed `rewrite-target`.
 */
function ingressPath(r: Route, regex: boolean): { path: string; pathType: string } {
  if (!regex) return { path: r.path, pathType: r.match };
  if (r.match === 'Exact') return { path: `${r.path}$`, pathType: 'ImplementationSpecific' };
  return { path: r.path === '/' ? '/(.*)' : `${r.path}(/|$)(.*)`, pathType: 'ImplementationSpecific' };
}

/** The nginx annotations a route needs for itself, as a stable key. */
function annotationKey(r: Route): string {
  const a: Record<string, string> = {};
  // ingress-nginx balances over pod endpoints, so the Service's ClientIP affinity never applies: hash by client address here.
  if (r.backends.length === 1 && r.backends[0].service.sessionAffinity) a[`${NGINX}/upstream-hash-by`] = '$remote_addr';
  if (r.retries !== undefined) a[`${NGINX}/proxy-next-upstream-tries`] = String(r.retries + 1);
  if (r.timeoutSeconds !== undefined) {
    a[`${NGINX}/proxy-read-timeout`] = String(r.timeoutSeconds);
    a[`${NGINX}/proxy-send-timeout`] = String(r.timeoutSeconds);
  }
  if (r.rewrite !== undefined) a[`${NGINX}/rewrite-target`] = rewriteTarget(r, r.rewrite);
  return JSON.stringify(a);
}

function rewriteTarget(r: Route, to: string): string {
  if (r.match === 'Exact') return to;
  if (r.path === '/') return to === '/' ? '/$1' : `${to}/$1`;
  return to === '/' ? '/$2' : `${to}$1$2`;
}

// ---------------------------------------------------------------- run-time prop shapes

const ROUTE_SETTINGS = {
  host: req(str),
  path: opt(str),
  match: opt(text<PathMatch>()),
  rewrite: opt(str),
  timeout: opt(DURATION),
  retries: opt(num),
  nodePort: opt(num),
};
const ROUTE_BACKEND = object<RouteBackend>('RouteBackend', { service: req(ROUTABLE), port: opt(str) });
const GATEWAY_ROUTE = object<GatewayRoute>('GatewayRoute', {
  ...ROUTE_SETTINGS,
  backend: opt(ROUTE_BACKEND),
  backends: opt(arrayOf(object<WeightedBackend>('WeightedBackend', { service: req(ROUTABLE), port: opt(str), weight: req(num) }))),
});
const ROUTE_TO_OPTIONS = object<RouteToOptions>('RouteToOptions', { ...ROUTE_SETTINGS, port: opt(str) });

const INGRESS_GATEWAY_PROPS = propsOf<IngressGatewayProps>('IngressGateway', {
  name: opt(str),
  mode: opt(text<GatewayMode>()),
  capabilities: opt(object<GatewayCapabilities>('GatewayCapabilities', {
    ingressNginx: req(bool), gatewayApi: req(bool), istio: req(bool), certManager: req(bool),
  })),
  routes: opt(arrayOf(GATEWAY_ROUTE)),
  tls: opt(object<GatewayTls>('GatewayTls', {
    issuer: opt(object<CertificateIssuer>('CertificateIssuer', { name: req(str), kind: req(text<CertificateIssuer['kind']>()) })),
    secretName: opt(str),
    hsts: opt(bool),
  })),
  ingressClassName: opt(str),
  gatewayClassName: opt(str),
  controllerNamespace: opt(str),
  istio: opt(object<IstioGatewayOptions>('IstioGatewayOptions', {
    gatewaySelector: opt(STRING_MAP),
    gatewayPrincipal: opt(str),
    callers: opt(STRINGS),
    allowSameNamespace: opt(bool),
    maxConnections: opt(num),
    consecutive5xxErrors: opt(num),
  })),
});

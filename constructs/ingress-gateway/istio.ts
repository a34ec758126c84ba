// The IngressGateway's `istio` mode: an Istio Gateway, VirtualServices, DestinationRules,
// STRICT PeerAuthentication and the callers' AuthorizationPolicy. Siblings: ./renderer.ts (the
// interface), ./ingress.ts, ./gateway-api.ts, ./nodeport.ts (the other modes), ./modes.ts (the
// table), ./routes.ts (the route model); the gateway is ../ingress-gateway.ts.
import { Chart, Lazy } from 'cdk8s';
import * as istio from '../../imports/networking.istio.io';
import * as istiosec from '../../imports/security.istio.io';
import type { IstioGatewayOptions } from '../ingress-gateway';
import { NetworkPeer, Peer } from '../core/connections';
import { destinationRuleFor } from '../core/destination-rules';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import { IRoutable } from '../core/routable';
import { syncWave, Wave } from '../core/waves';
import { Certificates } from './certificates';
import { admit, GatewayModeSpec, GatewayRenderer, GatewaySettings, HSTS_VALUE, RendererContext, secretNameFor } from './renderer';
import { hostSlug, Route, uniqueSorted } from './routes';

const ISTIO_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';
const PRINCIPAL = /^[^/\s]+\/ns\/[^/\s]+\/sa\/[^/\s]+$/;

export const ISTIO_MODE: GatewayModeSpec = {
  controllerNamespace: 'istio-system',
  needs: { capability: 'istio', what: 'Istio' },
  checkProps,
  render: (ctx) => new IstioRenderer(ctx),
};

/** `istio` with its defaults applied. */
function istioOptions(g: GatewaySettings): Required<IstioGatewayOptions> {
  const io = g.props.istio ?? {};
  return {
    gatewaySelector: io.gatewaySelector ?? { istio: 'ingressgateway' },
    gatewayPrincipal: io.gatewayPrincipal ?? `cluster.local/ns/${g.controllerNamespace}/sa/istio-ingressgateway-service-account`,
    callers: io.callers ?? [],
    allowSameNamespace: io.allowSameNamespace ?? false,
    maxConnections: io.maxConnections ?? 1024,
    consecutive5xxErrors: io.consecutive5xxErrors ?? 5,
  };
}

function checkProps(p: Problems, g: GatewaySettings): void {
  const o = istioOptions(g);
  p.check(Object.keys(o.gatewaySelector).length > 0, 'istio.gatewaySelector', 'must name at least one label of the ingress gateway pods', o.gatewaySelector);
  p.check(PRINCIPAL.test(o.gatewayPrincipal), 'istio.gatewayPrincipal', 'must be an Istio principal \'<trust domain>/ns/<namespace>/sa/<service account>\'', o.gatewayPrincipal);
  o.callers.forEach((c, i) => {
    p.check(PRINCIPAL.test(c), `istio.callers[${i}]`, 'must be an Istio principal \'<trust domain>/ns/<namespace>/sa/<service account>\'', c);
  });
  p.check(Number.isInteger(o.maxConnections) && o.maxConnections >= 1, 'istio.maxConnections', 'must be an integer >= 1', o.maxConnections);
  p.check(Number.isInteger(o.consecutive5xxErrors) && o.consecutive5xxErrors >= 1, 'istio.consecutive5xxErrors', 'must be an integer >= 1', o.consecutive5xxErrors);
  if (o.allowSameNamespace) {
    p.check(Chart.of(g.scope).namespace !== undefined, 'istio.allowSameNamespace', 'needs the chart to have a namespace', true);
  }
}

function withSlash(path: string): string {
  return path === '/' ? '/' : `${path}/`;
}

/**
 * Gateway `<name>`, one VirtualService `<name>-<host>` per host, a DestinationRule per routed
 * service (ISTIO_MUTUAL, connection pool, outlier detection) and PeerAuthentication `<name>` (STRICT)
 * for the namespace; each routed service admits the gateway's pods (NetworkPolicy) and its principal
 * (the service's own AuthorizationPolicy) on the routed port only.
 */
class IstioRenderer implements GatewayRenderer {
  private readonly options: Required<IstioGatewayOptions>;
  /** The gateway's pods by their labels and their identity. */
  private readonly peer: NetworkPeer;
  private readonly certificates: Certificates;
  private readonly ruled = new Set<string>();
  private readonly meshSplits = new Set<string>();

  constructor(private readonly ctx: RendererContext) {
    this.options = istioOptions(ctx);
    const o = this.options;
    this.peer = Peer.namespace(ctx.controllerNamespace, o.gatewaySelector, o.gatewayPrincipal);
    // An Istio gateway reads its Secrets from its own namespace.
    this.certificates = new Certificates(ctx, ctx.controllerNamespace);
    ctx.objects.peerAuthentication = new kinds.PeerAuthentication(ctx.scope, 'PeerAuthentication', {
      metadata: { name: ctx.name, labels: ctx.labels },
      spec: { mtls: { mode: istiosec.PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    if (o.callers.length > 0 || o.allowSameNamespace) ctx.objects.authorizationPolicy = this.authorizationPolicy();
  }

  public add(route: Route, newHost: boolean): void {
    admit(this.peer, route.backends);
    if (newHost) this.certificates.forHost(route.host);
    this.ensureGateway();
    if (newHost) this.virtualServiceFor(route.host);
    for (const b of route.backends) this.ensureDestinationRule(b.service);
    if (route.backends.length === 2) this.ensureMeshSplit(route);
  }

  /** `callers` and, with `allowSameNamespace`, the namespace, admitted to every workload. */
  private authorizationPolicy(): istiosec.AuthorizationPolicy {
    const o = this.options;
    const from: istiosec.AuthorizationPolicySpecRulesFrom[] = o.callers.length > 0 ? [{ source: { principals: [...o.callers] } }] : [];
    if (o.allowSameNamespace) from.push({ source: { namespaces: [Chart.of(this.ctx.scope).namespace!] } });
    return new kinds.AuthorizationPolicy(this.ctx.scope, 'AuthorizationPolicy', {
      metadata: { name: `${this.ctx.name}-callers`, labels: this.ctx.labels },
      spec: { action: istiosec.AuthorizationPolicySpecAction.ALLOW, rules: [{ from }] },
    });
  }

  private ensureGateway(): void {
    const { ctx } = this;
    if (ctx.objects.istioGateway) return;
    const gateway = new kinds.IstioGateway(ctx.scope, 'IstioGateway', {
      metadata: { name: ctx.name, labels: ctx.labels },
      spec: {
        selector: { ...this.options.gatewaySelector },
        servers: Lazy.any({ produce: () => this.servers() }) as istio.GatewaySpecServers[],
      },
    });
    syncWave(gateway, Wave.GATEWAY);
    ctx.objects.istioGateway = gateway;
  }

  private servers(): istio.GatewaySpecServers[] {
    const tls = this.ctx.tls;
    // `./host`: only VirtualServices in this namespace may bind to these hosts.
    const hosts = uniqueSorted(this.ctx.routes.hosts);
    const servers: istio.GatewaySpecServers[] = [{
      port: { number: 80, name: 'http', protocol: 'HTTP' },
      hosts: hosts.map((h) => `./${h}`),
      tls: tls ? { httpsRedirect: true } : undefined,
    }];
    if (tls) {
      for (const h of hosts) {
        servers.push({
          port: { number: 443, name: `https-${hostSlug(h)}`, protocol: 'HTTPS' },
          hosts: [`./${h}`],
          tls: { mode: istio.GatewaySpecServersTlsMode.SIMPLE, credentialName: secretNameFor(tls, h) },
        });
      }
    }
    return servers;
  }

  private virtualServiceFor(host: string): void {
    const { ctx } = this;
    const slug = hostSlug(host);
    const vs = new kinds.VirtualService(ctx.scope, `VirtualService-${slug}`, {
      metadata: { name: `${ctx.name}-${slug}`, labels: ctx.labels },
      spec: {
        hosts: [host],
        gateways: [ctx.name],
        http: Lazy.any({ produce: () => ctx.routes.ofHostBySpecificity(host).flatMap((r) => this.http(r)) }) as istio.VirtualServiceSpecHttp[],
      },
    });
    syncWave(vs, Wave.GATEWAY);
    ctx.objects.virtualServices.push(vs);
  }

  /**
   * Istio's `prefix` is a plain string prefix and its routes match first-come: a Prefix route becomes
   * an exact match plus a `<path>/` prefix (two entries when rewriting, as the rewrite differs).
   */
  private http(r: Route): istio.VirtualServiceSpecHttp[] {
    const common: istio.VirtualServiceSpecHttp = {
      route: r.backends.map((b) => ({
        destination: { host: b.service.host, port: { number: b.port.port } },
        weight: b.weight,
      })),
      timeout: r.timeoutSeconds !== undefined ? `${r.timeoutSeconds}s` : undefined,
      retries: r.retries !== undefined ? (r.retries === 0 ? { attempts: 0 } : { attempts: r.retries, retryOn: ISTIO_RETRY_ON }) : undefined,
      headers: this.ctx.tls?.hsts ? { response: { set: { 'Strict-Transport-Security': HSTS_VALUE } } } : undefined,
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
    if (this.ruled.has(key)) return;
    const o = this.options;
    // One DestinationRule per host: the service may already have made it (session affinity).
    const { rule, policy } = destinationRuleFor(this.ctx.scope, service, this.ctx.labels);
    policy.tls = { mode: istio.DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL };
    policy.connectionPool = {
      tcp: { maxConnections: o.maxConnections },
      http: { http1MaxPendingRequests: o.maxConnections, http2MaxRequests: o.maxConnections },
    };
    policy.outlierDetection = { consecutive5XxErrors: o.consecutive5xxErrors, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 };
    // Gateway and sidecars send requests to pod endpoints: the hash is what keeps a client on one pod.
    if (service.sessionAffinity) policy.loadBalancer ??= { consistentHash: { useSourceIp: true } };
    this.ruled.add(key);
    this.ctx.objects.destinationRules.push(rule);
  }

  /**
   * In-mesh callers reach a service by its cluster host, so a split the gateway makes for
   * outside traffic would pass them by: a VirtualService on the `mesh` gateway gives them the
   * same weights for every request to the stable service (they call its own paths, not the
   * route's). The first weighted route of a stable service sets them.
   */
  private ensureMeshSplit(route: Route): void {
    const { ctx } = this;
    const stable = route.backends[0].service;
    if (this.meshSplits.has(stable.serviceName)) return;
    this.meshSplits.add(stable.serviceName);
    // The split sends the stable service's in-mesh callers to the other backends too.
    for (const b of route.backends.slice(1)) stable.connections.splitTo(b.service);
    const vs = new kinds.VirtualService(ctx.scope, `MeshVirtualService-${stable.serviceName}`, {
      metadata: { name: `${ctx.name}-mesh-${stable.serviceName}`, labels: ctx.labels },
      spec: {
        hosts: [stable.host],
        gateways: ['mesh'],
        http: [{
          route: route.backends.map((b) => ({ destination: { host: b.service.host, port: { number: b.port.port } }, weight: b.weight })),
        }],
      },
    });
    syncWave(vs, Wave.GATEWAY);
    ctx.objects.virtualServices.push(vs);
  }
}

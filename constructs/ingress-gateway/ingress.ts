// The IngressGateway's `ingress` mode: ingress-nginx Ingresses, their annotations and TLS.
// Siblings: ./renderer.ts (the interface), ./gateway-api.ts, ./istio.ts, ./nodeport.ts (the other
// modes), ./modes.ts (the table), ./routes.ts (the route model); the gateway is ../ingress-gateway.ts.
import { Lazy } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { NetworkPeer, Peer } from '../core/connections';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import { syncWave, Wave } from '../core/waves';
import { acmeSolverPolicy, Certificates } from './certificates';
import { admit, GatewayModeSpec, GatewayRenderer, GatewaySettings, RendererContext, secretNameFor } from './renderer';
import { bySpecificity, hostSlug, Route, RouteIndex, uniqueSorted } from './routes';

const NGINX = 'nginx.ingress.kubernetes.io';

export const INGRESS_MODE: GatewayModeSpec = {
  controllerNamespace: 'ingress-nginx',
  needs: { capability: 'ingressNginx', what: 'ingress-nginx' },
  refuses: { hstsOff: 'cannot be turned off in ingress mode: ingress-nginx sets HSTS controller-wide (ConfigMap \'hsts\')' },
  checkAgainst,
  ownName: (gatewayName, route) => ownIngressName(gatewayName, route),
  render: (ctx) => new IngressRenderer(ctx),
};

/** One canary weight per gateway, and own-Ingress names that don't collide. */
function checkAgainst(p: Problems, at: string, route: Route, before: RouteIndex, gateway: GatewaySettings): void {
  const canary = route.backends[1];
  const other = before.firstCanary;
  if (canary && other && other.backends[1].weight !== canary.weight) {
    p.add(`${at}.backends`, `canary weight must equal routes[${other.index}]'s (${other.backends[1].weight}): `
      + 'ingress-nginx takes one canary-weight per canary Ingress and every canary route goes to one', canary.weight);
  }
  const own = ownIngressName(gateway.name, route);
  const clash = own && before.withOwnName(own);
  if (clash) {
    p.add(`${at}.path`, `needs its own Ingress "${own}" for its nginx annotations, and routes[${clash.index}] already has that name: `
      + 'use paths that differ by more than case and "-"/"_"', route.path);
  }
}

/**
 * ingress-nginx annotations apply per Ingress, so a route with a rewrite, timeout or retries gets an
 * Ingress of its own, named after its host and path: `<name>-<host>[-<path>][-exact]`.
 */
function ownIngressName(gatewayName: string, route: Route, key = annotationKey(route)): string | undefined {
  if (key === '{}') return undefined;
  const path = route.path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return [gatewayName, hostSlug(route.host), path, route.match === 'Exact' ? 'exact' : ''].filter((x) => x).join('-');
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

/**
 * A path on a host where ingress-nginx matches by regex: `ImplementationSpecific`, with capture
 * groups that keep element-wise Prefix semantics and feed `rewrite-target`.
 */
function ingressPath(r: Route, regex: boolean): { path: string; pathType: string } {
  if (!regex) return { path: r.path, pathType: r.match };
  if (r.match === 'Exact') return { path: `${r.path}$`, pathType: 'ImplementationSpecific' };
  return { path: r.path === '/' ? '/(.*)' : `${r.path}(/|$)(.*)`, pathType: 'ImplementationSpecific' };
}

interface IngressGroup {
  readonly ingress: k8s.KubeIngress;
  readonly routes: Route[];
}

/**
 * `<name>` holds the plain routes; a route that needs annotations of its own (rewrite, timeout,
 * retries, session affinity) gets its own Ingress, and canary backends go to `<name>-canary` (one
 * `canary-weight`). A host with a rewrite is matched by regex on all its paths, as ingress-nginx
 * applies `use-regex` host-wide. TLS: `ssl-redirect`; HSTS comes from the controller's ConfigMap.
 */
class IngressRenderer implements GatewayRenderer {
  private readonly peer: NetworkPeer;
  private readonly certificates: Certificates;
  private readonly className: string;
  private readonly groups = new Map<string, IngressGroup>();
  private readonly regexHosts = new Set<string>();

  constructor(private readonly ctx: RendererContext) {
    this.peer = Peer.namespace(ctx.controllerNamespace);
    this.className = ctx.props.ingressClassName ?? 'nginx';
    this.certificates = new Certificates(ctx);
    acmeSolverPolicy(ctx, this.peer);
  }

  public add(route: Route, newHost: boolean): void {
    admit(this.peer, route.backends);
    if (newHost) this.certificates.forHost(route.host);
    if (route.rewrite !== undefined) this.regexHosts.add(route.host);
    const key = annotationKey(route);
    this.group(ownIngressName(this.ctx.name, route, key) ?? this.ctx.name, key, false).routes.push(route);
    if (route.backends.length === 2) {
      this.group(`${this.ctx.name}-canary`, '{}', true).routes.push(route);
    }
  }

  private group(name: string, key: string, canary: boolean): IngressGroup {
    const existing = this.groups.get(name);
    if (existing) return existing;
    const { ctx } = this;
    const routes: Route[] = [];
    const annotations: Record<string, string> = { ...(JSON.parse(key) as Record<string, string>) };
    // Every Ingress carries its hosts' TLS, so ssl-redirect (not force-ssl-redirect, which loops behind a
    // TLS-terminating load balancer unless forwarded headers are trusted) redirects exactly these hosts.
    if (ctx.tls) annotations[`${NGINX}/ssl-redirect`] = 'true';
    if (canary) {
      annotations[`${NGINX}/canary`] = 'true';
      annotations[`${NGINX}/canary-weight`] = Lazy.any({ produce: () => String(routes[0].backends[1].weight) }) as string;
    }
    // ingress-nginx turns regex matching on for a whole host once any of its Ingresses asks for it.
    annotations[`${NGINX}/use-regex`] = Lazy.any({
      produce: () => (routes.some((r) => this.regexHosts.has(r.host)) ? 'true' : undefined),
    }) as string;
    const ingress = new kinds.KubeIngress(ctx.scope, `Ingress-${name}`, {
      metadata: { name, labels: ctx.labels, annotations },
      spec: {
        ingressClassName: this.className,
        tls: Lazy.any({ produce: () => this.tls(routes) }) as k8s.IngressTls[],
        rules: Lazy.any({ produce: () => this.rules(routes, canary) }) as k8s.IngressRule[],
      },
    });
    syncWave(ingress, Wave.GATEWAY);
    const group: IngressGroup = { ingress, routes };
    this.groups.set(name, group);
    ctx.objects.ingresses.push(ingress);
    if (name === ctx.name) ctx.objects.ingress = ingress;
    else if (name === `${ctx.name}-canary`) ctx.objects.canaryIngress = ingress;
    return group;
  }

  private tls(routes: readonly Route[]): k8s.IngressTls[] | undefined {
    const tls = this.ctx.tls;
    if (!tls) return undefined;
    const hosts = uniqueSorted(routes.map((r) => r.host));
    if (tls.secretName !== undefined) return [{ hosts, secretName: tls.secretName }];
    return hosts.map((h) => ({ hosts: [h], secretName: secretNameFor(tls, h) }));
  }

  private rules(routes: readonly Route[], canary: boolean): k8s.IngressRule[] {
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
}

// The IngressGateway's `gateway-api` mode: a Gateway API Gateway, one HTTPRoute per host and the
// HTTPS redirect. Siblings: ./renderer.ts (the interface), ./ingress.ts, ./istio.ts, ./nodeport.ts
// (the other modes), ./modes.ts (the table), ./routes.ts (the route model); the gateway is ../ingress-gateway.ts.
import { Lazy } from 'cdk8s';
import * as gwapi from '../../imports/gateway.networking.k8s.io';
import { NetworkPeer, Peer } from '../core/connections';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import { syncWave, Wave } from '../core/waves';
import { acmeSolverPolicy, Certificates } from './certificates';
import { admit, GatewayModeSpec, GatewayRenderer, HSTS_VALUE, RendererContext, secretNameFor } from './renderer';
import { hostSlug, Route, RouteIndex, uniqueSorted } from './routes';

/** The most rules an HTTPRoute holds. */
const MAX_RULES = 16;

export const GATEWAY_API_MODE: GatewayModeSpec = {
  controllerNamespace: 'envoy-gateway-system',
  needs: { capability: 'gatewayApi', what: 'the Gateway API CRDs and a controller' },
  refuses: {
    retries: 'is not supported in gateway-api mode (HTTPRoute retries are not in the Gateway API standard channel)',
    affinity: 'asks for ClientIP session affinity, which gateway-api mode can\'t carry: the Gateway API standard channel has no session persistence (use ingress or istio mode, or drop the affinity)',
  },
  checkAgainst,
  render: (ctx) => new GatewayApiRenderer(ctx),
};

/** A host's routes are the rules of its one HTTPRoute. */
function checkAgainst(p: Problems, at: string, route: Route, before: RouteIndex): void {
  const n = before.ofHost(route.host).length;
  p.check(n < MAX_RULES, at, `would be route ${n + 1} of host "${route.host}": an HTTPRoute holds at most ${MAX_RULES} rules`, route.host);
}

/**
 * Gateway `<name>` (an `http` listener, and an `https-<host>` listener per host with TLS), one
 * HTTPRoute `<name>-<host>` per host, and `<name>-https-redirect` on the `http` listener.
 */
class GatewayApiRenderer implements GatewayRenderer {
  private readonly peer: NetworkPeer;
  private readonly certificates: Certificates;

  constructor(private readonly ctx: RendererContext) {
    this.peer = Peer.namespace(ctx.controllerNamespace);
    this.certificates = new Certificates(ctx);
    acmeSolverPolicy(ctx, this.peer);
  }

  public add(route: Route, newHost: boolean): void {
    admit(this.peer, route.backends);
    if (newHost) this.certificates.forHost(route.host);
    this.ensureGateway();
    if (newHost) this.httpRouteFor(route.host);
  }

  private ensureGateway(): void {
    const { ctx } = this;
    if (ctx.objects.gateway) return;
    const allowedRoutes = { namespaces: { from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    const gateway = new kinds.GatewayApiGateway(ctx.scope, 'Gateway', {
      metadata: { name: ctx.name, labels: ctx.labels },
      spec: {
        gatewayClassName: ctx.props.gatewayClassName ?? 'eg',
        listeners: Lazy.any({
          produce: (): gwapi.GatewaySpecListeners[] => [
            { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes },
            ...(ctx.tls ? uniqueSorted(ctx.routes.hosts).map((h) => ({
              name: `https-${hostSlug(h)}`,
              hostname: h,
              port: 443,
              protocol: 'HTTPS',
              tls: {
                mode: gwapi.GatewaySpecListenersTlsMode.TERMINATE,
                certificateRefs: [{ group: '', kind: 'Secret', name: secretNameFor(ctx.tls, h)! }],
              },
              allowedRoutes,
            })) : []),
          ],
        }) as gwapi.GatewaySpecListeners[],
      },
    });
    syncWave(gateway, Wave.GATEWAY);
    ctx.objects.gateway = gateway;
    if (ctx.tls) {
      // No hostnames: every plain-HTTP request on the gateway is redirected. cert-manager's HTTP-01
      // solver routes name a host and path, so they take precedence.
      const redirect = new kinds.HttpRoute(ctx.scope, 'HttpsRedirect', {
        metadata: { name: `${ctx.name}-https-redirect`, labels: ctx.labels },
        spec: {
          parentRefs: [{ name: ctx.name, sectionName: 'http' }],
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
      syncWave(redirect, Wave.GATEWAY);
      ctx.objects.redirectRoute = redirect;
    }
  }

  private httpRouteFor(host: string): void {
    const { ctx } = this;
    const slug = hostSlug(host);
    const route = new kinds.HttpRoute(ctx.scope, `HttpRoute-${slug}`, {
      metadata: { name: `${ctx.name}-${slug}`, labels: ctx.labels },
      spec: {
        parentRefs: [{ name: ctx.name, sectionName: ctx.tls ? `https-${slug}` : 'http' }],
        hostnames: [host],
        rules: Lazy.any({ produce: () => ctx.routes.ofHostBySpecificity(host).map((r) => this.rule(r)) }) as gwapi.HttpRouteSpecRules[],
      },
    });
    syncWave(route, Wave.GATEWAY);
    ctx.objects.httpRoutes.push(route);
  }

  private rule(r: Route): gwapi.HttpRouteSpecRules {
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
    if (this.ctx.tls?.hsts) {
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
}

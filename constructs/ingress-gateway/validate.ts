// The IngressGateway's checks: the run-time shapes of its props and routes, the props, and each
// route against the props and the routes before it. A mode's own checks and refusals are in its
// GatewayModeSpec (./<mode>.ts, interface in ./renderer.ts); the route model is ./routes.ts.
import { Chart } from 'cdk8s';
import type {
  CertificateIssuer, GatewayCapabilities, GatewayMode, GatewayRoute, GatewayTls, IngressGatewayProps, IstioGatewayOptions,
  PathMatch, RouteBackend, RouteToOptions, WeightedBackend,
} from '../ingress-gateway';
import { ServicePort } from '../core/connections';
import { Problems } from '../core/errors';
import { isDns1123Label, isDns1123Subdomain, isHostname } from '../core/names';
import { DURATION, ROUTABLE, STRING_MAP, STRINGS } from '../core/prop-shapes';
import { arrayOf, bool, num, object, opt, propsOf, req, str, text } from '../core/props';
import { GATEWAY_MODES } from './modes';
import { GatewayModeSpec, GatewaySettings } from './renderer';
import { Backend, Route, RouteIndex } from './routes';

const PATH = /^\/([A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*)?$/;

/** The props, the mode's own checks included (`spec` undefined: `mode` names no mode). */
export function validateProps(p: Problems, g: GatewaySettings, spec: GatewayModeSpec | undefined): void {
  const { props, mode, name } = g;
  const caps = props.capabilities!;
  p.check(isDns1123Label(name), 'name', 'must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)', name);
  if (!spec) {
    p.add('mode', `must be one of ${Object.keys(GATEWAY_MODES).join(', ')}`, mode);
  } else if (spec.needs && !caps[spec.needs.capability]) {
    p.add('mode', `needs ${spec.needs.what} in the cluster, but capabilities.${spec.needs.capability} is false`, mode);
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
    if (spec?.refuses?.tls) {
      p.add('tls', spec.refuses.tls, tls);
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
    if (spec?.refuses?.hstsOff && tls.hsts === false) p.add('tls.hsts', spec.refuses.hstsOff, false);
  }
  spec?.checkProps?.(p, g);
}

/** Checks one route against the props and the routes before it; returns it resolved when it is valid. */
export function validateRoute(
  p: Problems, at: string, r: GatewayRoute, index: number, before: RouteIndex, g: GatewaySettings, spec: GatewayModeSpec | undefined,
): Route | undefined {
  const start = p.count;
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
    const port = checkBackend(p, bat, b, g);
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
      if (spec?.refuses?.retries) p.add(`${at}.retries`, spec.refuses.retries, r.retries);
    }
  }
  spec?.checkRoute?.(p, at, r);
  checkAffinity(p, at, backends, spec);
  if (p.count > start) return undefined;

  const route: Route = { index, host: r.host, path, match, backends, rewrite: r.rewrite, timeoutSeconds, retries: r.retries, nodePort: r.nodePort };
  const dup = before.same(route);
  if (dup) {
    p.add(at, `duplicates the host, match and path of routes[${dup.index}]`, `${route.match} ${route.host}${route.path}`);
  }
  spec?.checkAgainst?.(p, at, route, before, g);
  return p.count > start ? undefined : route;
}

/** Session affinity the mode can carry: refused where it can't hold. */
function checkAffinity(p: Problems, at: string, backends: readonly Backend[], spec: GatewayModeSpec | undefined): void {
  const pinned = backends.filter((b) => b.service.sessionAffinity !== undefined);
  if (pinned.length === 0) return;
  const names = pinned.map((b) => b.service.serviceName).join(', ');
  if (backends.length === 2) {
    p.add(`${at}.backends`, `can't split by weight to ${names}, which asks for ClientIP session affinity: the split is chosen per request, so a client's requests switch pods (drop the weights or the affinity)`, names);
  } else if (spec?.refuses?.affinity) {
    p.add(`${at}.backend.service`, spec.refuses.affinity, names);
  }
}

/** The backend's ServicePort, when the service is in the gateway's chart and has the named port. */
function checkBackend(p: Problems, at: string, b: RouteBackend, g: GatewaySettings): ServicePort | undefined {
  const chart = Chart.of(g.scope);
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
export const GATEWAY_ROUTE = object<GatewayRoute>('GatewayRoute', {
  ...ROUTE_SETTINGS,
  backend: opt(ROUTE_BACKEND),
  backends: opt(arrayOf(object<WeightedBackend>('WeightedBackend', { service: req(ROUTABLE), port: opt(str), weight: req(num) }))),
});
export const ROUTE_TO_OPTIONS = object<RouteToOptions>('RouteToOptions', { ...ROUTE_SETTINGS, port: opt(str) });

export const INGRESS_GATEWAY_PROPS = propsOf<IngressGatewayProps>('IngressGateway', {
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

// The route table of a stack: host + path → service:port, from Ingress, Gateway API
// HTTPRoutes and Istio VirtualServices, with whether the entry point terminates TLS.
import { groupOf, Manifest, specOf } from './shapes';

/** `yes`/`no`: the listener serves HTTPS or not; `mesh`: no edge gateway (sidecar to sidecar); `unknown`: the gateway is not in this stack. */
export type TlsState = 'yes' | 'no' | 'mesh' | 'unknown';

export interface RouteBackend {
  readonly service: string;
  readonly port?: string;
  /** Share of traffic, when split. */
  readonly weight?: number;
}

export interface Route {
  /** The object that declares it: `Ingress/web`. */
  readonly source: string;
  readonly host: string;
  readonly path: string;
  /** `Prefix`, `Exact`, `regex`… as the source API spells it. */
  readonly match: string;
  readonly backends: readonly RouteBackend[];
  readonly tls: TlsState;
  /** Secret or gateway that terminates TLS. */
  readonly tlsVia?: string;
}

/** Wildcard-aware host match: `*.example.com` covers `a.example.com`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.split('.').length === pattern.split('.').length;
  return false;
}

interface IngressBackend { service?: { name: string; port?: { number?: number; name?: string } } }
interface IngressSpec {
  defaultBackend?: IngressBackend;
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend: IngressBackend }[] } }[];
}

function ingressRoutes(m: Manifest): Route[] {
  const spec = specOf<IngressSpec>(m) ?? {};
  const source = `Ingress/${m.metadata.name}`;
  const tlsFor = (host: string): Pick<Route, 'tls' | 'tlsVia'> => {
    const t = (spec.tls ?? []).find((x) => (x.hosts ?? []).some((h) => hostMatches(h, host)));
    return t ? { tls: 'yes', ...(t.secretName ? { tlsVia: `secret ${t.secretName}` } : {}) } : { tls: 'no' };
  };
  const backend = (b: IngressBackend): RouteBackend[] => {
    if (!b.service) return [];
    const port = b.service.port?.number ?? b.service.port?.name;
    return [{ service: b.service.name, ...(port !== undefined ? { port: String(port) } : {}) }];
  };
  const routes: Route[] = [];
  for (const rule of spec.rules ?? []) {
    const host = rule.host ?? '*';
    for (const p of rule.http?.paths ?? []) {
      routes.push({ source, host, path: p.path ?? '/', match: p.pathType ?? 'Prefix', backends: backend(p.backend), ...tlsFor(host) });
    }
  }
  if (spec.defaultBackend) routes.push({ source, host: '*', path: '/', match: 'default', backends: backend(spec.defaultBackend), tls: 'no' });
  return routes;
}

interface HttpRouteSpec {
  parentRefs?: { name: string; sectionName?: string; kind?: string }[];
  hostnames?: string[];
  rules?: {
    matches?: { path?: { type?: string; value?: string } }[];
    backendRefs?: { name: string; port?: number; weight?: number; kind?: string }[];
  }[];
}
interface GatewaySpec { listeners?: { name: string; protocol: string; hostname?: string; tls?: { certificateRefs?: { name: string }[] } }[] }

function httpRoutes(m: Manifest, all: readonly Manifest[]): Route[] {
  const spec = specOf<HttpRouteSpec>(m) ?? {};
  const source = `HTTPRoute/${m.metadata.name}`;
  const tlsFor = (host: string): Pick<Route, 'tls' | 'tlsVia'> => {
    let state: TlsState = 'unknown';
    let via: string | undefined;
    for (const ref of spec.parentRefs ?? []) {
      const gw = all.find((g) => g.kind === 'Gateway' && groupOf(g.apiVersion) === 'gateway.networking.k8s.io' && g.metadata.name === ref.name);
      via = `gateway ${ref.name}`;
      if (!gw) continue;
      const listeners = (specOf<GatewaySpec>(gw)?.listeners ?? [])
        .filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && (l.hostname === undefined || hostMatches(l.hostname, host)));
      if (listeners.some((l) => l.protocol === 'HTTPS' || l.protocol === 'TLS')) return { tls: 'yes', tlsVia: via };
      if (listeners.length) state = 'no';
    }
    return { tls: state, ...(via ? { tlsVia: via } : {}) };
  };
  const routes: Route[] = [];
  for (const host of spec.hostnames?.length ? spec.hostnames : ['*']) {
    for (const rule of spec.rules ?? []) {
      const backends = (rule.backendRefs ?? []).filter((b) => (b.kind ?? 'Service') === 'Service').map((b) => ({
        service: b.name, ...(b.port !== undefined ? { port: String(b.port) } : {}),
        ...((rule.backendRefs ?? []).length > 1 ? { weight: b.weight ?? 1 } : {}),
      }));
      for (const match of rule.matches?.length ? rule.matches : [{}]) {
        routes.push({ source, host, path: match.path?.value ?? '/', match: match.path?.type ?? 'PathPrefix', backends, ...tlsFor(host) });
      }
    }
  }
  return routes;
}

interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: {
    match?: { uri?: { prefix?: string; exact?: string; regex?: string } }[];
    route?: { destination?: { host: string; port?: { number?: number }; subset?: string }; weight?: number }[];
  }[];
}
interface IstioGatewaySpec { servers?: { port?: { protocol?: string }; hosts?: string[]; tls?: { mode?: string; credentialName?: string } }[] }

function virtualServiceRoutes(m: Manifest, all: readonly Manifest[]): Route[] {
  const spec = specOf<VirtualServiceSpec>(m) ?? {};
  const source = `VirtualService/${m.metadata.name}`;
  const gateways = (spec.gateways ?? []).filter((g) => g !== 'mesh');
  const tlsFor = (host: string): Pick<Route, 'tls' | 'tlsVia'> => {
    if (gateways.length === 0) return { tls: 'mesh' };
    let state: TlsState = 'unknown';
    for (const ref of gateways) {
      const name = ref.includes('/') ? ref.split('/')[1] : ref;
      const gw = all.find((g) => g.kind === 'Gateway' && groupOf(g.apiVersion) === 'networking.istio.io' && g.metadata.name === name);
      if (!gw) continue;
      const servers = (specOf<IstioGatewaySpec>(gw)?.servers ?? [])
        .filter((s) => (s.hosts ?? ['*']).some((h) => hostMatches(h.includes('/') ? h.split('/')[1] : h, host)));
      if (servers.some((s) => s.port?.protocol === 'HTTPS' || s.tls?.mode === 'SIMPLE' || s.tls?.mode === 'MUTUAL')) return { tls: 'yes', tlsVia: `gateway ${name}` };
      if (servers.length) state = 'no';
    }
    return { tls: state, tlsVia: `gateway ${gateways.join(', ')}` };
  };
  const routes: Route[] = [];
  for (const host of spec.hosts ?? ['*']) {
    for (const h of spec.http ?? []) {
      const dests = h.route ?? [];
      const backends = dests.filter((d) => d.destination).map((d) => ({
        // `auth.giia-prod.svc.cluster.local` → `auth`
        service: d.destination!.host.split('.')[0],
        ...(d.destination!.port?.number !== undefined ? { port: String(d.destination!.port.number) } : {}),
        ...(dests.length > 1 || d.weight !== undefined ? { weight: d.weight ?? 0 } : {}),
      }));
      for (const match of h.match?.length ? h.match : [{}]) {
        const uri = match.uri ?? {};
        const [kind, path] = uri.exact !== undefined ? ['exact', uri.exact] : uri.regex !== undefined ? ['regex', uri.regex] : ['prefix', uri.prefix ?? '/'];
        routes.push({ source, host, path, match: kind, backends, ...tlsFor(host) });
      }
    }
  }
  return routes;
}

/** Every route of a stack, in manifest order. */
export function routeTable(manifests: readonly Manifest[]): Route[] {
  return manifests.flatMap((m) => {
    const group = groupOf(m.apiVersion);
    if (m.kind === 'Ingress' && group === 'networking.k8s.io') return ingressRoutes(m);
    if (m.kind === 'HTTPRoute' && group === 'gateway.networking.k8s.io') return httpRoutes(m, manifests);
    if (m.kind === 'VirtualService' && group === 'networking.istio.io') return virtualServiceRoutes(m, manifests);
    return [];
  });
}

/** `auth:8081`, or `web:80 (90%), web-canary:80 (10%)`. */
export function formatBackends(backends: readonly RouteBackend[]): string {
  const total = backends.reduce((n, b) => n + (b.weight ?? 0), 0);
  return backends.map((b) => `${b.service}${b.port ? `:${b.port}` : ''}${b.weight !== undefined && total > 0 ? ` (${Math.round((100 * b.weight) / total)}%)` : ''}`).join(', ');
}

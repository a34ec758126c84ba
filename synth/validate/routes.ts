// Every route of a stack to one of its Services, from Ingresses (ingress-nginx), Gateway API
// HTTPRoutes and Istio VirtualServices, in one shape: what it matches, how it rewrites and
// what share of the matched requests goes to this backend.
import type { RenderedObject } from '../render';
import { list, record, records } from './model';
import { namespaceOf } from './network';
import { Path } from './paths';

const NGINX = 'nginx.ingress.kubernetes.io';

export interface PathMatch {
  readonly type: 'Prefix' | 'Exact' | 'Regex';
  readonly value: string;
}

/** One backend of one route. */
export interface RouteRef {
  readonly object: RenderedObject;
  readonly via: 'ingress' | 'httproute' | 'virtualservice';
  /** Path to the backend in the route object. */
  readonly path: Path;
  readonly service: string;
  readonly port: { readonly number?: number; readonly name?: string };
  readonly hosts: readonly string[];
  readonly match: PathMatch;
  /** What the matched path becomes before it reaches the backend. */
  readonly rewrite?: { readonly type: 'Prefix' | 'Full'; readonly value: string };
  /** Percent of the matched requests this backend takes; 100 without a split. */
  readonly weight: number;
  /** A mesh-internal route (Istio `mesh` gateway): it applies to in-mesh callers. */
  readonly mesh: boolean;
}

/** A Service name from an Istio host in this namespace: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`. */
export function serviceOfHost(host: string, ns: string | undefined): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return host;
  if (parts[1] !== ns) return undefined;
  const rest = parts.slice(2).join('.');
  return rest === '' || rest === 'svc' || rest === 'svc.cluster.local' ? parts[0] : undefined;
}

function ingressRoutes(o: RenderedObject): RouteRef[] {
  const annotations = o.manifest.metadata?.annotations ?? {};
  const canary = annotations[`${NGINX}/canary`] === 'true';
  const weight = canary ? Number(annotations[`${NGINX}/canary-weight`] ?? '0') : 100;
  const regex = annotations[`${NGINX}/use-regex`] === 'true';
  const target = annotations[`${NGINX}/rewrite-target`];
  const out: RouteRef[] = [];
  records(record(o.manifest.spec).rules).forEach((rule, i) => {
    const host = typeof rule.host === 'string' ? [rule.host] : [];
    records(record(rule.http).paths).forEach((p, j) => {
      const service = record(record(p.backend).service);
      if (typeof service.name !== 'string') return;
      const port = record(service.port);
      const value = typeof p.path === 'string' ? p.path : '/';
      const type = p.pathType === 'Exact' ? 'Exact' : regex && p.pathType === 'ImplementationSpecific' ? 'Regex' : 'Prefix';
      out.push({
        object: o, via: 'ingress', path: ['spec', 'rules', i, 'http', 'paths', j, 'backend', 'service'],
        service: service.name,
        port: { number: typeof port.number === 'number' ? port.number : undefined, name: typeof port.name === 'string' ? port.name : undefined },
        hosts: host, match: { type, value },
        ...(target !== undefined ? { rewrite: { type: type === 'Exact' ? 'Full' : 'Prefix', value: target.replace(/\$\d+/g, '') || '/' } } : {}),
        weight, mesh: false,
      } as RouteRef);
    });
  });
  return out;
}

function httpRouteRoutes(o: RenderedObject): RouteRef[] {
  const spec = record(o.manifest.spec);
  const hosts = list(spec.hostnames).filter((h): h is string => typeof h === 'string');
  const out: RouteRef[] = [];
  records(spec.rules).forEach((rule, i) => {
    const refs = records(rule.backendRefs).filter((r) => (r.kind === undefined || r.kind === 'Service') && (r.group === undefined || r.group === ''));
    const total = refs.reduce((n, r) => n + (typeof r.weight === 'number' ? r.weight : 1), 0);
    const matches = records(rule.matches);
    const rewrite = records(rule.filters).map((f) => record(record(f.urlRewrite).path)).find((p) => p.type !== undefined);
    const pathMatches = matches.length ? matches.map((m) => record(m.path)) : [{ type: 'PathPrefix', value: '/' }];
    records(rule.backendRefs).forEach((ref, j) => {
      if (!refs.includes(ref) || typeof ref.name !== 'string') return;
      const share = total === 0 ? 0 : Math.round(((typeof ref.weight === 'number' ? ref.weight : 1) * 100) / total);
      for (const pm of pathMatches) {
        const value = typeof pm.value === 'string' ? pm.value : '/';
        const type = pm.type === 'Exact' ? 'Exact' : pm.type === 'RegularExpression' ? 'Regex' : 'Prefix';
        out.push({
          object: o, via: 'httproute', path: ['spec', 'rules', i, 'backendRefs', j], service: ref.name,
          port: { number: typeof ref.port === 'number' ? ref.port : undefined }, hosts, match: { type, value },
          ...(rewrite ? {
            rewrite: rewrite.type === 'ReplaceFullPath'
              ? { type: 'Full', value: String(rewrite.replaceFullPath ?? '/') }
              : { type: 'Prefix', value: String(rewrite.replacePrefixMatch ?? '/') },
          } : {}),
          weight: share, mesh: false,
        } as RouteRef);
      }
    });
  });
  return out;
}

function virtualServiceRoutes(o: RenderedObject): RouteRef[] {
  const spec = record(o.manifest.spec);
  const ns = namespaceOf(o);
  const hosts = list(spec.hosts).filter((h): h is string => typeof h === 'string');
  const gateways = list(spec.gateways).filter((g): g is string => typeof g === 'string');
  const mesh = gateways.length === 0 || gateways.includes('mesh');
  const out: RouteRef[] = [];
  records(spec.http).forEach((http, i) => {
    const dests = records(http.route);
    const total = dests.reduce((n, d) => n + (typeof d.weight === 'number' ? d.weight : dests.length === 1 ? 100 : 0), 0);
    const matches = records(http.match).map((m) => record(m.uri));
    const uris = matches.length ? matches : [{ prefix: '/' }];
    const rewriteUri = record(http.rewrite).uri;
    dests.forEach((d, j) => {
      const dest = record(d.destination);
      const name = typeof dest.host === 'string' ? serviceOfHost(dest.host, ns) : undefined;
      if (name === undefined) return;
      const weight = dests.length === 1 ? 100 : total === 0 ? 0 : Math.round(((typeof d.weight === 'number' ? d.weight : 0) * 100) / total);
      for (const uri of uris) {
        const match: PathMatch = typeof uri.exact === 'string' ? { type: 'Exact', value: uri.exact }
          : typeof uri.regex === 'string' ? { type: 'Regex', value: uri.regex }
            : { type: 'Prefix', value: typeof uri.prefix === 'string' ? uri.prefix : '/' };
        out.push({
          object: o, via: 'virtualservice', path: ['spec', 'http', i, 'route', j, 'destination'], service: name,
          port: { number: typeof record(dest.port).number === 'number' ? (record(dest.port).number as number) : undefined },
          hosts, match,
          ...(typeof rewriteUri === 'string' ? { rewrite: { type: match.type === 'Exact' ? 'Full' : 'Prefix', value: rewriteUri } } : {}),
          weight, mesh,
        } as RouteRef);
      }
    });
  });
  return out;
}

const cache = new WeakMap<readonly RenderedObject[], RouteRef[]>();

/** Every route backend in the stack's objects (computed once per stack). */
export function routesOf(objects: readonly RenderedObject[]): readonly RouteRef[] {
  const cached = cache.get(objects);
  if (cached) return cached;
  const out: RouteRef[] = [];
  cache.set(objects, out);
  for (const o of objects) {
    const { apiVersion, kind } = o.manifest;
    if (kind === 'Ingress' && apiVersion === 'networking.k8s.io/v1') out.push(...ingressRoutes(o));
    else if (kind === 'HTTPRoute' && apiVersion.startsWith('gateway.networking.k8s.io/')) out.push(...httpRouteRoutes(o));
    else if (kind === 'VirtualService' && apiVersion.startsWith('networking.istio.io/')) out.push(...virtualServiceRoutes(o));
  }
  return out;
}

/** Whether a request path is matched by a route's path match (Prefix is element-wise, as Ingress and Gateway API define it). */
export function pathMatches(match: PathMatch, requestPath: string): boolean {
  switch (match.type) {
    case 'Exact': return requestPath === match.value;
    case 'Regex':
      try {
        return new RegExp(`^${match.value}`).test(requestPath);
      } catch {
        return false;
      }
    case 'Prefix': {
      const prefix = match.value.replace(/\/+$/, '');
      return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
    }
  }
}

/**
 * Whether some request the route matches reaches the backend as `backendPath`: with no
 * rewrite, when the route matches that path; with one, when the rewritten prefix leads to it.
 */
export function reachesBackendPath(route: RouteRef, backendPath: string): boolean {
  const r = route.rewrite;
  if (!r) return pathMatches(route.match, backendPath);
  if (r.type === 'Full') return r.value === backendPath;
  return pathMatches({ type: 'Prefix', value: r.value }, backendPath);
}

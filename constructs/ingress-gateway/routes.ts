// The IngressGateway's internal route model: a validated Route, its Backends, the RouteIndex the
// checks and renderers read, and the helpers every mode shares (host slugs, route order).
// The gateway is constructs/ingress-gateway.ts; the renderers' interface is ./renderer.ts,
// each mode's renderer ./<mode>.ts, the route and prop checks ./validate.ts.
import type { PathMatch } from '../ingress-gateway';
import { ServicePort } from '../core/connections';
import { IRoutable } from '../core/routable';

export interface Backend {
  readonly service: IRoutable;
  readonly port: ServicePort;
  readonly weight?: number;
}

/** A validated route. */
export interface Route {
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
export class RouteIndex {
  public readonly all: Route[] = [];
  /** In the order they first appeared. */
  public readonly hosts: string[] = [];
  public firstCanary?: Route;
  private readonly byHost = new Map<string, Route[]>();
  private readonly byMatch = new Map<string, Route>();
  private readonly byOwnName = new Map<string, Route>();

  /**
   * @param ownNameOf the name of the object a route needs for itself, where its mode gives
   *   routes such objects (ingress mode: an Ingress of its own for its annotations)
   */
  constructor(private readonly ownNameOf?: (r: Route) => string | undefined) {}

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
    const own = this.ownNameOf?.(r);
    if (own !== undefined && !this.byOwnName.has(own)) this.byOwnName.set(own, r);
    if (r.backends.length === 2) this.firstCanary ??= r;
  }

  public ofHost(host: string): readonly Route[] {
    return this.byHost.get(host) ?? [];
  }

  /** The first route with the same host, match and path. */
  public same(r: Route): Route | undefined {
    return this.byMatch.get(`${r.match} ${r.host}${r.path}`);
  }

  /** The first route that needs an object of its own of this name. */
  public withOwnName(name: string): Route | undefined {
    return this.byOwnName.get(name);
  }

  /** A host's routes, most specific first (see {@link bySpecificity}). */
  public ofHostBySpecificity(host: string): Route[] {
    return [...this.ofHost(host)].sort(bySpecificity);
  }
}

/** `shop.example.com` → `shop-example-com`; `*.example.com` → `wildcard-example-com`. */
export function hostSlug(host: string): string {
  return host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-');
}

export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Exact before Prefix, longer paths first: the order Istio needs and a stable one for the others. */
export function bySpecificity(a: Route, b: Route): number {
  if (a.match !== b.match) return a.match === 'Exact' ? -1 : 1;
  return b.path.length - a.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

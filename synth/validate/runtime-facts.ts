// What the runtime checks need to know about an environment's cluster that the stack's own
// objects don't say: who scrapes metrics and where the ingress proxies run.

export interface RuntimeFacts {
  /** The namespace of the Prometheus that reads ServiceMonitors; it runs outside the mesh and scrapes plaintext. */
  readonly scraperNamespace: string;
  /** Namespaces of the ingress proxies (ingress-nginx, the Istio ingress gateway, a Gateway API controller). */
  readonly ingressNamespaces: readonly string[];
  /**
   * Per ingress namespace, what else is known of its proxies: their pods' labels and, in the
   * mesh, their identity (the Istio ingress gateway's). @default - only their namespace
   */
  readonly ingressProxies?: Readonly<Record<string, { readonly podLabels?: Readonly<Record<string, string>>; readonly principal?: string }>>;
}

export const DEFAULT_RUNTIME_FACTS: RuntimeFacts = { scraperNamespace: 'monitoring', ingressNamespaces: ['ingress-nginx'] };

/** The facts of one environment: `facts[env]`, else the defaults. */
export function factsFor(facts: Readonly<Record<string, RuntimeFacts>> | undefined, env: string): RuntimeFacts {
  return facts?.[env] ?? DEFAULT_RUNTIME_FACTS;
}

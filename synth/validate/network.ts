// What traffic a stack's policies let through, as a running cluster decides it: Kubernetes
// NetworkPolicies at both ends (after kube-proxy's DNAT, so on the pod's port), and, for pods
// with an Istio sidecar, PeerAuthentication (mTLS mode per port) and AuthorizationPolicies.
// The runtime checks ask it "can this pod (or that namespace) reach that pod on this port".
import type { RenderedObject } from '../render';
import { Labels, LabelSelector, labelsOf, list, PodTemplate, record, records } from './model';
import { isEmptySelector, mapMatches, SelectorIndex, selectorMatches } from './selectors';
import { StackIndex } from './stack-index';

const NS_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Istio's default trust domain, as principals name it. */
const TRUST_DOMAIN = 'cluster.local';

/** A destination port: the pod's own port, after the Service's targetPort. */
export interface PodPort {
  readonly number: number;
  readonly protocol: string;
}

/** Who sends traffic: a pod template of the stack, or any pod of another namespace. */
export type Source =
  | { readonly kind: 'pod'; readonly pod: PodTemplate }
  /**
   * A pod of another namespace (a scraper, an ingress controller), known by its namespace and,
   * where the environment says, its labels and mesh identity.
   */
  | { readonly kind: 'namespace'; readonly namespace: string; readonly meshed: boolean; readonly podLabels?: Labels; readonly principal?: string };

/** Why traffic is refused, from the first check that refuses it. */
export type Blocked =
  | { readonly by: 'egress'; readonly detail: string }
  | { readonly by: 'ingress'; readonly detail: string }
  | { readonly by: 'mtls'; readonly detail: string }
  | { readonly by: 'authorization'; readonly detail: string };

export function namespaceOf(o: RenderedObject): string | undefined {
  return o.manifest.metadata?.namespace;
}

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

/** The traffic model of one stack. Build it once per stack with `networkOf`. */
export class Network {
  private readonly nsLabels = new Map<string, Labels>();
  private readonly policiesOf = new Map<PodTemplate, { ingress: RenderedObject[]; egress: RenderedObject[] }>();
  private readonly policyIndex: SelectorIndex<RenderedObject>;

  constructor(public readonly idx: StackIndex) {
    for (const ns of idx.ofKind('Namespace')) {
      const name = ns.manifest.metadata?.name ?? '';
      this.nsLabels.set(name, { ...labelsOf(ns.manifest.metadata?.labels), [NS_NAME_LABEL]: name });
    }
    this.policyIndex = new SelectorIndex(idx.ofKind('NetworkPolicy'), (np) => labelsOf(record(record(np.manifest.spec).podSelector).matchLabels));
  }

  /** A namespace's labels: the stack's own Namespace object's, else only the name label the API server sets. */
  public namespaceLabels(ns: string): Labels {
    return this.nsLabels.get(ns) ?? { [NS_NAME_LABEL]: ns };
  }

  /** NetworkPolicies that select the pod, per direction. */
  private policies(pod: PodTemplate): { ingress: RenderedObject[]; egress: RenderedObject[] } {
    let found = this.policiesOf.get(pod);
    if (found) return found;
    found = { ingress: [], egress: [] };
    const ns = namespaceOf(pod.object);
    for (const np of this.policyIndex.candidates(pod.labels)) {
      if (namespaceOf(np) !== ns) continue;
      const spec = record(np.manifest.spec);
      if (!selectorMatches(record(spec.podSelector) as LabelSelector, pod.labels)) continue;
      const types = list(spec.policyTypes);
      const ingress = types.length === 0 || types.includes('Ingress');
      const egress = types.includes('Egress') || (types.length === 0 && spec.egress !== undefined);
      if (ingress) found.ingress.push(np);
      if (egress) found.egress.push(np);
    }
    this.policiesOf.set(pod, found);
    return found;
  }

  /** Whether the pod's own NetworkPolicies admit `source` on `port`. */
  public ingressAdmits(pod: PodTemplate, port: PodPort, source: Source): boolean {
    const policies = this.policies(pod).ingress;
    if (policies.length === 0) return true;
    return policies.some((np) => records(record(np.manifest.spec).ingress).some((rule) =>
      portsMatch(rule.ports, port, pod) && peersMatch(rule.from, namespaceOf(np), (peer) => this.peerMatchesSource(peer, namespaceOf(np), source))));
  }

  /** Whether any ingress rule of the pod's NetworkPolicies admits anyone at all on `port`. */
  public ingressOpen(pod: PodTemplate, port: PodPort): boolean {
    const policies = this.policies(pod).ingress;
    if (policies.length === 0) return true;
    return policies.some((np) => records(record(np.manifest.spec).ingress).some((rule) => portsMatch(rule.ports, port, pod)));
  }

  /** Whether the sending pod's own NetworkPolicies let it reach `dest` on `port`. */
  public egressAdmits(from: PodTemplate, dest: PodTemplate, port: PodPort): boolean {
    const policies = this.policies(from).egress;
    if (policies.length === 0) return true;
    const destNs = namespaceOf(dest.object) ?? '';
    return policies.some((np) => records(record(np.manifest.spec).egress).some((rule) =>
      portsMatch(rule.ports, port, dest) && peersMatch(rule.to, namespaceOf(np), (peer) => this.peerMatchesPod(peer, namespaceOf(np), destNs, dest.labels))));
  }

  private peerMatchesSource(peer: Readonly<Record<string, unknown>>, policyNs: string | undefined, source: Source): boolean {
    if (source.kind === 'pod') return this.peerMatchesPod(peer, policyNs, namespaceOf(source.pod.object) ?? '', source.pod.labels);
    // A pod known only by namespace: a podSelector that narrows it can't be shown to match.
    if (peer.ipBlock !== undefined || peer.namespaceSelector === undefined) return false;
    if (peer.podSelector !== undefined && !isEmptySelector(record(peer.podSelector) as LabelSelector)
      && (source.podLabels === undefined || !selectorMatches(record(peer.podSelector) as LabelSelector, source.podLabels))) return false;
    return selectorMatches(record(peer.namespaceSelector) as LabelSelector, this.namespaceLabels(source.namespace));
  }

  private peerMatchesPod(peer: Readonly<Record<string, unknown>>, policyNs: string | undefined, podNs: string, labels: Labels): boolean {
    // Pod IPs are not in an ipBlock's range on most networks: a pod peer never matches one.
    if (peer.ipBlock !== undefined) return false;
    if (peer.namespaceSelector !== undefined) {
      if (!selectorMatches(record(peer.namespaceSelector) as LabelSelector, this.namespaceLabels(podNs))) return false;
    } else if (podNs !== policyNs) {
      return false;
    }
    return peer.podSelector === undefined || selectorMatches(record(peer.podSelector) as LabelSelector, labels);
  }

  // ------------------------------------------------------------------ Istio

  /** Whether the pod runs an Istio sidecar: its namespace injects one and the pod doesn't opt out. */
  public meshed(pod: PodTemplate): boolean {
    const inject = pod.annotations['sidecar.istio.io/inject'] ?? pod.labels['sidecar.istio.io/inject'];
    if (inject === 'false') return false;
    if (inject === 'true') return true;
    const ns = this.namespaceLabels(namespaceOf(pod.object) ?? '');
    return ns['istio-injection'] === 'enabled' || (ns['istio.io/rev'] !== undefined && ns['istio-injection'] !== 'disabled');
  }

  /** The pod's Istio identity. */
  public principalOf(pod: PodTemplate): string {
    const sa = typeof pod.spec.serviceAccountName === 'string' && pod.spec.serviceAccountName !== '' ? pod.spec.serviceAccountName : 'default';
    return `${TRUST_DOMAIN}/ns/${namespaceOf(pod.object)}/sa/${sa}`;
  }

  /**
   * The mTLS mode a meshed pod accepts on `port`: the PeerAuthentication that selects the
   * workload wins over the namespace-wide one; without either, Istio's default PERMISSIVE.
   */
  public mtlsMode(pod: PodTemplate, port: number): { mode: string; policy?: RenderedObject } {
    const ns = namespaceOf(pod.object);
    let workload: RenderedObject | undefined;
    let namespaceWide: RenderedObject | undefined;
    for (const pa of this.idx.ofKind('PeerAuthentication')) {
      if (namespaceOf(pa) !== ns) continue;
      const selector = record(record(pa.manifest.spec).selector);
      if (Object.keys(record(selector.matchLabels)).length === 0) namespaceWide ??= pa;
      else if (selectorMatches(selector as LabelSelector, pod.labels)) workload ??= pa;
    }
    const modeOf = (pa: RenderedObject | undefined, fallback: string): string => {
      if (!pa) return fallback;
      const spec = record(pa.manifest.spec);
      const portMode = record(record(spec.portLevelMtls)[String(port)]).mode;
      if (typeof portMode === 'string' && portMode !== 'UNSET') return portMode;
      const mode = record(spec.mtls).mode;
      return typeof mode === 'string' && mode !== 'UNSET' ? mode : fallback;
    };
    const base = modeOf(namespaceWide, 'PERMISSIVE');
    return { mode: modeOf(workload, base), policy: workload ?? namespaceWide };
  }

  /**
   * Whether the AuthorizationPolicies on a meshed pod allow a request on `port` from a
   * source with this identity (none for plaintext traffic). DENY first, then ALLOW: with
   * any ALLOW policy on the workload, a request must match one of its rules.
   */
  public authorizationAdmits(pod: PodTemplate, port: number, caller: { principal?: string; namespace?: string }): { ok: boolean; policy?: RenderedObject } {
    const ns = namespaceOf(pod.object);
    const applying = this.idx.ofKind('AuthorizationPolicy').filter((ap) => {
      if (namespaceOf(ap) !== ns) return false;
      const selector = record(record(ap.manifest.spec).selector);
      return Object.keys(record(selector.matchLabels)).length === 0 || selectorMatches(selector as LabelSelector, pod.labels);
    });
    const actionOf = (ap: RenderedObject) => String(record(ap.manifest.spec).action ?? 'ALLOW');
    const matches = (ap: RenderedObject) => records(record(ap.manifest.spec).rules).some((rule) => ruleMatches(rule, port, caller));
    const deny = applying.find((ap) => actionOf(ap) === 'DENY' && matches(ap));
    if (deny) return { ok: false, policy: deny };
    const allow = applying.filter((ap) => actionOf(ap) === 'ALLOW');
    if (allow.length === 0) return { ok: true };
    if (allow.some(matches)) return { ok: true };
    // Name the workload's own policy, where it has one, rather than a namespace-wide default.
    const own = allow.find((ap) => Object.keys(record(record(record(ap.manifest.spec).selector).matchLabels)).length > 0);
    return { ok: false, policy: own ?? allow[0] };
  }

  /**
   * The first thing that refuses traffic from `source` to `dest` on `port`, or undefined when
   * it gets through: the sender's egress policy, the receiver's ingress policy, then (for a
   * meshed receiver) mTLS and authorization.
   */
  public blocked(source: Source, dest: PodTemplate, port: PodPort): Blocked | undefined {
    if (source.kind === 'pod' && !this.egressAdmits(source.pod, dest, port)) {
      return { by: 'egress', detail: `no NetworkPolicy of ${describe(source.pod.object)} allows egress to ${describe(dest.object)} on ${port.protocol} ${port.number}` };
    }
    if (!this.ingressAdmits(dest, port, source)) {
      const from = source.kind === 'pod' ? describe(source.pod.object) : `namespace ${source.namespace}`;
      return { by: 'ingress', detail: `no NetworkPolicy of ${describe(dest.object)} admits ${from} on ${port.protocol} ${port.number}` };
    }
    if (!this.meshed(dest)) return undefined;
    const callerMeshed = source.kind === 'pod' ? this.meshed(source.pod) : source.meshed;
    const { mode, policy } = this.mtlsMode(dest, port.number);
    if (!callerMeshed && mode === 'STRICT') {
      return { by: 'mtls', detail: `${policy ? describe(policy) : 'mTLS'} requires mTLS (STRICT) on port ${port.number}, and the caller sends plaintext` };
    }
    const caller = source.kind === 'pod'
      ? (callerMeshed ? { principal: this.principalOf(source.pod), namespace: namespaceOf(source.pod.object) } : {})
      : (source.meshed ? { namespace: source.namespace, ...(source.principal ? { principal: source.principal } : {}) } : {});
    const authz = this.authorizationAdmits(dest, port.number, caller);
    if (!authz.ok) {
      const who = caller.principal ?? (caller.namespace ? `namespace ${caller.namespace}` : 'a plaintext caller (no identity)');
      return { by: 'authorization', detail: `${authz.policy ? describe(authz.policy) : 'an AuthorizationPolicy'} does not allow ${who} on port ${port.number}` };
    }
    return undefined;
  }
}

/** Whether a NetworkPolicy rule's `ports` include `port` (named ports are the pod's). */
function portsMatch(raw: unknown, port: PodPort, pod: PodTemplate): boolean {
  const ports = records(raw);
  if (ports.length === 0) return true;
  return ports.some((p) => {
    const protocol = typeof p.protocol === 'string' ? p.protocol : 'TCP';
    if (protocol !== port.protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : namedPort(pod, String(p.port));
    if (number === undefined) return false;
    const end = typeof p.endPort === 'number' ? p.endPort : number;
    return port.number >= number && port.number <= end;
  });
}

function peersMatch(raw: unknown, _policyNs: string | undefined, match: (peer: Readonly<Record<string, unknown>>) => boolean): boolean {
  const peers = records(raw);
  return peers.length === 0 || peers.some(match);
}

/** A container port of the pod by name. */
export function namedPort(pod: PodTemplate, name: string): number | undefined {
  for (const c of records(pod.spec.containers)) {
    for (const p of records(record(c).ports)) {
      if (p.name === name && typeof p.containerPort === 'number') return p.containerPort;
    }
  }
  return undefined;
}

/** Istio principal patterns: exact, `*`, a `*` prefix or suffix. */
function principalMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

function anyMatches(patterns: unknown, value: string | undefined): boolean {
  return value !== undefined && list(patterns).some((p) => typeof p === 'string' && principalMatches(p, value));
}

/** One AuthorizationPolicy rule against a request on `port`; path, method and host limits count as matching some request. */
function ruleMatches(rule: Readonly<Record<string, unknown>>, port: number, caller: { principal?: string; namespace?: string }): boolean {
  const from = records(rule.from);
  const fromOk = from.length === 0 || from.some((f) => {
    const s = record(f.source);
    if (s.principals !== undefined && !anyMatches(s.principals, caller.principal)) return false;
    if (s.namespaces !== undefined && !anyMatches(s.namespaces, caller.namespace)) return false;
    if (s.notPrincipals !== undefined && (caller.principal === undefined || anyMatches(s.notPrincipals, caller.principal))) return false;
    if (s.notNamespaces !== undefined && (caller.namespace === undefined || anyMatches(s.notNamespaces, caller.namespace))) return false;
    // An IP range can't be shown to match a cluster pod or an unknown scraper.
    if (s.ipBlocks !== undefined || s.remoteIpBlocks !== undefined) return false;
    if (s.requestPrincipals !== undefined) return false;
    return true;
  });
  if (!fromOk) return false;
  const to = records(rule.to);
  return to.length === 0 || to.some((t) => {
    const op = record(t.operation);
    if (op.ports !== undefined && !list(op.ports).map(String).includes(String(port))) return false;
    if (op.notPorts !== undefined && list(op.notPorts).map(String).includes(String(port))) return false;
    return true;
  });
}

const cache = new WeakMap<StackIndex, Network>();

/** The traffic model of a stack, built on first use. */
export function networkOf(idx: StackIndex): Network {
  let n = cache.get(idx);
  if (!n) {
    n = new Network(idx);
    cache.set(idx, n);
  }
  return n;
}

/** A Service of the stack and the pods and pod ports behind one of its ports. */
export interface ServiceTarget {
  readonly service: RenderedObject;
  readonly portIndex: number;
  readonly servicePort: number;
  readonly portName?: string;
  /** Each selected pod with its port (a named targetPort resolves per pod). */
  readonly pods: readonly { readonly pod: PodTemplate; readonly port: PodPort }[];
}

/** The pods behind a Service port, or undefined when the Service has no such port or selects nothing. */
export function serviceTarget(idx: StackIndex, service: RenderedObject, match: { number?: number; name?: string }): ServiceTarget | undefined {
  const spec = record(service.manifest.spec);
  const selector = labelsOf(spec.selector);
  if (Object.keys(selector).length === 0) return undefined;
  const ports = records(spec.ports);
  const portIndex = ports.findIndex((p) => (match.name !== undefined ? p.name === match.name : p.port === match.number));
  if (portIndex < 0) return undefined;
  const p = ports[portIndex];
  const protocol = typeof p.protocol === 'string' ? p.protocol : 'TCP';
  const pods = idx.pods.matchingMap(selector).filter((pod) => namespaceOf(pod.object) === namespaceOf(service));
  const resolved = pods.flatMap((pod) => {
    const target = p.targetPort ?? p.port;
    const number = typeof target === 'number' ? target : namedPort(pod, String(target));
    return number === undefined ? [] : [{ pod, port: { number, protocol } }];
  });
  return {
    service, portIndex, servicePort: typeof p.port === 'number' ? p.port : 0,
    portName: typeof p.name === 'string' ? p.name : undefined, pods: resolved,
  };
}

const serviceBuckets = new WeakMap<StackIndex, Map<string, RenderedObject[]>>();

/** The stack's Services whose own labels a LabelSelector matches (a ServiceMonitor's), by a label index. */
export function servicesMatching(idx: StackIndex, selector: LabelSelector, ns: string | undefined): RenderedObject[] {
  let buckets = serviceBuckets.get(idx);
  if (!buckets) {
    buckets = new Map();
    for (const svc of idx.ofKind('Service')) {
      for (const [k, v] of Object.entries(labelsOf(svc.manifest.metadata?.labels))) {
        const b = buckets.get(`${k}=${v}`);
        if (b) b.push(svc);
        else buckets.set(`${k}=${v}`, [svc]);
      }
    }
    serviceBuckets.set(idx, buckets);
  }
  const required = Object.entries(labelsOf(selector.matchLabels));
  const candidates = required.length === 0 ? idx.ofKind('Service')
    : required.map(([k, v]) => buckets!.get(`${k}=${v}`) ?? []).reduce((a, b) => (b.length < a.length ? b : a));
  return candidates.filter((s) => namespaceOf(s) === ns && selectorMatches(selector, labelsOf(s.manifest.metadata?.labels)));
}

const hpaIndex = new WeakMap<StackIndex, Map<string, Readonly<Record<string, unknown>>>>();

/** The spec of the HPA that scales a workload, if one does. */
export function hpaFor(idx: StackIndex, workload: RenderedObject): Readonly<Record<string, unknown>> | undefined {
  let byTarget = hpaIndex.get(idx);
  if (!byTarget) {
    byTarget = new Map();
    for (const hpa of idx.ofKind('HorizontalPodAutoscaler')) {
      const spec = record(hpa.manifest.spec);
      const ref = record(spec.scaleTargetRef);
      byTarget.set(`${namespaceOf(hpa)}/${ref.kind}/${ref.name}`, spec);
    }
    hpaIndex.set(idx, byTarget);
  }
  return byTarget.get(`${namespaceOf(workload)}/${workload.manifest.kind}/${workload.manifest.metadata?.name}`);
}

const selectingIndex = new WeakMap<StackIndex, SelectorIndex<RenderedObject>>();

/** The names of the stack's Services whose selector selects the pod. */
export function servicesSelecting(idx: StackIndex, pod: PodTemplate): string[] {
  let index = selectingIndex.get(idx);
  if (!index) {
    index = new SelectorIndex(idx.ofKind('Service').filter((s) => Object.keys(labelsOf(record(s.manifest.spec).selector)).length > 0),
      (s) => labelsOf(record(s.manifest.spec).selector));
    selectingIndex.set(idx, index);
  }
  return index.candidates(pod.labels)
    .filter((s) => namespaceOf(s) === namespaceOf(pod.object) && mapMatches(labelsOf(record(s.manifest.spec).selector), pod.labels))
    .map((s) => s.manifest.metadata?.name ?? '');
}

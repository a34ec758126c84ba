import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CONNECTION_POOLS_ANNOTATION, formatPools } from './connection-budget';
import * as kinds from './kinds';

/** A port a workload serves: the Service port and the container port behind it. */
export interface ServicePort {
  /** IANA service name, max 15 characters: `http`, `grpc`, `metrics`. */
  readonly name: string;
  /** The port the Service exposes. */
  readonly port: number;
  /** The container port. */
  readonly targetPort: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Something traffic can come from or go to, as a NetworkPolicy peer. */
export interface NetworkPeer {
  /** Stable key, so the same peer declared twice yields one rule. */
  readonly key: string;
  readonly policyPeer: k8s.NetworkPolicyPeer;
  /**
   * The peer's mesh identity (`<trust domain>/ns/<namespace>/sa/<service account>`): what the
   * callee's AuthorizationPolicy admits. None for an address range, or for pods known only by
   * their namespace (admitted by namespace).
   */
  readonly principal?: string;
}

const NS_LABEL = 'kubernetes.io/metadata.name';

/** Ways to name a peer. */
export class Peer {
  /** Pods in the same namespace with these labels. */
  public static pods(labels: Readonly<Record<string, string>>, principal?: string): NetworkPeer {
    return { key: `pods:${JSON.stringify(labels)}`, policyPeer: { podSelector: { matchLabels: { ...labels } } }, ...(principal ? { principal } : {}) };
  }
  /** Every pod in another namespace, or only those with `podLabels` (whose mesh identity is `principal`). */
  public static namespace(name: string, podLabels?: Readonly<Record<string, string>>, principal?: string): NetworkPeer {
    return {
      key: `ns:${name}:${JSON.stringify(podLabels ?? {})}`,
      policyPeer: {
        namespaceSelector: { matchLabels: { [NS_LABEL]: name } },
        ...(podLabels ? { podSelector: { matchLabels: { ...podLabels } } } : {}),
      },
      ...(principal ? { principal } : {}),
    };
  }
  /** An IP range, such as an external database or API. */
  public static cidr(cidr: string, except: readonly string[] = []): NetworkPeer {
    return { key: `cidr:${cidr}:${except.join(',')}`, policyPeer: { ipBlock: { cidr, ...(except.length ? { except: [...except] } : {}) } } };
  }
  /** Any address outside the cluster's private ranges: public SaaS APIs. */
  public static internet(): NetworkPeer {
    return Peer.cidr('0.0.0.0/0', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  }
}

/** One end of a connection: berth workloads implement it. */
export interface IConnectable {
  readonly connections: Connections;
}

/** How `connectTo` opens a connection. */
export interface ConnectOptions {
  /** The callee's ports to open. @default - all of them */
  readonly ports?: readonly ServicePort[];
  /**
   * Connections one caller pod keeps open to the callee, when the callee limits them (a
   * postgres store): the synth adds every caller's pool times its peak pods against the limit.
   * @default - the caller's default: 5 for a web service, 1 for a job
   */
  readonly pool?: number;
}

interface Rule {
  readonly peer: NetworkPeer;
  readonly ports: Map<string, { port: number; protocol: 'TCP' | 'UDP' }>;
}

/**
 * Who may talk to a workload and whom it may call, in the spirit of aws-cdk's ec2
 * `Connections`. One call to `connectTo` opens both ends: an ingress rule on the
 * callee and an egress rule on the caller, so default-deny holds everywhere else.
 */
export class Connections {
  private readonly ingress = new Map<string, Rule>();
  private readonly egress = new Map<string, Rule>();
  /** Pool sizes to connection-limited callees, by the Service name their limit counts under. */
  private readonly poolSizes = new Map<string, number>();
  /** Who connected to this workload, so a later traffic split can open its other backends to them. */
  private readonly callers: { readonly caller: Connections; readonly ports: readonly ServicePort[] }[] = [];
  /** Workloads that take a share of this one's traffic (a mesh canary split). */
  private readonly splits: Connections[] = [];

  /**
   * @param selector the workload's selector labels
   * @param ports the ports callers reach by default
   * @param limitedAs the Service name under which this workload's connection limit counts
   *   callers' pools (a postgres store, a pooler); undefined when it has none
   * @param principal the workload's mesh identity (its ServiceAccount's), which its callees'
   *   AuthorizationPolicies admit; undefined when it has none of its own
   */
  constructor(
    public readonly selector: Readonly<Record<string, string>>,
    public readonly ports: readonly ServicePort[],
    public readonly limitedAs?: string,
    public readonly principal?: string,
  ) {}

  /** This workload as a peer of others. */
  public get peer(): NetworkPeer {
    return Peer.pods(this.selector, this.principal);
  }

  /** Admits `peer` on `ports` (container ports). @default all of this workload's ports */
  public allowFrom(peer: NetworkPeer, ports: readonly ServicePort[] = this.ports): void {
    addRule(this.ingress, peer, ports);
  }

  /** Lets this workload call `peer` on `ports`. */
  public allowTo(peer: NetworkPeer, ports: readonly ServicePort[]): void {
    addRule(this.egress, peer, ports);
  }

  /**
   * Opens `other`'s ports (all, or `ports`) to this workload, at both ends. When `other`
   * limits connections, this workload's `pool` to it is recorded for the connection budget.
   */
  public connectTo(other: IConnectable, ports: readonly ServicePort[] = other.connections.ports, pool?: number): void {
    other.connections.allowFrom(this.peer, ports);
    this.allowTo(other.connections.peer, ports);
    const limitedAs = other.connections.limitedAs;
    if (limitedAs !== undefined && pool !== undefined) this.poolSizes.set(limitedAs, Math.max(pool, this.poolSizes.get(limitedAs) ?? 0));
    other.connections.callers.push({ caller: this, ports });
    for (const split of other.connections.splits) this.connectTo({ connections: split }, samePorts(split, ports), pool);
  }

  /**
   * `other` takes a share of this workload's traffic (the mesh sends its callers there too):
   * every caller of this workload, before and after, may also call `other` on the same ports.
   */
  public splitTo(other: IConnectable): void {
    const target = other.connections;
    if (target === this || this.splits.includes(target)) return;
    this.splits.push(target);
    for (const { caller, ports } of [...this.callers]) caller.connectTo(other, samePorts(target, ports));
  }

  /** Pool sizes to connection-limited callees, by the Service name their limit counts under. */
  public get pools(): ReadonlyMap<string, number> {
    return this.poolSizes;
  }

  /** The connection-budget annotation of this workload's object, rendered at synth time. */
  public poolsAnnotation(): Record<string, string> {
    return { [CONNECTION_POOLS_ANNOTATION]: Lazy.any({ produce: () => formatPools(this.poolSizes) }) as unknown as string };
  }

  public ingressRules(): k8s.NetworkPolicyIngressRule[] {
    return [...this.ingress.values()].map((r) => ({ from: [r.peer.policyPeer], ports: renderPorts(r) }));
  }

  /**
   * Who may call this workload, as the mesh knows callers: per set of container ports, the
   * principals of the peers that have one and the namespaces of those known only by
   * namespace. Address ranges have no identity and are left out.
   */
  public callerIdentities(): { readonly ports: readonly number[]; readonly principals: readonly string[]; readonly namespaces: readonly string[] }[] {
    const byPorts = new Map<string, { ports: number[]; principals: Set<string>; namespaces: Set<string> }>();
    for (const r of this.ingress.values()) {
      const ns = r.peer.policyPeer.namespaceSelector?.matchLabels?.[NS_LABEL];
      if (r.peer.principal === undefined && (ns === undefined || r.peer.policyPeer.podSelector !== undefined)) continue;
      const ports = [...new Set([...r.ports.values()].map((p) => p.port))].sort((a, b) => a - b);
      const key = ports.join(',');
      const group = byPorts.get(key) ?? { ports, principals: new Set<string>(), namespaces: new Set<string>() };
      if (r.peer.principal !== undefined) group.principals.add(r.peer.principal);
      else group.namespaces.add(ns!);
      byPorts.set(key, group);
    }
    return [...byPorts.values()]
      .sort((a, b) => a.ports[0] - b.ports[0] || a.ports.length - b.ports.length)
      .map((g) => ({ ports: g.ports, principals: [...g.principals].sort(), namespaces: [...g.namespaces].sort() }));
  }

  public egressRules(): k8s.NetworkPolicyEgressRule[] {
    return [...this.egress.values()].map((r) => ({ to: [r.peer.policyPeer], ports: renderPorts(r) }));
  }
}

/** `target`'s ports with the names of `ports`. */
function samePorts(target: Connections, ports: readonly ServicePort[]): ServicePort[] {
  return target.ports.filter((p) => ports.some((q) => q.name === p.name));
}

function addRule(rules: Map<string, Rule>, peer: NetworkPeer, ports: readonly ServicePort[]): void {
  const rule = rules.get(peer.key) ?? { peer, ports: new Map() };
  for (const p of ports) {
    const protocol = p.protocol ?? 'TCP';
    rule.ports.set(`${protocol}/${p.targetPort}`, { port: p.targetPort, protocol });
  }
  rules.set(peer.key, rule);
}

function renderPorts(rule: Rule): k8s.NetworkPolicyPort[] {
  return [...rule.ports.values()]
    .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))
    .map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
}

/**
 * The workload's own NetworkPolicy. Rules are rendered at synth time, so connections
 * declared after the workload was built (by a gateway, a later service) still land.
 * The namespace baseline denies everything else.
 */
export function workloadNetworkPolicy(
  scope: Construct,
  id: string,
  props: { name: string; labels: Record<string, string>; connections: Connections },
): k8s.KubeNetworkPolicy {
  const { connections } = props;
  return new kinds.KubeNetworkPolicy(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    spec: {
      podSelector: { matchLabels: { ...connections.selector } },
      policyTypes: ['Ingress', 'Egress'],
      // No rules: no field. The API server stores no empty list, so `[]` would differ on every apply.
      ingress: Lazy.any({ produce: () => nonEmpty(connections.ingressRules()) }) as unknown as k8s.NetworkPolicyIngressRule[],
      egress: Lazy.any({ produce: () => nonEmpty(connections.egressRules()) }) as unknown as k8s.NetworkPolicyEgressRule[],
    },
  });
}

function nonEmpty<T>(rules: T[]): T[] | undefined {
  return rules.length > 0 ? rules : undefined;
}

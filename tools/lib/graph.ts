// The dependency picture of a stack: clients → gateways → services → stores, with the
// connections its NetworkPolicies allow. The model is plain data; Graphviz (compiled to
// WebAssembly, @viz-js/viz) lays it out as SVG.
import type { Attributes, Graph } from '@viz-js/viz';
import { stackBudget, WorkloadBudget } from './budget';
import { routeTable } from './routes';
import {
  isEmptySelector, LabelSelector, Manifest, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
  podTemplateOf, selects, specOf,
} from './shapes';

export type NodeKind = 'client' | 'gateway' | 'service' | 'store' | 'job' | 'service-only' | 'outside';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** Display lines; the first is the name. */
  readonly label: readonly string[];
  /** Services that select this node's pods (or the node's own Service). */
  readonly services: readonly string[];
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** `route`: a gateway sends requests; `network`: a NetworkPolicy allows the connection. */
  readonly kind: 'route' | 'network';
  readonly label: string;
  /** For `network`: false when one end's policy allows it but the other end's denies it. */
  readonly allowed: boolean;
}

export interface DependencyGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Whether the namespace denies by default (a policy selecting every pod, per direction). */
  readonly defaultDeny: { readonly ingress: boolean; readonly egress: boolean };
  /** Policies that select every pod and allow something, described: `allow-dns: egress to …`. */
  readonly namespaceWide: readonly string[];
}

interface Workload {
  readonly id: string;
  readonly manifest: Manifest;
  readonly labels: Readonly<Record<string, string>>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

function replicasText(b: WorkloadBudget | undefined): string {
  if (!b) return '';
  if (b.batch) return '';
  return b.minReplicas === b.maxReplicas ? ` ×${b.minReplicas}` : ` ×${b.minReplicas}–${b.maxReplicas}`;
}

function portsText(ports: readonly NetworkPolicyPort[] | undefined): string[] {
  return ports?.length ? ports.map((p) => `${p.port ?? '*'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`) : ['*'];
}

function labelsText(selector: LabelSelector | undefined): string {
  const entries = Object.entries(selector?.matchLabels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k.replace(/^app\.kubernetes\.io\//, '')}=${v}`).join(',') : 'all pods';
}

/** Builds the picture's nodes and edges from one stack's manifests. */
export function dependencyGraph(manifests: readonly Manifest[]): DependencyGraph {
  const budgets = new Map(stackBudget(manifests).workloads.map((w) => [`${w.kind}/${w.name}`, w]));
  const workloads: Workload[] = manifests.filter((m) => WORKLOAD_KINDS.has(m.kind)).map((m) => ({
    id: `${m.kind}/${m.metadata.name}`, manifest: m, labels: podTemplateOf(m)?.metadata?.labels ?? {},
  }));
  const nodes = new Map<string, GraphNode>();
  const servicesOf = new Map<string, string[]>();
  const serviceNode = new Map<string, string>();

  for (const svc of manifests.filter((m) => m.kind === 'Service')) {
    const spec = specOf<{ selector?: Record<string, string>; type?: string; externalName?: string }>(svc) ?? {};
    const targets = spec.selector && Object.keys(spec.selector).length
      ? workloads.filter((w) => w.manifest.kind !== 'Job' && w.manifest.kind !== 'CronJob' && selects({ matchLabels: spec.selector }, w.labels))
      : [];
    if (targets.length === 0) {
      const id = `Service/${svc.metadata.name}`;
      const detail = spec.type === 'ExternalName' ? `→ ${spec.externalName ?? '?'}` : 'no pods in this stack';
      nodes.set(id, { id, kind: 'service-only', label: [svc.metadata.name, `Service · ${detail}`], services: [svc.metadata.name] });
      serviceNode.set(svc.metadata.name, id);
    }
    for (const t of targets) {
      servicesOf.set(t.id, [...(servicesOf.get(t.id) ?? []), svc.metadata.name]);
      if (!serviceNode.has(svc.metadata.name)) serviceNode.set(svc.metadata.name, t.id);
    }
  }
  for (const w of workloads) {
    const kind: NodeKind = w.manifest.kind === 'StatefulSet' ? 'store' : w.manifest.kind === 'Job' || w.manifest.kind === 'CronJob' ? 'job' : 'service';
    const services = servicesOf.get(w.id) ?? [];
    const label = [w.manifest.metadata.name, `${w.manifest.kind}${replicasText(budgets.get(w.id))}`];
    if (services.length && !(services.length === 1 && services[0] === w.manifest.metadata.name)) label.push(`svc: ${services.join(', ')}`);
    nodes.set(w.id, { id: w.id, kind, label, services });
  }

  // Routes: clients → gateway objects → the services' pods.
  const edges: GraphEdge[] = [];
  const routes = routeTable(manifests);
  if (routes.length) nodes.set('clients', { id: 'clients', kind: 'client', label: ['clients'], services: [] });
  const routeLabels = new Map<string, { from: string; to: string; lines: string[] }>();
  const entry = new Map<string, Set<string>>();
  for (const r of routes) {
    const [kind, name] = r.source.split('/');
    const gw = nodes.get(r.source) ?? { id: r.source, kind: 'gateway' as const, label: [name, kind], services: [] };
    nodes.set(r.source, gw);
    entry.set(r.source, new Set([...(entry.get(r.source) ?? []), r.tls === 'yes' ? 'https' : r.tls === 'mesh' ? 'mesh' : 'http']));
    for (const b of r.backends) {
      let to = serviceNode.get(b.service);
      if (!to) {
        to = `Service/${b.service}`;
        nodes.set(to, { id: to, kind: 'service-only', label: [b.service, 'Service · not in this stack'], services: [b.service] });
        serviceNode.set(b.service, to);
      }
      const key = `${r.source}→${to}`;
      const e = routeLabels.get(key) ?? { from: r.source, to, lines: [] };
      const line = `${r.host}${r.path}${b.weight !== undefined ? ` (w${b.weight})` : ''}`;
      if (!e.lines.includes(line)) e.lines.push(line);
      routeLabels.set(key, e);
    }
  }
  for (const [gw, protocols] of entry) edges.push({ from: 'clients', to: gw, kind: 'route', label: [...protocols].sort().join(', '), allowed: true });
  for (const e of routeLabels.values()) {
    const lines = e.lines.length > 3 ? [...e.lines.slice(0, 3), `+${e.lines.length - 3} more`] : e.lines;
    edges.push({ from: e.from, to: e.to, kind: 'route', label: lines.join('\n'), allowed: true });
  }

  // NetworkPolicies.
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy').map((m) => ({ name: m.metadata.name, spec: specOf<NetworkPolicySpec>(m) ?? {} }));
  const typesOf = (s: NetworkPolicySpec): readonly string[] => s.policyTypes ?? ['Ingress', ...(s.egress ? ['Egress'] : [])];
  const selecting = (w: Workload) => policies.filter((p) => selects(p.spec.podSelector, w.labels));
  const isolated = (w: Workload, type: string): boolean => selecting(w).some((p) => typesOf(p.spec).includes(type));
  const namespaceWide: string[] = [];
  const defaultDeny = { ingress: false, egress: false };
  // (from, to) → ports admitted at the callee / let out at the caller
  const flows = new Map<string, { from: string; to: string; ingress: Set<string>; egress: Set<string> }>();
  const flow = (from: string, to: string) => {
    const key = `${from}→${to}`;
    const f = flows.get(key) ?? { from, to, ingress: new Set<string>(), egress: new Set<string>() };
    flows.set(key, f);
    return f;
  };
  const peerIds = (p: NetworkPolicyPeer): string[] => {
    if (p.ipBlock) {
      const id = `cidr:${p.ipBlock.cidr}`;
      const internet = p.ipBlock.cidr === '0.0.0.0/0';
      nodes.set(id, { id, kind: 'outside', label: [internet ? 'internet' : p.ipBlock.cidr, ...(p.ipBlock.except?.length ? [`except ${p.ipBlock.except.join(', ')}`] : [])], services: [] });
      return [id];
    }
    if (p.namespaceSelector !== undefined) {
      const ns = p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? (isEmptySelector(p.namespaceSelector) ? 'any namespace' : labelsText(p.namespaceSelector));
      const pods = p.podSelector && !isEmptySelector(p.podSelector) ? labelsText(p.podSelector) : undefined;
      const id = `ns:${ns}:${pods ?? ''}`;
      nodes.set(id, { id, kind: 'outside', label: [`namespace ${ns}`, ...(pods ? [pods] : [])], services: [] });
      return [id];
    }
    const matched = workloads.filter((w) => selects(p.podSelector, w.labels)).map((w) => w.id);
    if (matched.length) return matched;
    const id = `pods:${labelsText(p.podSelector)}`;
    nodes.set(id, { id, kind: 'outside', label: [`pods ${labelsText(p.podSelector)}`, 'none in this stack'], services: [] });
    return [id];
  };
  for (const p of policies) {
    const types = typesOf(p.spec);
    if (isEmptySelector(p.spec.podSelector)) {
      const rules = [...(types.includes('Ingress') ? (p.spec.ingress ?? []).map((r) => `ingress from ${(r.from ?? []).map((x) => peerText(x)).join(', ') || 'anywhere'} on ${portsText(r.ports).join(', ')}`) : []),
        ...(types.includes('Egress') ? (p.spec.egress ?? []).map((r) => `egress to ${(r.to ?? []).map((x) => peerText(x)).join(', ') || 'anywhere'} on ${portsText(r.ports).join(', ')}`) : [])];
      if (rules.length === 0) {
        if (types.includes('Ingress')) defaultDeny.ingress = true;
        if (types.includes('Egress')) defaultDeny.egress = true;
      } else {
        namespaceWide.push(`${p.name}: ${rules.join('; ')}`);
      }
      continue;
    }
    const targets = workloads.filter((w) => selects(p.spec.podSelector, w.labels));
    for (const t of targets) {
      if (types.includes('Ingress')) {
        for (const r of p.spec.ingress ?? []) {
          const sources = r.from?.length ? r.from.flatMap(peerIds) : [anyone(nodes)];
          for (const s of sources) for (const port of portsText(r.ports)) flow(s, t.id).ingress.add(port);
        }
      }
      if (types.includes('Egress')) {
        for (const r of p.spec.egress ?? []) {
          const dests = r.to?.length ? r.to.flatMap(peerIds) : [anyone(nodes)];
          for (const d of dests) for (const port of portsText(r.ports)) flow(t.id, d).egress.add(port);
        }
      }
    }
  }
  const byId = new Map(workloads.map((w) => [w.id, w]));
  for (const f of flows.values()) {
    const caller = byId.get(f.from);
    const callee = byId.get(f.to);
    const ports = [...new Set([...f.ingress, ...f.egress])].sort();
    const blocked: string[] = [];
    for (const port of ports) {
      const inOk = !callee || f.ingress.has(port) || f.ingress.has('*') || !isolated(callee, 'Ingress');
      const outOk = !caller || f.egress.has(port) || f.egress.has('*') || !isolated(caller, 'Egress');
      if (!inOk) blocked.push(`${port} (no ingress rule on ${callee!.manifest.metadata.name})`);
      else if (!outOk) blocked.push(`${port} (no egress rule on ${caller!.manifest.metadata.name})`);
    }
    edges.push({
      from: f.from, to: f.to, kind: 'network', allowed: blocked.length === 0,
      label: blocked.length ? `blocked: ${blocked.join(', ')}` : ports.join(', '),
    });
  }
  return { nodes: [...nodes.values()], edges, defaultDeny, namespaceWide };
}

function anyone(nodes: Map<string, GraphNode>): string {
  nodes.set('anyone', { id: 'anyone', kind: 'outside', label: ['anyone'], services: [] });
  return 'anyone';
}

function peerText(p: NetworkPolicyPeer): string {
  if (p.ipBlock) return p.ipBlock.cidr;
  const pods = p.podSelector && !isEmptySelector(p.podSelector) ? ` ${labelsText(p.podSelector)}` : '';
  if (p.namespaceSelector !== undefined) {
    return `namespace ${p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? labelsText(p.namespaceSelector)}${pods}`;
  }
  return `pods ${labelsText(p.podSelector)}`;
}

// ---------------------------------------------------------------------------------------

const NODE_STYLE: Readonly<Record<NodeKind, Record<string, string>>> = {
  'client': { shape: 'oval', style: 'filled', fillcolor: '#eeeeee' },
  'gateway': { shape: 'hexagon', style: 'filled', fillcolor: '#d7e8fb' },
  'service': { shape: 'box', style: 'rounded,filled', fillcolor: '#e3f4e1' },
  'store': { shape: 'cylinder', style: 'filled', fillcolor: '#fdf0c9' },
  'job': { shape: 'box', style: 'dashed,filled', fillcolor: '#f3f3f3' },
  'service-only': { shape: 'box', style: 'dotted' },
  'outside': { shape: 'box', style: 'dashed', color: '#888888', fontcolor: '#555555' },
};

/** Graphviz reads `\n` in a label as a line break; a literal backslash must be doubled. */
function gvLabel(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/\\/g, '\\\\')).join('\\n');
}

/** The graph as a @viz-js/viz graph object (no DOT text to escape). */
export function toVizGraph(graph: DependencyGraph, title: string): Graph {
  return {
    directed: true,
    graphAttributes: { rankdir: 'LR', label: title, labelloc: 't', fontname: 'Helvetica', fontsize: 14, nodesep: 0.3, ranksep: 0.8 },
    nodeAttributes: { fontname: 'Helvetica', fontsize: 11 },
    edgeAttributes: { fontname: 'Helvetica', fontsize: 9 },
    nodes: graph.nodes.map((n) => ({ name: n.id, attributes: { ...NODE_STYLE[n.kind], label: gvLabel(n.label), tooltip: n.id } })),
    edges: graph.edges.map((e) => {
      const attributes: Attributes = e.kind === 'route'
        ? { color: '#1f6feb', penwidth: 1.6, label: gvLabel(e.label.split('\n')) }
        : e.allowed
          ? { color: '#2e7d32', label: gvLabel([e.label]) }
          : { color: '#d32f2f', style: 'dashed', fontcolor: '#d32f2f', label: gvLabel([e.label]) };
      return { tail: e.from, head: e.to, attributes };
    }),
  };
}

type VizInstance = Awaited<ReturnType<typeof import('@viz-js/viz').instance>>;
let viz: Promise<VizInstance> | undefined;

/** SVG of the graph, laid out by Graphviz's `dot`. */
export async function renderSvg(graph: DependencyGraph, title: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return (await viz).renderString(toVizGraph(graph, title), { format: 'svg', engine: 'dot' });
}

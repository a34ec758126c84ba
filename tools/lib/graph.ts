// The dependency picture of a stack: clients → gateways → services → stores, with the
// connections its NetworkPolicies allow. The model is plain data; Graphviz (compiled to
// WebAssembly, @viz-js/viz) lays it out as SVG.
import type { Attributes, Graph } from '@viz-js/viz';
import { stackBudget, WorkloadBudget } from './budget';
import { routeTable } from './routes';
import {
  isEmptySelector, Manifest, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec, podTemplateOf, portText,
  ruleText, selectorText, selects, specOf,
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

/**
 * The allowed connections between one peer and many workloads, listed once instead of drawn
 * as edges across the picture: `namespace monitoring → api, nexus on 8000/TCP`.
 */
export interface PeerGroup {
  /** The peer's node id (not drawn), and how it reads: `namespace monitoring`, `Job smoke-test`. */
  readonly peer: string;
  readonly name: string;
  /** `out`: the peer connects to the workloads; `in`: the workloads connect to the peer. */
  readonly direction: 'out' | 'in';
  /** The workloads by the ports of their connections, by name. */
  readonly targets: readonly { readonly ports: string; readonly workloads: readonly string[] }[];
}

export interface GraphOptions {
  /**
   * A peer outside the stack (a namespace, an address block) or a Job with this many allowed
   * connections in one direction is listed as a {@link PeerGroup} instead of drawn: scrapers,
   * mesh gateways and smoke tests reach nearly every workload and would cross the picture.
   * @default 3
   */
  readonly groupAt?: number;
}

export interface DependencyGraph {
  readonly nodes: readonly GraphNode[];
  /** The edges drawn; connections listed in `groups` are not among them. */
  readonly edges: readonly GraphEdge[];
  readonly groups: readonly PeerGroup[];
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
  return ports?.length ? ports.map(portText) : ['*'];
}

/** Builds the picture's nodes and edges from one stack's manifests. */
export function dependencyGraph(manifests: readonly Manifest[], options: GraphOptions = {}): DependencyGraph {
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
  // A gateway object shows its hosts' common domain once, on its node (`*.giia.example.com`,
  // or the one host); its edges show what is left (`auth /`, or the path): a full host on
  // every edge made labels overlap.
  const hostsOf = new Map<string, Set<string>>();
  for (const r of routes) hostsOf.set(r.source, new Set([...(hostsOf.get(r.source) ?? []), r.host]));
  const domainOf = new Map([...hostsOf].map(([source, hosts]) => [source, commonDomain([...hosts])]));
  const hostLine = (source: string): string[] => {
    const d = domainOf.get(source);
    return d === undefined ? [] : [hostsOf.get(source)!.size === 1 ? d : `*.${d}`];
  };
  const routeText = (source: string, host: string, path: string): string => {
    const d = domainOf.get(source);
    if (d === undefined) return `${host}${path}`;
    return host === d ? path : `${host.slice(0, -d.length - 1)} ${path}`;
  };
  for (const r of routes) {
    const [kind, name] = r.source.split('/');
    const gw = nodes.get(r.source) ?? { id: r.source, kind: 'gateway' as const, label: [name, kind, ...hostLine(r.source)], services: [] };
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
      const line = `${routeText(r.source, r.host, r.path)}${b.weight !== undefined ? ` (${b.weight}%)` : ''}`;
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
      const ns = p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? (isEmptySelector(p.namespaceSelector) ? 'any namespace' : selectorText(p.namespaceSelector));
      const pods = p.podSelector && !isEmptySelector(p.podSelector) ? selectorText(p.podSelector) : undefined;
      const id = `ns:${ns}:${pods ?? ''}`;
      nodes.set(id, { id, kind: 'outside', label: [`namespace ${ns}`, ...(pods ? [pods] : [])], services: [] });
      return [id];
    }
    const matched = workloads.filter((w) => selects(p.podSelector, w.labels)).map((w) => w.id);
    if (matched.length) return matched;
    const id = `pods:${selectorText(p.podSelector)}`;
    nodes.set(id, { id, kind: 'outside', label: [`pods ${selectorText(p.podSelector)}`, 'none in this stack'], services: [] });
    return [id];
  };
  for (const p of policies) {
    const types = typesOf(p.spec);
    if (isEmptySelector(p.spec.podSelector)) {
      const rules = [...(types.includes('Ingress') ? (p.spec.ingress ?? []).map((r) => `ingress ${ruleText(r, 'ingress')}`) : []),
        ...(types.includes('Egress') ? (p.spec.egress ?? []).map((r) => `egress ${ruleText(r, 'egress')}`) : [])];
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
  const g = grouped([...nodes.values()], edges, options.groupAt ?? 3);
  return { ...g, ...mergedJobs(g.nodes, g.edges), defaultDeny, namespaceWide };
}

/**
 * Jobs of one kind with the same connections become one node (`postgres-backup,
 * postgres-restore · CronJob ×2`): a store's backup and restore jobs would otherwise take a
 * column each.
 */
function mergedJobs(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Pick<DependencyGraph, 'nodes' | 'edges'> {
  const signature = (n: GraphNode): string => `${n.label[1]}|${edges.filter((e) => e.from === n.id || e.to === n.id)
    .map((e) => `${e.from === n.id ? `>${e.to}` : `<${e.from}`} ${e.kind} ${e.allowed} ${e.label}`).sort().join('|')}`;
  const alike = new Map<string, GraphNode[]>();
  for (const n of nodes.filter((x) => x.kind === 'job')) alike.set(signature(n), [...(alike.get(signature(n)) ?? []), n]);
  const merged = new Map<string, GraphNode>();
  const gone = new Set<string>();
  for (const same of alike.values()) {
    if (same.length < 2) continue;
    const [first, ...rest] = same;
    merged.set(first.id, { ...first, label: [same.map((n) => n.label[0]).join(', '), `${first.label[1]} ×${same.length}`] });
    for (const n of rest) gone.add(n.id);
  }
  return {
    nodes: nodes.filter((n) => !gone.has(n.id)).map((n) => merged.get(n.id) ?? n),
    edges: edges.filter((e) => !gone.has(e.from) && !gone.has(e.to)),
  };
}

/** Moves the allowed connections of fan-out peers into groups, and drops the peers left without edges. */
function grouped(nodes: readonly GraphNode[], edges: readonly GraphEdge[], at: number): Pick<DependencyGraph, 'nodes' | 'edges' | 'groups'> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const taken = new Set<GraphEdge>();
  const groups: PeerGroup[] = [];
  for (const peer of nodes.filter((n) => n.kind === 'outside' || n.kind === 'job')) {
    for (const direction of ['out', 'in'] as const) {
      const es = edges.filter((e) => e.kind === 'network' && e.allowed && (direction === 'out' ? e.from : e.to) === peer.id);
      if (es.length < at) continue;
      const targets = new Map<string, string[]>();
      for (const e of es) {
        taken.add(e);
        const other = byId.get(direction === 'out' ? e.to : e.from)!;
        targets.set(e.label, [...(targets.get(e.label) ?? []), other.label[0]]);
      }
      groups.push({
        peer: peer.id, direction,
        name: peer.kind === 'job' ? `${peer.label[1]} ${peer.label[0]}` : peer.label.join(' '),
        // By name, so the list reads the same whatever order the policies came in.
        targets: [...targets].map(([ports, workloads]) => ({ ports, workloads: workloads.sort() })).sort((x, y) => (x.workloads[0] < y.workloads[0] ? -1 : 1)),
      });
    }
  }
  const kept = edges.filter((e) => !taken.has(e));
  const drawn = new Set(kept.flatMap((e) => [e.from, e.to]));
  const lone = new Set(groups.map((g) => g.peer).filter((id) => !drawn.has(id)));
  return { nodes: nodes.filter((n) => !lone.has(n.id)), edges: kept, groups };
}

/** `namespace monitoring → api, nexus on 8000/TCP; dataflow on 8090/TCP`, or `api, nexus → 10.0.0.0/8 on 443/TCP`. */
export function groupText(g: PeerGroup): string {
  return g.targets.map((t) => (g.direction === 'out'
    ? `${t.workloads.join(', ')} on ${t.ports}`
    : `${t.workloads.join(', ')} → ${g.name} on ${t.ports}`)).join('; ').replace(/^/, g.direction === 'out' ? `${g.name} → ` : '');
}

/**
 * The domain every host ends in, at least two labels long (`giia.example.com` for
 * `auth.giia.example.com` and `catalog.giia.example.com`; a single host is its own), or
 * undefined. A wildcard or missing host (`*`) has none.
 */
export function commonDomain(hosts: readonly string[]): string | undefined {
  if (hosts.length === 0 || hosts.some((h) => h === '*' || h.startsWith('*'))) return undefined;
  if (hosts.length === 1) return hosts[0];
  const split = hosts.map((h) => h.split('.').reverse());
  const common: string[] = [];
  for (let i = 0; split.every((p) => i < p.length - 1 && p[i] === split[0][i]); i++) common.push(split[0][i]);
  return common.length >= 2 ? common.reverse().join('.') : undefined;
}

function anyone(nodes: Map<string, GraphNode>): string {
  nodes.set('anyone', { id: 'anyone', kind: 'outside', label: ['anyone'], services: [] });
  return 'anyone';
}

// ---------------------------------------------------------------------------------------

const NODE_STYLE: Readonly<Record<NodeKind, Record<string, string>>> = {
  'client': { shape: 'oval', style: 'filled', fillcolor: '#eeeeee' },
  'gateway': { shape: 'box', style: 'filled,diagonals', fillcolor: '#d7e8fb', margin: '0.22,0.06' },
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

/**
 * A long label line on lines of about `width` characters, broken after `, ` and, within a
 * name still too long, after `-` (host names stay whole), so nodes stay narrow.
 */
export function wrapName(line: string, width = 24): string[] {
  if (line.length <= width) return [line];
  const parts = line.split(/(?<=, )/).flatMap((p) => (p.length <= width || p.includes('.') ? [p] : p.split(/(?<=-)/)));
  const out: string[] = [];
  let cur = '';
  for (const part of parts) {
    if (cur && cur.length + part.trimEnd().length > width) {
      out.push(cur.trimEnd());
      cur = '';
    }
    cur += part;
  }
  if (cur) out.push(cur.trimEnd());
  return out;
}

function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Splits `a, b, c` into lines of at most `width` characters, at the commas. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(/(?<=[,;]) /)) {
    if (line && line.length + 1 + part.length > width) {
      lines.push(line);
      line = `    ${part}`;
    } else line = line ? `${line} ${part}` : part;
  }
  if (line) lines.push(line);
  return lines;
}

/** The title, and below it the grouped connections, left-aligned. */
function titleLabel(graph: DependencyGraph, title: string): { html: string } {
  const rows = [`<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="16"><B>${htmlText(title)}</B></FONT></TD></TR>`];
  if (graph.groups.length) {
    rows.push('<TR><TD ALIGN="LEFT"><FONT COLOR="#555555">Connections NetworkPolicies allow to or from many workloads, listed instead of drawn:</FONT></TD></TR>');
    for (const g of graph.groups) {
      for (const line of wrap(groupText(g), 110)) rows.push(`<TR><TD ALIGN="LEFT"><FONT COLOR="#2e7d32">${htmlText(line)}</FONT></TD></TR>`);
    }
  }
  return { html: `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">${rows.join('')}</TABLE>` };
}

/**
 * The graph as a @viz-js/viz graph object (no DOT text to escape). Sized to be read at a
 * report page's width (about 1150 px): 14 pt names, 12 pt edge labels.
 */
export function toVizGraph(graph: DependencyGraph, title: string): Graph {
  const jobs = new Set(graph.nodes.filter((n) => n.kind === 'job').map((n) => n.id));
  return {
    directed: true,
    graphAttributes: {
      rankdir: 'TB', label: titleLabel(graph, title), labelloc: 't', labeljust: 'l', fontname: 'Helvetica', fontsize: 12,
      nodesep: 0.25, ranksep: 0.6,
    },
    nodeAttributes: { fontname: 'Helvetica', fontsize: 12, margin: '0.15,0.06' },
    edgeAttributes: { fontname: 'Helvetica', fontsize: 10 },
    nodes: graph.nodes.map((n) => ({ name: n.id, attributes: { ...NODE_STYLE[n.kind], label: gvLabel(n.label.flatMap((l) => wrapName(l))), tooltip: n.id } })),
    edges: graph.edges.map((e) => {
      const attributes: Attributes = e.kind === 'route'
        ? { color: '#1f6feb', penwidth: 1.6, label: gvLabel(e.label.split('\n')) }
        : e.allowed
          ? { color: '#2e7d32', label: gvLabel([e.label]) }
          : { color: '#d32f2f', style: 'dashed', fontcolor: '#d32f2f', label: gvLabel([e.label]) };
      // A job's edges are laid out from the store up to it (the arrow still points at the
      // store): jobs then sit below the stores instead of widening the services' row.
      return jobs.has(e.from) && !jobs.has(e.to)
        ? { tail: e.to, head: e.from, attributes: { ...attributes, dir: 'back' } }
        : { tail: e.from, head: e.to, attributes };
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

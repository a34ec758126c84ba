// The per-stack report (budget, routes, cluster requirements, dependency picture) and the
// index page, as self-contained HTML files.
import { environmentInventory, environmentInventoryMarkdown, inventoryMarkdown, RemoteKeyEntry, remoteKeysOf } from '../../synth/inventory';
import { formatBytes, formatCpu, stackBudget, StackBudget, Totals } from './budget';
import { dependencyGraph, DependencyGraph, renderSvg } from './graph';
import { compareEnvs, compareStacks, DIST_DIRS, StackManifests } from './load';
import { operatorsNeeded, OperatorNeed, Prerequisite, prerequisites, withProviders } from './operators';
import { formatBackends, Route, routeTable } from './routes';

export interface StackReport {
  readonly env: string;
  readonly stack: string;
  /** Object counts per kind, sorted by kind. */
  readonly kinds: readonly { readonly kind: string; readonly count: number }[];
  readonly objects: number;
  readonly budget: StackBudget;
  readonly routes: readonly Route[];
  readonly operators: readonly OperatorNeed[];
  readonly prerequisites: readonly Prerequisite[];
  readonly graph: DependencyGraph;
}

export function analyzeStack(s: StackManifests): StackReport {
  const manifests = s.objects.map((o) => o.manifest);
  const kinds = new Map<string, number>();
  for (const m of manifests) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  return {
    env: s.env,
    stack: s.stack,
    kinds: [...kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, count]) => ({ kind, count })),
    objects: manifests.length,
    budget: stackBudget(manifests),
    routes: routeTable(manifests),
    operators: operatorsNeeded(manifests),
    prerequisites: prerequisites(manifests),
    graph: dependencyGraph(manifests),
  };
}

// ---------------------------------------------------------------------------------------

export function esc(s: string | number): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:90%}
.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:600}.muted{color:#656d76}.chips span{display:inline-block;background:#f6f8fa;border:1px solid #d0d7de;border-radius:1rem;padding:.1rem .7rem;margin:0 .3rem .3rem 0}
.graph{overflow:auto;border:1px solid #d0d7de;padding:.5rem}.graph svg{max-width:100%;height:auto}
`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>`
    + `<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>\n<body>\n${body}\n</body></html>\n`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const limit = (v: number | undefined, f: (n: number) => string): string => (v === undefined ? '<span class="bad">none</span>' : esc(f(v)));
const total = (v: number, unbounded: boolean, f: (n: number) => string): string => `${esc(f(v))}${unbounded ? ' <span class="bad">+ unbounded</span>' : ''}`;

function totalsRow(name: string, t: Totals): string[] {
  return [esc(name), esc(t.pods), esc(formatCpu(t.cpuRequests)), total(t.cpuLimits, t.cpuUnbounded, formatCpu),
    esc(formatBytes(t.memoryRequests)), total(t.memoryLimits, t.memoryUnbounded, formatBytes),
    esc(formatBytes(t.ephemeralRequests)), total(t.ephemeralLimits, t.ephemeralUnbounded, formatBytes), esc(formatBytes(t.storage)), esc(t.claims)];
}

function budgetSection(b: StackBudget): string {
  if (b.workloads.length === 0 && b.claims.length === 0) return '<h2>Resource budget</h2><p class="muted">No workloads or volumes.</p>';
  const rows = b.workloads.map((w) => [
    esc(w.name), esc(w.kind),
    esc(w.batch ? `${w.maxReplicas} per run` : w.kind === 'DaemonSet' ? '1 per node (counted once)'
      : w.minReplicas === w.maxReplicas ? String(w.minReplicas) : `${w.minReplicas}–${w.maxReplicas}`)
      + (w.autoscaler ? ` <span class="muted">(HPA ${esc(w.autoscaler)})</span>` : ''),
    esc(formatCpu(w.perPod.cpuRequest)), limit(w.perPod.cpuLimit, formatCpu),
    esc(formatBytes(w.perPod.memoryRequest)), limit(w.perPod.memoryLimit, formatBytes),
    esc(formatBytes(w.perPod.ephemeralRequest)), limit(w.perPod.ephemeralLimit, formatBytes),
    w.storagePerReplica ? esc(formatBytes(w.storagePerReplica)) : '', w.surge ? esc(`+${w.surge}`) : '',
  ]);
  for (const c of b.claims) rows.push([esc(c.name), 'PersistentVolumeClaim', '', '', '', '', '', '', '', esc(formatBytes(c.bytes)), '']);
  const quota = b.quota.length === 0 ? '' : `<h3>Against the namespace quota (at peak)</h3>${table(['quota', 'resource', 'hard', 'needed', ''],
    b.quota.map((q) => {
      const f = q.resource.includes('cpu') ? formatCpu : q.resource.includes('memory') || q.resource.includes('storage') ? formatBytes : String;
      return [esc(q.quota), `<code>${esc(q.resource)}</code>`, esc(f(q.hard)), esc(f(q.need)), q.fits ? '<span class="ok">fits</span>' : '<span class="bad">exceeds</span>'];
    }), [2, 3])}`;
  return `<h2>Resource budget</h2>
<p class="muted">Per pod: app containers and sidecars together, or the largest init container, whichever is more; missing values take the LimitRange defaults.
<b>disk</b>: ephemeral storage on the node (logs and emptyDirs); an injected mesh sidecar states none.
<b>min</b>: every workload at its minimum replicas; <b>max</b>: at its maximum; <b>peak</b>: max plus rolling-update surge plus one run of every Job.</p>
${table(['workload', 'kind', 'replicas', 'CPU req', 'CPU limit', 'memory req', 'memory limit', 'disk req', 'disk limit', 'storage / replica', 'surge'], rows, [3, 4, 5, 6, 7, 8, 9, 10])}
${table(['scale', 'pods', 'CPU req', 'CPU limit', 'memory req', 'memory limit', 'disk req', 'disk limit', 'storage', 'PVCs'],
    [totalsRow('min', b.min), totalsRow('max', b.max), totalsRow('peak', b.peak)], [1, 2, 3, 4, 5, 6, 7, 8, 9])}
${quota}`;
}

function routesSection(routes: readonly Route[]): string {
  if (routes.length === 0) return '<h2>Routes</h2><p class="muted">No Ingress, HTTPRoute or VirtualService.</p>';
  const tls = (r: Route): string => (r.tls === 'yes' ? '<span class="ok">yes</span>' : r.tls === 'no' ? '<span class="bad">no</span>' : esc(r.tls));
  return `<h2>Routes</h2>${table(['host', 'path', 'match', 'backend', 'TLS', 'via'],
    routes.map((r) => [`<code>${esc(r.host)}</code>`, `<code>${esc(r.path)}</code>`, esc(r.match), `<code>${esc(formatBackends(r.backends))}</code>`, tls(r),
      esc(r.source) + (r.tlsVia ? ` <span class="muted">(${esc(r.tlsVia)})</span>` : '')]))}`;
}

function requirementsSection(ops: readonly OperatorNeed[], pre: readonly Prerequisite[]): string {
  const opTable = ops.length === 0 ? '<p class="muted">Only built-in Kubernetes APIs.</p>'
    : table(['API group', 'operator', 'kinds', 'versions'], ops.map((o) => [`<code>${esc(o.group)}</code>`, esc(o.operator),
      esc(o.kinds.map((k) => `${k.kind} ×${k.count}`).join(', ')), esc(o.apiVersions.join(', '))]));
  const preTable = pre.length === 0 ? '' : `<h3>Named cluster objects</h3>${table(['kind', 'name', 'used by', 'provided by'],
    pre.map((p) => [esc(p.kind), `<code>${esc(p.name)}</code>`, esc(p.usedBy.join(', ')),
      p.providedBy ? `<code>${esc(p.providedBy)}/</code> (apply once per cluster)` : '<span class="muted">the cluster\'s operators</span>']))}`;
  return `<h2>CRDs and operators</h2>${opTable}${preTable}`;
}

function graphSection(g: DependencyGraph, svg: string | undefined): string {
  const deny = `Default deny: ingress ${g.defaultDeny.ingress ? '<span class="ok">yes</span>' : '<span class="bad">no</span>'}, `
    + `egress ${g.defaultDeny.egress ? '<span class="ok">yes</span>' : '<span class="bad">no</span>'}.`;
  const wide = g.namespaceWide.length ? `<p>Applies to every pod:</p><ul>${g.namespaceWide.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  const blocked = g.edges.filter((e) => !e.allowed);
  const warn = blocked.length ? `<p class="bad">Half-open connections (one side allows, the other denies):</p><ul>${blocked.map((e) => `<li>${esc(e.from)} → ${esc(e.to)}: ${esc(e.label)}</li>`).join('')}</ul>` : '';
  const picture = svg ? `<div class="graph">${svg.replace(/^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?/, '')}</div>` : '<p class="muted">Nothing to draw.</p>';
  return `<h2>Dependencies</h2>
<p class="muted">Blue: routes from clients through the gateway objects (a gateway object shows its hosts' domain; its edges, the rest of the host and the path).
Green: connections NetworkPolicies allow (ports). Red dashed: allowed at one end only.
Box with cut corners: gateway object; rounded box: service pods; cylinder: store (StatefulSet); dashed: a Job, or outside this stack.
Jobs are drawn below the stores they use, and jobs with the same connections as one box. A peer that reaches many workloads
(a scraper, a mesh or ingress gateway, a smoke test) is listed at the top of the picture instead of drawn.</p>
<p>${deny}</p>${wide}${warn}${picture}`;
}

export function stackPage(r: StackReport, svg: string | undefined): string {
  const b = r.budget;
  const chips = [`${r.objects} objects`, `${b.min.pods}–${b.max.pods} pods`, `${r.routes.length} routes`, `${r.operators.length} CRD groups`];
  return page(`${r.env}/${r.stack} · berth report`, `<p><a href="../index.html">← all stacks</a></p>
<h1><code>${esc(r.env)}/${esc(r.stack)}</code></h1>
<p class="chips">${chips.map((c) => `<span>${esc(c)}</span>`).join('')}</p>
<p class="muted">${esc(r.kinds.map((k) => `${k.kind} ×${k.count}`).join(' · '))}</p>
${budgetSection(b)}
${routesSection(r.routes)}
${requirementsSection(r.operators, r.prerequisites)}
${graphSection(r.graph, svg)}`);
}

function sum(ts: readonly Totals[]): Totals {
  return ts.reduce((a, t) => ({
    pods: a.pods + t.pods, cpuRequests: a.cpuRequests + t.cpuRequests, memoryRequests: a.memoryRequests + t.memoryRequests,
    cpuLimits: a.cpuLimits + t.cpuLimits, memoryLimits: a.memoryLimits + t.memoryLimits,
    cpuUnbounded: a.cpuUnbounded || t.cpuUnbounded, memoryUnbounded: a.memoryUnbounded || t.memoryUnbounded,
    storage: a.storage + t.storage, claims: a.claims + t.claims,
    ephemeralRequests: a.ephemeralRequests + t.ephemeralRequests, ephemeralLimits: a.ephemeralLimits + t.ephemeralLimits,
    ephemeralUnbounded: a.ephemeralUnbounded || t.ephemeralUnbounded,
  }), {
    pods: 0, cpuRequests: 0, memoryRequests: 0, cpuLimits: 0, memoryLimits: 0, cpuUnbounded: false, memoryUnbounded: false, storage: 0, claims: 0,
    ephemeralRequests: 0, ephemeralLimits: 0, ephemeralUnbounded: false,
  });
}

/** Where a stack's page and picture go, relative to the report root. */
export const pagePath = (r: { env: string; stack: string }): string => `${r.env}/${r.stack}.html`;
export const svgPath = (r: { env: string; stack: string }): string => `${r.env}/${r.stack}.svg`;

export function indexPage(reports: readonly StackReport[], source: string, inventories: ReadonlyMap<string, number> = new Map(),
  environmentInventories: ReadonlyMap<string, number> = new Map()): string {
  const envs = [...new Set(reports.map((r) => r.env))].sort(compareEnvs);
  const sections = envs.map((env) => {
    const remote = inventories.get(env) ?? 0;
    const inventory = remote > 0
      ? `<p>Secret store: ${esc(remote)} remote value(s), listed in <a href="${esc(`${env}/secret-inventory.md`)}">${esc(`${env}/secret-inventory.md`)}</a> (and <code>.json</code>).</p>`
      : '';
    const rs = reports.filter((r) => r.env === env);
    const row = (name: string, min: Totals, max: Totals, extra: readonly string[]): string[] => [
      name, esc(`${min.pods}–${max.pods}`), esc(`${formatCpu(min.cpuRequests)} – ${formatCpu(max.cpuRequests)}`),
      esc(`${formatBytes(min.memoryRequests)} – ${formatBytes(max.memoryRequests)}`), esc(formatBytes(max.storage)), ...extra];
    const rows = rs.map((r) => {
      const over = r.budget.quota.filter((q) => !q.fits).map((q) => q.resource);
      return row(`<a href="${esc(pagePath(r))}">${esc(r.stack)}</a>`, r.budget.min, r.budget.max, [
        esc(r.objects), esc(r.routes.length), esc(r.operators.map((o) => o.operator).filter((o, i, a) => a.indexOf(o) === i).join(', ')),
        r.budget.quota.length === 0 ? '' : over.length ? `<span class="bad">exceeds ${esc(over.join(', '))}</span>` : '<span class="ok">fits</span>',
        r.graph.nodes.length ? `<a href="${esc(svgPath(r))}">svg</a>` : '',
      ]);
    });
    rows.push(row('<b>total</b>', sum(rs.map((r) => r.budget.min)), sum(rs.map((r) => r.budget.max)),
      [esc(rs.reduce((n, r) => n + r.objects, 0)), esc(rs.reduce((n, r) => n + r.routes.length, 0)), '', '', '']));
    return `<h2>${esc(env)}</h2>${inventory}${table(['stack', 'pods', 'CPU requests (min – max)', 'memory requests (min – max)', 'storage',
      'objects', 'routes', 'operators', 'quota at peak', 'picture'], rows, [1, 2, 3, 4, 5, 6])}`;
  });
  return page('berth report', `<h1>berth report</h1>
<p class="muted">From ${esc(source)}. Regenerate with <code>npm run synth &amp;&amp; npm run report</code>.</p>
${[...environmentInventories].map(([env, n]) => `<p>Secret store of ${esc(env)}, every cluster: ${esc(n)} remote value(s), listed once in <a href="${esc(`${env}/secret-inventory.md`)}">${esc(`${env}/secret-inventory.md`)}</a> (and <code>.json</code>).</p>\n`).join('')}${sections.join('\n')}`);
}

/** Every report file, relative to the report root: the index, and a page and picture per stack. */
export async function renderReports(stacks: readonly StackManifests[], source: string): Promise<Map<string, string>> {
  // What each cluster's own prerequisites directory (dist/<dir>/cluster) creates.
  const provided = new Map<string, Map<string, string>>();
  for (const st of stacks.filter((x) => x.stack === 'cluster')) {
    provided.set(st.env, new Map(st.objects.map((o) => [`${o.manifest.kind}/${o.manifest.metadata.name}`, `dist/${st.env}/cluster`])));
  }
  const reports = [...stacks].sort(compareStacks).map(analyzeStack)
    .map((r) => (provided.has(r.env) ? { ...r, prerequisites: withProviders(r.prerequisites, provided.get(r.env)!) } : r));
  const files = new Map<string, string>();
  for (const r of reports) {
    const svg = r.graph.nodes.length ? await renderSvg(r.graph, `${r.env}/${r.stack}`) : undefined;
    if (svg) files.set(svgPath(r), svg);
    files.set(pagePath(r), stackPage(r, svg));
  }
  // One inventory per directory: what its secret store must hold before a sync.
  const counts = new Map<string, number>();
  const byDir = new Map<string, RemoteKeyEntry[]>();
  for (const env of [...new Set(stacks.map((st) => st.env))]) {
    const entries = [...stacks].filter((st) => st.env === env).sort(compareStacks)
      .flatMap((st) => remoteKeysOf(st.stack, st.objects.map((o) => o.manifest)));
    if (entries.length === 0) continue;
    counts.set(env, entries.length);
    byDir.set(env, entries);
    files.set(`${env}/secret-inventory.md`, inventoryMarkdown(env, entries));
    files.set(`${env}/secret-inventory.json`, `${JSON.stringify(entries, null, 2)}\n`);
  }
  // And one per environment with several clusters: they share its store and keys, so its
  // operator checks one list (reports/<env>/, a name no cluster's directory takes).
  const rollUps = new Map<string, number>();
  for (const env of [...new Set(DIST_DIRS.map((d) => d.environment))]) {
    const dirs = DIST_DIRS.filter((d) => d.environment === env && d.dir !== env && byDir.has(d.dir)).map((d) => d.dir);
    if (dirs.length < 2) continue;
    const entries = environmentInventory(dirs.map((dir) => ({ dir, entries: byDir.get(dir)! })));
    rollUps.set(env, entries.length);
    files.set(`${env}/secret-inventory.md`, environmentInventoryMarkdown(env, dirs, entries));
    files.set(`${env}/secret-inventory.json`, `${JSON.stringify(entries, null, 2)}\n`);
  }
  files.set('index.html', indexPage(reports, source, counts, rollUps));
  return files;
}

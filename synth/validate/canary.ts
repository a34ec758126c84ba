// Weighted backends (canaries) that survive a node drain, and in-mesh callers that see the
// same split as outside traffic.
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { LabelSelector, labelsOf, PodTemplate, record, replicasOf } from './model';
import { hpaFor, namespaceOf, networkOf, serviceTarget } from './network';
import { perStack, Report } from './report';
import { RouteRef, routesOf } from './routes';
import { selectorMatches } from './selectors';
import { indexOf, StackIndex } from './stack-index';

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

/** The fewest replicas a workload runs: its HPA's minimum, else `spec.replicas`. */
function minReplicas(idx: StackIndex, workload: RenderedObject): number {
  const hpa = hpaFor(idx, workload);
  if (hpa) return typeof hpa.minReplicas === 'number' ? hpa.minReplicas : 1;
  return replicasOf(workload.manifest);
}

function coveredByPdb(idx: StackIndex, pod: PodTemplate): boolean {
  return idx.ofKind('PodDisruptionBudget').some((pdb) => namespaceOf(pdb) === namespaceOf(pod.object)
    && selectorMatches(record(record(pdb.manifest.spec).selector) as LabelSelector, pod.labels));
}

function podsOf(idx: StackIndex, route: RouteRef): PodTemplate[] {
  const svc = idx.get('Service', route.service);
  if (!svc || namespaceOf(svc) !== namespaceOf(route.object)) return [];
  const selector = labelsOf(record(svc.manifest.spec).selector);
  if (Object.keys(selector).length === 0) return [];
  return idx.pods.matchingMap(selector).filter((p) => namespaceOf(p.object) === namespaceOf(svc));
}

function checkDrains(report: Report, idx: StackIndex, weighted: readonly RouteRef[]): void {
  const seen = new Set<string>();
  for (const route of weighted) {
    const key = `${describe(route.object)}|${route.service}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const pod of podsOf(idx, route)) {
      const min = minReplicas(idx, pod.object);
      const pdb = coveredByPdb(idx, pod);
      if (min >= 2 && pdb) continue;
      const problem = min < 2 ? `runs ${min} pod` : 'has no PodDisruptionBudget';
      report.add(route.object, route.path,
        `sends ${route.weight} % of its requests to Service ${route.service}, whose ${describe(pod.object)} ${problem}: a node drain takes that share down with it`,
        'run the weighted backend with at least 2 replicas, which also gives it a PDB (maxUnavailable: 1)');
      break;
    }
  }
}

/** Gateway-bound Istio splits whose stable service in-mesh callers reach directly, around the split. */
function checkMeshSplit(report: Report, idx: StackIndex, routes: readonly RouteRef[]): void {
  const net = networkOf(idx);
  const byEntry = new Map<string, RouteRef[]>();
  for (const r of routes) {
    if (r.via !== 'virtualservice' || r.mesh) continue;
    const key = `${describe(r.object)}|${r.path.slice(0, 3).join('.')}`;
    const group = byEntry.get(key) ?? [];
    group.push(r);
    byEntry.set(key, group);
  }
  const meshSplits = new Set(routes.filter((r) => r.via === 'virtualservice' && r.mesh && r.weight < 100).map((r) => r.service));
  for (const group of byEntry.values()) {
    if (group.length < 2 || group.every((r) => r.weight === 100)) continue;
    const stable = group.reduce((a, b) => (b.weight > a.weight ? b : a));
    if (meshSplits.has(stable.service)) continue;
    const svc = idx.get('Service', stable.service);
    if (!svc) continue;
    const target = serviceTarget(idx, svc, { number: stable.port.number });
    if (!target) continue;
    const callers = idx.pods.pods.filter((p) => net.meshed(p) && !target.pods.some((d) => d.pod === p)
      && target.pods.some((d) => net.egressAdmits(p, d.pod, d.port)));
    if (callers.length === 0) continue;
    report.add(stable.object, stable.path,
      `splits ${group.map((r) => `${r.weight} % to ${r.service}`).join(', ')} at the gateway only: in-mesh callers (${callers.map((c) => describe(c.object)).join(', ')}) reach Service ${stable.service} directly and never see the split`,
      `add a VirtualService for ${stable.service}'s cluster host bound to the mesh gateway with the same weights (the IngressGateway does in istio mode)`);
  }
}

/** Weighted backends run 2+ replicas under a PDB; in the mesh, in-cluster callers see the same split. */
export function canaryValidator(): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    const routes = routesOf(idx.stack.objects);
    checkDrains(report, idx, routes.filter((r) => r.weight > 0 && r.weight < 100));
    checkMeshSplit(report, idx, routes);
  });
}

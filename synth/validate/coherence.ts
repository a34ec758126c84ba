// Cross-object rules within one stack: what a Service, route, autoscaler, PDB or
// NetworkPolicy points at must exist, with the ports and labels it expects.
import { formatValue } from '../../constructs/core/errors';
import { RUNTIME_PODS_ANNOTATION } from '../../constructs/core/external-refs';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { LabelSelector, labelsOf, list, PodTemplate, record, records, replicasOf } from './model';
import { Path } from './paths';
import { perStack, Report } from './report';
import { isEmptySelector } from './selectors';
import { indexOf, StackIndex } from './stack-index';

function namespaceOf(o: RenderedObject): string | undefined {
  return o.manifest.metadata?.namespace;
}

function podsIn(pods: readonly PodTemplate[], ns: string | undefined): PodTemplate[] {
  return pods.filter((p) => namespaceOf(p.object) === ns);
}

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

interface ServicePort {
  readonly name?: string;
  readonly port?: number;
}

function servicePorts(svc: RenderedObject): readonly ServicePort[] {
  return records(record(svc.manifest.spec).ports).map((p) => record(p) as ServicePort);
}

function portList(svc: RenderedObject): string {
  return servicePorts(svc).map((p) => (p.name && p.port !== undefined ? `${p.name} (${p.port})` : String(p.name ?? p.port))).join(', ');
}

function checkServices(report: Report, idx: StackIndex): void {
  for (const svc of idx.ofKind('Service')) {
    if (svc.manifest.apiVersion !== 'v1') continue;
    const spec = record(svc.manifest.spec);
    const selector = labelsOf(spec.selector);
    if (spec.type === 'ExternalName' || Object.keys(selector).length === 0) continue;
    const pods = podsIn(idx.pods.matchingMap(selector), namespaceOf(svc));
    if (pods.length === 0) {
      report.add(svc, ['spec', 'selector'], 'matches no pod template in this stack',
        "every selector label must be on a workload's pod template (spec.template.metadata.labels)");
      continue;
    }
    records(spec.ports).forEach((raw, i) => {
      const target = record(raw).targetPort;
      if (typeof target !== 'string') return;
      for (const pod of pods) {
        const declared = list(pod.spec.containers).some((c) => list(record(c).ports).some((p) => record(p).name === target));
        if (!declared) {
          report.add(svc, ['spec', 'ports', i, 'targetPort'], `names port ${formatValue(target)}, which no container of ${describe(pod.object)} declares`,
            'name the container port the same, or use the port number');
        }
      }
    });
  }
}

/** Checks that a backend names a Service of the stack with the given port. */
function checkBackend(report: Report, idx: StackIndex, from: RenderedObject, path: Path, name: unknown, port: { number?: unknown; name?: unknown }, portPath: Path): void {
  if (typeof name !== 'string') return;
  const svc = idx.get('Service', name);
  if (!svc || namespaceOf(svc) !== namespaceOf(from)) {
    report.add(from, path, `names Service ${formatValue(name)}, which this stack does not define`);
    return;
  }
  const ports = servicePorts(svc);
  if (typeof port.number === 'number' && !ports.some((p) => p.port === port.number)) {
    report.add(from, portPath, `is not a port of Service ${formatValue(name)}, received ${port.number}`, `its ports: ${portList(svc)}`);
  }
  if (typeof port.name === 'string' && !ports.some((p) => p.name === port.name)) {
    report.add(from, portPath, `is not a port name of Service ${formatValue(name)}, received ${formatValue(port.name)}`, `its ports: ${portList(svc)}`);
  }
}

function checkIngresses(report: Report, idx: StackIndex): void {
  for (const ing of idx.ofKind('Ingress')) {
    if (ing.manifest.apiVersion !== 'networking.k8s.io/v1') continue;
    const spec = record(ing.manifest.spec);
    const backends: [unknown, Path][] = [[spec.defaultBackend, ['spec', 'defaultBackend']]];
    records(spec.rules).forEach((rule, i) => {
      list(record(record(rule).http).paths).forEach((p, j) => backends.push([record(p).backend, ['spec', 'rules', i, 'http', 'paths', j, 'backend']]));
    });
    for (const [backend, path] of backends) {
      const service = record(record(backend).service);
      if (service.name === undefined) continue;
      const port = record(service.port);
      checkBackend(report, idx, ing, [...path, 'service', 'name'], service.name, port,
        [...path, 'service', 'port', port.name !== undefined ? 'name' : 'number']);
    }
  }
}

function checkHttpRoutes(report: Report, idx: StackIndex): void {
  for (const route of idx.ofKind('HTTPRoute')) {
    if (!route.manifest.apiVersion.startsWith('gateway.networking.k8s.io/')) continue;
    records(record(route.manifest.spec).rules).forEach((rule, i) => {
      records(record(rule).backendRefs).forEach((raw, j) => {
        const ref = record(raw);
        const path = ['spec', 'rules', i, 'backendRefs', j];
        const isService = (ref.group === undefined || ref.group === '') && (ref.kind === undefined || ref.kind === 'Service');
        if (!isService || (ref.namespace !== undefined && ref.namespace !== namespaceOf(route))) return;
        if (ref.port === undefined) {
          report.add(route, [...path, 'port'], 'is required for a Service backend');
          return;
        }
        checkBackend(report, idx, route, [...path, 'name'], ref.name, { number: ref.port }, [...path, 'port']);
      });
    });
  }
}

/** An Istio host as a Service of this namespace: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`. */
function serviceOfHost(host: string, ns: string | undefined): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return host;
  if (parts[1] !== ns) return undefined;
  const rest = parts.slice(2).join('.');
  return rest === '' || rest === 'svc' || rest === 'svc.cluster.local' ? parts[0] : undefined;
}

function checkVirtualServices(report: Report, idx: StackIndex): void {
  const subsets = new Map<string, Set<string>>();
  for (const dr of idx.ofKind('DestinationRule')) {
    const spec = record(dr.manifest.spec);
    const svc = typeof spec.host === 'string' ? serviceOfHost(spec.host, namespaceOf(dr)) : undefined;
    if (svc === undefined) continue;
    const set = subsets.get(svc) ?? new Set<string>();
    for (const s of list(spec.subsets)) if (typeof record(s).name === 'string') set.add(record(s).name as string);
    subsets.set(svc, set);
  }
  for (const vs of idx.ofKind('VirtualService')) {
    if (!vs.manifest.apiVersion.startsWith('networking.istio.io/')) continue;
    const spec = record(vs.manifest.spec);
    const destinations: [unknown, Path][] = [];
    for (const proto of ['http', 'tcp', 'tls'] as const) {
      records(spec[proto]).forEach((route, i) => {
        list(record(route).route).forEach((r, j) => destinations.push([record(r).destination, ['spec', proto, i, 'route', j, 'destination']]));
        if (proto === 'http' && record(route).mirror !== undefined) destinations.push([record(route).mirror, ['spec', proto, i, 'mirror']]);
      });
    }
    for (const [raw, path] of destinations) {
      const dest = record(raw);
      if (typeof dest.host !== 'string') continue;
      const name = serviceOfHost(dest.host, namespaceOf(vs));
      if (name === undefined) continue;
      const svc = idx.get('Service', name);
      const port = record(dest.port);
      if (svc && port.number === undefined && servicePorts(svc).length > 1) {
        report.add(vs, [...path, 'port'], `is required: Service ${formatValue(name)} has several ports`, `its ports: ${portList(svc)}`);
      }
      checkBackend(report, idx, vs, [...path, 'host'], name, port, [...path, 'port', 'number']);
      if (typeof dest.subset === 'string' && !(subsets.get(name)?.has(dest.subset) ?? false)) {
        report.add(vs, [...path, 'subset'], `names subset ${formatValue(dest.subset)}, which no DestinationRule of this stack defines for ${formatValue(name)}`);
      }
    }
  }
}

interface TargetRef {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
}

function resolveTarget(idx: StackIndex, ref: TargetRef, from: RenderedObject): RenderedObject | undefined {
  if (typeof ref.kind !== 'string' || typeof ref.name !== 'string') return undefined;
  const o = idx.get(ref.kind, ref.name);
  if (!o || namespaceOf(o) !== namespaceOf(from)) return undefined;
  if (ref.apiVersion !== undefined && ref.apiVersion !== o.manifest.apiVersion) return undefined;
  return o;
}

/** Workload → the HPA minReplicas that governs it. */
function checkAutoscalers(report: Report, idx: StackIndex): Map<RenderedObject, number> {
  const minReplicas = new Map<RenderedObject, number>();
  for (const hpa of idx.ofKind('HorizontalPodAutoscaler')) {
    const spec = record(hpa.manifest.spec);
    const ref = record(spec.scaleTargetRef) as TargetRef;
    const target = resolveTarget(idx, ref, hpa);
    if (!target) {
      report.add(hpa, ['spec', 'scaleTargetRef'], `names ${ref.kind}/${ref.name} (${ref.apiVersion}), which this stack does not define`);
      continue;
    }
    minReplicas.set(target, typeof spec.minReplicas === 'number' ? spec.minReplicas : 1);
  }
  for (const vpa of idx.ofKind('VerticalPodAutoscaler')) {
    const ref = record(record(vpa.manifest.spec).targetRef) as TargetRef;
    if (!resolveTarget(idx, ref, vpa)) {
      report.add(vpa, ['spec', 'targetRef'], `names ${ref.kind}/${ref.name} (${ref.apiVersion}), which this stack does not define`);
    }
  }
  return minReplicas;
}

/** `n` or `"n%"` of `total`, rounded up as the disruption controller does. */
function scaled(v: unknown, total: number): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  return undefined;
}

function checkDisruptionBudgets(report: Report, idx: StackIndex, hpaMin: ReadonlyMap<RenderedObject, number>): void {
  const coveredBy = new Map<PodTemplate, RenderedObject>();
  for (const pdb of idx.ofKind('PodDisruptionBudget')) {
    const spec = record(pdb.manifest.spec);
    const selector = record(spec.selector) as LabelSelector;
    const pods = podsIn(isEmptySelector(selector) ? [...idx.pods.pods] : idx.pods.matching(selector), namespaceOf(pdb));
    if (pods.length === 0) {
      report.add(pdb, ['spec', 'selector'], 'matches no pod template in this stack', "every selector label must be on a workload's pod template");
      continue;
    }
    for (const pod of pods) {
      const other = coveredBy.get(pod);
      if (other) {
        report.add(pdb, ['spec', 'selector'], `selects the pods of ${describe(pod.object)}, which ${describe(other)} already covers`,
          'the eviction API refuses to evict a pod that more than one PDB covers, which blocks drains');
      } else {
        coveredBy.set(pod, pdb);
      }
    }
    const replicas = pods.reduce((n, p) => n + (hpaMin.get(p.object) ?? replicasOf(p.object.manifest)), 0);
    const targets = pods.map((p) => describe(p.object)).join(', ');
    const counted = pods.some((p) => hpaMin.has(p.object)) ? `${replicas} replicas (HPA minimum)` : `${replicas} replicas`;
    const hint = 'use maxUnavailable: 1, which always allows one eviction';
    if (replicas < 2) {
      report.add(pdb, ['spec'], `covers ${targets}, which runs a single replica: the PDB either blocks every drain or protects nothing`,
        'run at least 2 replicas (HPA minReplicas >= 2), or drop the PDB');
      continue;
    }
    const maxUnavailable = scaled(spec.maxUnavailable, replicas);
    const minAvailable = scaled(spec.minAvailable, replicas);
    if (maxUnavailable !== undefined && maxUnavailable < 1) {
      report.add(pdb, ['spec', 'maxUnavailable'], `allows no eviction of ${targets}, so node drains block forever, received ${formatValue(spec.maxUnavailable)}`, hint);
    } else if (minAvailable !== undefined && minAvailable >= replicas) {
      report.add(pdb, ['spec', 'minAvailable'], `keeps ${minAvailable} of the ${counted} of ${targets} available, so no eviction is ever allowed and node drains block, received ${formatValue(spec.minAvailable)}`, hint);
    }
  }
}

function checkNetworkPolicies(report: Report, idx: StackIndex): void {
  for (const np of idx.ofKind('NetworkPolicy')) {
    const ns = namespaceOf(np);
    const spec = record(np.manifest.spec);
    const selector = record(spec.podSelector) as LabelSelector;
    const pods = podsIn(isEmptySelector(selector) ? [...idx.pods.pods] : idx.pods.matching(selector), ns);
    // Pods an operator creates at run time (cert-manager's solvers) have no template here.
    const runtimePods = (np.manifest.metadata?.annotations ?? {})[RUNTIME_PODS_ANNOTATION];
    if (pods.length === 0 && !runtimePods) {
      report.add(np, ['spec', 'podSelector'], isEmptySelector(selector) ? 'selects all pods, but this stack runs none in its namespace' : 'matches no pod template in this stack',
        `a NetworkPolicy that selects nothing has no effect: fix its labels, remove it, or annotate ${RUNTIME_PODS_ANNOTATION} with who creates its pods`);
    }
    for (const [dir, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
      records(spec[dir]).forEach((rule, i) => {
        records(record(rule)[peersKey]).forEach((raw, j) => {
          const peer = record(raw);
          if (peer.podSelector === undefined || peer.namespaceSelector !== undefined) return;
          const sel = record(peer.podSelector) as LabelSelector;
          if (isEmptySelector(sel)) return;
          if (podsIn(idx.pods.matching(sel), ns).length === 0) {
            report.add(np, ['spec', dir, i, peersKey, j, 'podSelector'], 'matches no pod template in this stack',
              'a peer without namespaceSelector means pods of this namespace: fix its labels, or add a namespaceSelector for another namespace');
          }
        });
      });
    }
  }
}

function checkStatefulSets(report: Report, idx: StackIndex): void {
  for (const sts of idx.ofKind('StatefulSet')) {
    const name = record(sts.manifest.spec).serviceName;
    if (typeof name !== 'string' || name === '') continue;
    const svc = idx.get('Service', name);
    if (!svc || namespaceOf(svc) !== namespaceOf(sts)) {
      report.add(sts, ['spec', 'serviceName'], `names Service ${formatValue(name)}, which this stack does not define`,
        "the pods' DNS names (<pod>.<serviceName>) need that headless Service (clusterIP: None)");
    }
  }
}

function checkServiceMonitors(report: Report, idx: StackIndex): void {
  const monitors = idx.ofKind('ServiceMonitor');
  if (monitors.length === 0) return;
  // Services by `key=value` of their own labels, so each monitor scans only one bucket.
  const byLabel = new Map<string, RenderedObject[]>();
  for (const svc of idx.ofKind('Service')) {
    for (const [k, v] of Object.entries(labelsOf(svc.manifest.metadata?.labels))) {
      const bucket = byLabel.get(`${k}=${v}`);
      if (bucket) bucket.push(svc);
      else byLabel.set(`${k}=${v}`, [svc]);
    }
  }
  for (const sm of monitors) {
    const spec = record(sm.manifest.spec);
    if (spec.namespaceSelector !== undefined) continue;
    const required = Object.entries(labelsOf(record(spec.selector).matchLabels));
    const buckets = required.map(([k, v]) => byLabel.get(`${k}=${v}`) ?? []);
    const candidates = buckets.length ? buckets.reduce((a, b) => (b.length < a.length ? b : a)) : idx.ofKind('Service');
    const services = candidates.filter((s) => namespaceOf(s) === namespaceOf(sm)
      && required.every(([k, v]) => s.manifest.metadata?.labels?.[k] === v));
    if (services.length === 0) {
      report.add(sm, ['spec', 'selector'], 'matches no Service of this stack', "the selector matches the Services' own labels (metadata.labels), not their pods'");
      continue;
    }
    records(spec.endpoints).forEach((ep, i) => {
      const port = record(ep).port;
      if (typeof port === 'string' && !services.some((s) => servicePorts(s).some((p) => p.name === port))) {
        report.add(sm, ['spec', 'endpoints', i, 'port'], `names port ${formatValue(port)}, which no selected Service declares`, `their ports: ${services.map(portList).join('; ')}`);
      }
    });
  }
}

/** Services, routes, autoscalers, PDBs, NetworkPolicies, StatefulSets and ServiceMonitors point at real things. */
export function coherenceValidator(): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    checkServices(report, idx);
    checkIngresses(report, idx);
    checkHttpRoutes(report, idx);
    checkVirtualServices(report, idx);
    const hpaMin = checkAutoscalers(report, idx);
    checkDisruptionBudgets(report, idx, hpaMin);
    checkNetworkPolicies(report, idx);
    checkStatefulSets(report, idx);
    checkServiceMonitors(report, idx);
  });
}

// A stack's pods must be admissible in its namespace: the floor (every workload at its
// minimum replicas, as the report's budget computes it) fits each ResourceQuota, so does
// one run of every Job beside it, every container has what the quota constrains, and every
// container, pod and claim keeps within the LimitRange. The API server refuses anything
// else at admission, long after the synth wrote it. What happens at the HPA maximum and
// during rollouts (the report's max and peak) is left to the report: a stack that can't
// reach its maximum still runs, so the safety net, which can only refuse, doesn't judge it.
import { parseQuantity } from '../../constructs/core/quantity';
import type { Validator } from '../finding';
import type { Manifest, RenderedObject } from '../render';
import {
  bytes, ContainerDefaults, containerDefaults, cpu, formatBytes, formatCpu, podResources, podSpecOf, QuantityValue, QUOTA_KEYS, Resources,
  specOf, stackBudget, StackBudget, Totals, VolumeClaim, WorkloadBudget,
} from './budget';
import { list, record } from './model';
import type { Path } from './paths';
import { perStack, Report } from './report';

const POD_SPEC_PATH: Readonly<Record<string, Path>> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

type Total = Exclude<keyof Totals, 'cpuUnbounded' | 'memoryUnbounded' | 'ephemeralUnbounded'>;

/** A total in the unit Kubernetes writes it in. */
function show(total: Total, n: number): string {
  if (total === 'cpuRequests' || total === 'cpuLimits') return formatCpu(n);
  if (total === 'pods' || total === 'claims') return String(n);
  return formatBytes(n);
}

/** One resource of a container, a pod or a claim, in base units (millicores, bytes). */
function amount(resource: string, q: QuantityValue | undefined): number | undefined {
  return resource === 'cpu' ? cpu(q) : bytes(q);
}

function showAmount(resource: string, n: number): string {
  return resource === 'cpu' ? formatCpu(n) : formatBytes(n);
}

/** What one pod of a workload adds to a total. */
function perPodOf(w: WorkloadBudget, total: Total): number {
  switch (total) {
    case 'pods': return 1;
    case 'cpuRequests': return w.perPod.cpuRequest;
    case 'memoryRequests': return w.perPod.memoryRequest;
    case 'cpuLimits': return w.perPod.cpuLimit ?? 0;
    case 'memoryLimits': return w.perPod.memoryLimit ?? 0;
    case 'storage': return w.storagePerReplica;
    case 'claims': return w.claimsPerReplica;
    case 'ephemeralRequests': return w.perPod.ephemeralRequest;
    case 'ephemeralLimits': return w.perPod.ephemeralLimit ?? 0;
  }
}

/** The three largest shares of a total at minimum replicas, for the message. */
function largest(budget: StackBudget, total: Total): string {
  const shares: { text: string; n: number }[] = [];
  for (const w of budget.workloads) {
    if (w.batch) continue;
    const each = perPodOf(w, total);
    if (each * w.minReplicas > 0) {
      shares.push({ text: `${w.kind}/${w.name} ${total === 'pods' ? w.minReplicas : `${w.minReplicas} × ${show(total, each)}`}`, n: each * w.minReplicas });
    }
  }
  if (total === 'storage' || total === 'claims') {
    for (const c of budget.claims) shares.push({ text: `PersistentVolumeClaim/${c.name}${total === 'storage' ? ` ${show(total, c.bytes)}` : ''}`, n: total === 'storage' ? c.bytes : 1 });
  }
  shares.sort((a, b) => b.n - a.n);
  return shares.slice(0, 3).map((s) => s.text).join(', ') + (shares.length > 3 ? ', …' : '');
}

interface Quota {
  readonly object: RenderedObject;
  readonly key: string;
  readonly total: Total;
  readonly hard: number;
}

function quotasOf(objects: readonly RenderedObject[]): Quota[] {
  const out: Quota[] = [];
  for (const o of objects) {
    if (o.manifest.kind !== 'ResourceQuota') continue;
    const hard = record<QuantityValue>(record(o.manifest.spec).hard);
    for (const [key, total, parse] of QUOTA_KEYS) {
      const limit = hard[key] === undefined ? undefined : parse(hard[key]);
      if (limit !== undefined) out.push({ object: o, key, total: total as Total, hard: limit });
    }
  }
  return out;
}

/** The floor against every quota, then one run of every Job beside it. */
function checkQuotas(report: Report, quotas: readonly Quota[], budget: StackBudget, byName: ReadonlyMap<string, RenderedObject>): void {
  const floorFits = new Set<Quota>();
  for (const q of quotas) {
    const need = budget.min[q.total];
    if (need <= q.hard) {
      floorFits.add(q);
      continue;
    }
    report.add(q.object, ['spec', 'hard', q.key],
      `the stack needs ${show(q.total, need)} at minimum replicas (${largest(budget, q.total)}), more than the quota's ${show(q.total, q.hard)}: `
        + `${q.total === 'storage' || q.total === 'claims' ? 'claims' : 'pods'} beyond it are refused at admission`,
      'raise the ResourceQuota, or lower minimum replicas, requests or volume sizes; npm run report shows the whole budget');
  }
  for (const w of budget.workloads) {
    if (!w.batch) continue;
    const object = byName.get(`${w.kind}/${w.name}`);
    if (!object) continue;
    for (const q of quotas) {
      if (!floorFits.has(q) || q.total === 'storage' || q.total === 'claims') continue;
      const run = w.maxReplicas * perPodOf(w, q.total);
      const floor = budget.min[q.total];
      if (floor + run <= q.hard) continue;
      report.add(object, POD_SPEC_PATH[w.kind].slice(0, -1),
        `one run (${w.maxReplicas} pod(s)${q.total === 'pods' ? '' : `, ${show(q.total, run)} of ${q.key}`}) does not fit beside the stack at minimum replicas: `
          + `${show(q.total, floor)} + ${show(q.total, run)} = ${show(q.total, floor + run)}, more than ResourceQuota/${q.object.manifest.metadata.name}'s ${show(q.total, q.hard)}, so its pods are refused and it never runs`,
        "raise the ResourceQuota, or lower the Job's requests or the stack's minimum replicas");
    }
  }
}

/** The quota keys a container must declare (after LimitRange defaults), by resource. */
const DECLARED: readonly { readonly key: string; readonly side: 'requests' | 'limits'; readonly resource: string }[] = [
  { key: 'requests.cpu', side: 'requests', resource: 'cpu' }, { key: 'cpu', side: 'requests', resource: 'cpu' },
  { key: 'requests.memory', side: 'requests', resource: 'memory' }, { key: 'memory', side: 'requests', resource: 'memory' },
  { key: 'limits.cpu', side: 'limits', resource: 'cpu' }, { key: 'limits.memory', side: 'limits', resource: 'memory' },
];

/** A container's request and limit of one resource as the API server sees them, and whether the LimitRange gave them. */
function effectiveOf(r: Resources | undefined, defaults: ContainerDefaults, resource: string) {
  const ownLimit = r?.limits?.[resource];
  const ownRequest = r?.requests?.[resource] ?? ownLimit;
  const limit = ownLimit ?? defaults.limit[resource];
  const request = ownRequest ?? defaults.request[resource];
  return {
    request: amount(resource, request), limit: amount(resource, limit),
    requestDefaulted: ownRequest === undefined && request !== undefined, limitDefaulted: ownLimit === undefined && limit !== undefined,
  };
}

interface LimitItem {
  readonly object: RenderedObject;
  readonly index: number;
  readonly type: string;
  readonly max: Readonly<Record<string, QuantityValue>>;
  readonly min: Readonly<Record<string, QuantityValue>>;
  readonly ratio: Readonly<Record<string, QuantityValue>>;
}

function limitItemsOf(objects: readonly RenderedObject[]): LimitItem[] {
  const out: LimitItem[] = [];
  for (const o of objects) {
    if (o.manifest.kind !== 'LimitRange') continue;
    list(record(o.manifest.spec).limits).forEach((l, index) => {
      const item = record(l);
      out.push({
        object: o, index, type: typeof item.type === 'string' ? item.type : '',
        max: record<QuantityValue>(item.max), min: record<QuantityValue>(item.min), ratio: record<QuantityValue>(item.maxLimitRequestRatio),
      });
    });
  }
  return out;
}

/** A LimitRange item of type Container, its bounds parsed once per stack. */
interface ContainerRule {
  readonly lr: string;
  readonly hint: string;
  readonly max: readonly (readonly [string, number])[];
  readonly min: readonly (readonly [string, number])[];
  readonly ratio: readonly (readonly [string, number])[];
}

function containerRules(items: readonly LimitItem[]): ContainerRule[] {
  const parsed = (bounds: Readonly<Record<string, QuantityValue>>, of: (resource: string, q: QuantityValue) => number | undefined) =>
    Object.entries(bounds).flatMap(([resource, q]) => {
      const n = of(resource, q);
      return n === undefined ? [] : [[resource, n] as const];
    });
  return items.filter((i) => i.type === 'Container').map((item) => {
    const lr = `LimitRange/${item.object.manifest.metadata.name}`;
    return {
      lr,
      hint: `keep the container within ${lr}, or change its limits[${item.index}]`,
      max: parsed(item.max, amount),
      min: parsed(item.min, amount),
      ratio: parsed(item.ratio, (_r, q) => parseQuantity(q)),
    };
  });
}

/** What a stack's containers are checked against. */
interface ContainerChecks {
  /** Quota keys that make the API server require a value, with the first quota that sets each. */
  readonly constrained: readonly { readonly key: string; readonly side: 'requests' | 'limits'; readonly resource: string; readonly quota: Quota }[];
  readonly rules: readonly ContainerRule[];
  readonly defaults: ContainerDefaults;
}

type Effective = ReturnType<typeof effectiveOf>;

/** Containers: what the quotas constrain is declared, and each keeps within the LimitRange's Container items. */
function checkContainers(report: Report, o: RenderedObject, checks: ContainerChecks): void {
  const base = POD_SPEC_PATH[o.manifest.kind];
  if (!base) return;
  const spec = podSpecOf(o.manifest);
  if (!spec) return;
  for (const group of ['initContainers', 'containers'] as const) {
    list(spec[group]).forEach((c, i) => {
      const r = record(record(c).resources) as Resources;
      // Each resource read once per container, whatever number of rules ask for it.
      const cache = new Map<string, Effective>();
      const eff = (resource: string): Effective => {
        let e = cache.get(resource);
        if (!e) cache.set(resource, e = effectiveOf(r, checks.defaults, resource));
        return e;
      };
      const at = (side: 'requests' | 'limits', resource: string): Path => [...base, group, i, 'resources', side, resource];
      let reported = '';
      for (const d of checks.constrained) {
        const e = eff(d.resource);
        if ((d.side === 'requests' ? e.request : e.limit) !== undefined || reported.includes(`|${d.side}.${d.resource}|`)) continue;
        reported += `|${d.side}.${d.resource}|`;
        report.add(o, at(d.side, d.resource),
          `is not set, and no LimitRange gives a default, but ResourceQuota/${d.quota.object.manifest.metadata.name} constrains ${d.key}: `
            + `the API server refuses the pod ("must specify ${d.key}")`,
          `set resources.${d.side}.${d.resource} on the container, or a default in the LimitRange`);
      }
      for (const rule of checks.rules) checkContainerLimits(report, o, at, rule, eff);
    });
  }
}

function checkContainerLimits(
  report: Report, o: RenderedObject, at: (side: 'requests' | 'limits', resource: string) => Path, rule: ContainerRule, eff: (resource: string) => Effective,
): void {
  const { lr, hint } = rule;
  const note = (defaulted: boolean) => (defaulted ? ` (${lr}'s default)` : '');
  for (const [resource, max] of rule.max) {
    const e = eff(resource);
    if (e.limit === undefined) {
      report.add(o, at('limits', resource), `is not set, but ${lr} sets a maximum per container of ${showAmount(resource, max)}, which needs a limit: the API server refuses the pod`, hint);
    } else if (e.limit > max) {
      report.add(o, at('limits', resource), `is ${showAmount(resource, e.limit)}${note(e.limitDefaulted)}, above ${lr}'s maximum per container of ${showAmount(resource, max)}: the API server refuses the pod`, hint);
    } else if (e.request !== undefined && e.request > max) {
      report.add(o, at('requests', resource), `is ${showAmount(resource, e.request)}${note(e.requestDefaulted)}, above ${lr}'s maximum per container of ${showAmount(resource, max)}: the API server refuses the pod`, hint);
    }
  }
  for (const [resource, min] of rule.min) {
    const e = eff(resource);
    if (e.request === undefined) {
      report.add(o, at('requests', resource), `is not set, but ${lr} sets a minimum per container of ${showAmount(resource, min)}, which needs a request: the API server refuses the pod`, hint);
    } else if (e.request < min) {
      report.add(o, at('requests', resource), `is ${showAmount(resource, e.request)}${note(e.requestDefaulted)}, below ${lr}'s minimum per container of ${showAmount(resource, min)}: the API server refuses the pod`, hint);
    }
  }
  for (const [resource, ratio] of rule.ratio) {
    const e = eff(resource);
    if (e.request === undefined || e.request === 0 || e.limit === undefined) {
      report.add(o, at(e.limit === undefined ? 'limits' : 'requests', resource),
        `is not set, but ${lr} sets a maxLimitRequestRatio of ${ratio}, which needs both a request and a limit: the API server refuses the pod`, hint);
    } else if (e.limit / e.request > ratio) {
      report.add(o, at('limits', resource),
        `is ${showAmount(resource, e.limit)}${note(e.limitDefaulted)}, ${trim(e.limit / e.request)} times the request of ${showAmount(resource, e.request)}${note(e.requestDefaulted)}, `
          + `above ${lr}'s maxLimitRequestRatio of ${ratio}: the API server refuses the pod`, hint);
    }
  }
}

const trim = (n: number): string => String(Number(n.toFixed(2)));

/** LimitRange items of type Pod (the pod's total) and PersistentVolumeClaim (each claim's size). */
function checkPodsAndClaims(report: Report, o: RenderedObject, items: readonly LimitItem[], defaults: ContainerDefaults): void {
  const m = o.manifest;
  const base = POD_SPEC_PATH[m.kind];
  const spec = podSpecOf(m);
  for (const item of items) {
    const lr = `LimitRange/${item.object.manifest.metadata.name}`;
    const hint = `keep it within ${lr}, or change its limits[${item.index}]`;
    if (item.type === 'Pod' && base && spec) {
      const pod = podResources(spec, defaults);
      for (const resource of ['cpu', 'memory'] as const) {
        const max = amount(resource, item.max[resource]);
        const limit = resource === 'cpu' ? pod.cpuLimit : pod.memoryLimit;
        if (max !== undefined && (limit === undefined || limit > max)) {
          report.add(o, base, `${limit === undefined ? 'leaves the pod\'s ' + resource + ' limit unbounded' : `limits the pod's ${resource} to ${showAmount(resource, limit)}`}, `
            + `but ${lr} allows a pod at most ${showAmount(resource, max)}: the API server refuses the pod`, hint);
        }
        const min = amount(resource, item.min[resource]);
        const request = resource === 'cpu' ? pod.cpuRequest : pod.memoryRequest;
        if (min !== undefined && request < min) {
          report.add(o, base, `requests ${showAmount(resource, request)} of ${resource} for the pod, below ${lr}'s minimum per pod of ${showAmount(resource, min)}: the API server refuses the pod`, hint);
        }
      }
    }
    if (item.type !== 'PersistentVolumeClaim') continue;
    const claims: { claim: VolumeClaim; path: Path }[] = m.kind === 'PersistentVolumeClaim'
      ? [{ claim: m as unknown as VolumeClaim, path: ['spec', 'resources', 'requests', 'storage'] }]
      : m.kind === 'StatefulSet'
        ? (specOf<{ volumeClaimTemplates?: readonly VolumeClaim[] }>(m)?.volumeClaimTemplates ?? [])
          .map((claim, i) => ({ claim, path: ['spec', 'volumeClaimTemplates', i, 'spec', 'resources', 'requests', 'storage'] }))
        : [];
    for (const { claim, path } of claims) {
      const size = bytes(claim.spec?.resources?.requests?.storage);
      const max = bytes(item.max.storage);
      const min = bytes(item.min.storage);
      if (size !== undefined && max !== undefined && size > max) {
        report.add(o, path, `is ${formatBytes(size)}, above ${lr}'s maximum per claim of ${formatBytes(max)}: the API server refuses the claim`, hint);
      }
      if (size !== undefined && min !== undefined && size < min) {
        report.add(o, path, `is ${formatBytes(size)}, below ${lr}'s minimum per claim of ${formatBytes(min)}: the API server refuses the claim`, hint);
      }
    }
  }
}

/** Quota and LimitRange fit of every stack that has a ResourceQuota or a LimitRange. */
export function quotaFitValidator(): Validator {
  return perStack((report) => {
    const objects = report.stack.objects;
    const quotas = quotasOf(objects);
    const items = limitItemsOf(objects);
    if (quotas.length === 0 && items.length === 0) return;
    const manifests: Manifest[] = objects.map((o) => o.manifest);
    const budget = stackBudget(manifests);
    const defaults = containerDefaults(manifests);
    const byName = new Map<string, RenderedObject>();
    for (const o of objects) if (o.manifest.kind === 'Job' || o.manifest.kind === 'CronJob') byName.set(`${o.manifest.kind}/${o.manifest.metadata.name}`, o);
    checkQuotas(report, quotas, budget, byName);
    const checks: ContainerChecks = {
      constrained: DECLARED.flatMap((d) => {
        const quota = quotas.find((q) => q.key === d.key);
        return quota ? [{ ...d, quota }] : [];
      }),
      rules: containerRules(items),
      defaults,
    };
    const podOrClaimItems = items.filter((i) => i.type === 'Pod' || i.type === 'PersistentVolumeClaim');
    for (const o of objects) {
      checkContainers(report, o, checks);
      if (podOrClaimItems.length > 0) checkPodsAndClaims(report, o, podOrClaimItems, defaults);
    }
  });
}

// Resource budget of one stack: pods, CPU, memory and storage at minimum scale, at maximum
// scale, and at the peak of a rollout. Pure arithmetic over manifests; CPU in millicores
// and memory/storage in bytes, as integers, so totals are exact. The report (tools/) shows it;
// the safety net (quota.ts) refuses a stack whose floor can't fit its namespace.
import { parseQuantity } from '../../constructs/core/quantity';
import type { Manifest } from '../render';

export type QuantityValue = string | number;

/** The few fields of manifests the budget reads; manifests may come from YAML, so all optional. */
export interface Resources {
  readonly requests?: Readonly<Record<string, QuantityValue>>;
  readonly limits?: Readonly<Record<string, QuantityValue>>;
}

export interface Container {
  readonly name: string;
  readonly resources?: Resources;
  /** `Always` on an init container makes it a sidecar (Kubernetes 1.28+). */
  readonly restartPolicy?: string;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
}

export interface VolumeClaim {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly resources?: { readonly requests?: Readonly<Record<string, QuantityValue>> } };
}

/** The object's `spec`, typed as what the caller expects to read from it. */
export function specOf<T>(m: Manifest): T | undefined {
  return (m as unknown as { spec?: T }).spec;
}

/** The pod spec of a workload kind, or the spec of a bare Pod. */
export function podSpecOf(m: Manifest): PodSpec | undefined {
  switch (m.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return specOf<{ template?: { spec?: PodSpec } }>(m)?.template?.spec;
    case 'CronJob':
      return specOf<{ jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } }>(m)?.jobTemplate?.spec?.template?.spec;
    case 'Pod':
      return specOf<PodSpec>(m);
    default:
      return undefined;
  }
}

/** What one pod of a workload reserves and may use. Limits are `undefined` when unbounded. */
export interface PodResources {
  readonly cpuRequest: number;
  readonly memoryRequest: number;
  readonly cpuLimit?: number;
  readonly memoryLimit?: number;
  /** Ephemeral storage (the node's disk: logs, emptyDirs), in bytes. */
  readonly ephemeralRequest: number;
  readonly ephemeralLimit?: number;
}

export interface WorkloadBudget {
  readonly kind: string;
  readonly name: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The HorizontalPodAutoscaler that scales it. */
  readonly autoscaler?: string;
  /** Extra pods a rolling update adds at maximum scale (maxSurge). */
  readonly surge: number;
  /** A Job or CronJob: runs to completion, counted once per run. */
  readonly batch: boolean;
  readonly perPod: PodResources;
  /** PVC storage each replica claims through volumeClaimTemplates, in bytes. */
  readonly storagePerReplica: number;
  readonly claimsPerReplica: number;
}

export interface Totals {
  readonly pods: number;
  readonly cpuRequests: number;
  readonly memoryRequests: number;
  readonly cpuLimits: number;
  readonly memoryLimits: number;
  /** True when some pod has no CPU limit: `cpuLimits` is then a lower bound. */
  readonly cpuUnbounded: boolean;
  readonly memoryUnbounded: boolean;
  readonly storage: number;
  readonly claims: number;
  /** Ephemeral storage requested and limited, in bytes; unbounded when some pod states no limit. */
  readonly ephemeralRequests: number;
  readonly ephemeralLimits: number;
  readonly ephemeralUnbounded: boolean;
}

export interface QuotaCheck {
  /** The ResourceQuota key, such as `requests.cpu`. */
  readonly resource: string;
  /** Quota name. */
  readonly quota: string;
  /** The hard limit, in the unit of `need`. */
  readonly hard: number;
  /** What the stack needs at its peak. */
  readonly need: number;
  readonly fits: boolean;
}

export interface StackBudget {
  readonly workloads: readonly WorkloadBudget[];
  /** PersistentVolumeClaims declared on their own, in bytes. */
  readonly claims: readonly { readonly name: string; readonly bytes: number }[];
  /** Every workload at its minimum replicas (HPA min, or `replicas`), plus standalone PVCs. */
  readonly min: Totals;
  /** Every workload at its maximum replicas (HPA max, or `replicas`). */
  readonly max: Totals;
  /** `max` plus rollout surge plus one run of every Job/CronJob: what quotas must admit. */
  readonly peak: Totals;
  /** The namespace's ResourceQuotas against `peak`. */
  readonly quota: readonly QuotaCheck[];
}

/** Millicores of a CPU quantity. */
export const cpu = (q: QuantityValue | undefined): number | undefined => {
  const v = q === undefined ? undefined : parseQuantity(q);
  return v === undefined ? undefined : Math.round(v * 1000);
};
/** Bytes (or a plain count) of a quantity. */
export const bytes = (q: QuantityValue | undefined): number | undefined => {
  const v = q === undefined ? undefined : parseQuantity(q);
  return v === undefined ? undefined : Math.round(v);
};

/** Container defaults from a LimitRange of type Container. */
export interface ContainerDefaults {
  readonly request: Readonly<Record<string, QuantityValue>>;
  readonly limit: Readonly<Record<string, QuantityValue>>;
}

export function containerDefaults(manifests: readonly Manifest[]): ContainerDefaults {
  const request: Record<string, QuantityValue> = {};
  const limit: Record<string, QuantityValue> = {};
  for (const m of manifests.filter((x) => x.kind === 'LimitRange')) {
    for (const l of specOf<{ limits?: { type?: string; default?: Record<string, QuantityValue>; defaultRequest?: Record<string, QuantityValue> }[] }>(m)?.limits ?? []) {
      if (l.type !== 'Container') continue;
      Object.assign(limit, l.default ?? {});
      // The LimitRanger uses the default limit as the default request when none is given.
      Object.assign(request, l.default ?? {}, l.defaultRequest ?? {});
    }
  }
  return { request, limit };
}

/**
 * A container's effective values, as the API server sees them after defaulting: a request
 * defaults to the container's own limit, then to the LimitRange.
 */
export function effective(r: Resources | undefined, defaults: ContainerDefaults): PodResources {
  const limitOf = (k: string): QuantityValue | undefined => r?.limits?.[k] ?? defaults.limit[k];
  const requestOf = (k: string): QuantityValue | undefined => r?.requests?.[k] ?? r?.limits?.[k] ?? defaults.request[k];
  return {
    cpuRequest: cpu(requestOf('cpu')) ?? 0,
    memoryRequest: bytes(requestOf('memory')) ?? 0,
    cpuLimit: cpu(limitOf('cpu')),
    memoryLimit: bytes(limitOf('memory')),
    ephemeralRequest: bytes(requestOf('ephemeral-storage')) ?? 0,
    ephemeralLimit: bytes(limitOf('ephemeral-storage')),
  };
}

type Dim = 'cpuRequest' | 'memoryRequest' | 'cpuLimit' | 'memoryLimit' | 'ephemeralRequest' | 'ephemeralLimit';
const DIMS: readonly Dim[] = ['cpuRequest', 'memoryRequest', 'cpuLimit', 'memoryLimit', 'ephemeralRequest', 'ephemeralLimit'];

/**
 * The pod's effective resources (KEP-753 sidecars included): app containers and sidecars
 * (init containers with `restartPolicy: Always`) run together; each plain init container
 * runs alone beside the sidecars started before it. The pod needs the larger of the two.
 * A dimension is unbounded when any container that counts leaves it unbounded.
 */
export function podResources(spec: PodSpec | undefined, defaults: ContainerDefaults = { request: {}, limit: {} }): PodResources {
  const of = (c: Container): PodResources => effective(c.resources, defaults);
  const add = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a + b);
  const max = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : Math.max(a, b));
  const zero: Record<Dim, number | undefined> = { cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, ephemeralRequest: 0, ephemeralLimit: 0 };
  const sidecarsSoFar = { ...zero };
  const initPeak = { ...zero };
  // Read defensively: the safety net runs this on objects the schema may have rejected.
  for (const c of Array.isArray(spec?.initContainers) ? spec.initContainers : []) {
    const r = of(c);
    for (const d of DIMS) {
      if (c.restartPolicy === 'Always') sidecarsSoFar[d] = add(sidecarsSoFar[d], r[d]);
      else initPeak[d] = max(initPeak[d], add(r[d], sidecarsSoFar[d]));
    }
  }
  const running = { ...sidecarsSoFar };
  for (const c of Array.isArray(spec?.containers) ? spec.containers : []) {
    const r = of(c);
    for (const d of DIMS) running[d] = add(running[d], r[d]);
  }
  const out = Object.fromEntries(DIMS.map((d) => [d, max(running[d], initPeak[d])])) as Record<Dim, number | undefined>;
  return {
    cpuRequest: out.cpuRequest ?? 0,
    memoryRequest: out.memoryRequest ?? 0,
    ...(out.cpuLimit !== undefined ? { cpuLimit: out.cpuLimit } : {}),
    ...(out.memoryLimit !== undefined ? { memoryLimit: out.memoryLimit } : {}),
    ephemeralRequest: out.ephemeralRequest ?? 0,
    ...(out.ephemeralLimit !== undefined ? { ephemeralLimit: out.ephemeralLimit } : {}),
  };
}

/** maxSurge as a pod count: an integer, or a percentage of replicas rounded up (default 25%). */
export function surgeOf(maxSurge: number | string | undefined, replicas: number): number {
  if (typeof maxSurge === 'number') return maxSurge;
  const pct = /^([0-9]+)%$/.exec(maxSurge ?? '25%');
  return pct ? Math.ceil((replicas * Number(pct[1])) / 100) : 0;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

interface WorkloadSpec {
  readonly replicas?: number;
  readonly parallelism?: number;
  readonly strategy?: { readonly type?: string; readonly rollingUpdate?: { readonly maxSurge?: number | string } };
  readonly volumeClaimTemplates?: readonly VolumeClaim[];
  readonly jobTemplate?: { readonly spec?: { readonly parallelism?: number } };
}

interface HpaSpec {
  readonly scaleTargetRef?: { readonly kind?: string; readonly name?: string };
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

const claimBytes = (c: VolumeClaim): number => bytes(c.spec?.resources?.requests?.storage) ?? 0;

/** The first HPA that targets each `<kind>/<name>`: looked up once per workload, so built once. */
export function autoscalersByTarget(manifests: readonly Manifest[]): ReadonlyMap<string, Manifest> {
  const out = new Map<string, Manifest>();
  for (const h of manifests) {
    if (h.kind !== 'HorizontalPodAutoscaler') continue;
    const ref = specOf<HpaSpec>(h)?.scaleTargetRef;
    const key = `${ref?.kind}/${ref?.name}`;
    if (!out.has(key)) out.set(key, h);
  }
  return out;
}

/** One workload's replicas and per-pod resources. */
export function workloadBudget(m: Manifest, autoscalers: ReadonlyMap<string, Manifest>, defaults: ContainerDefaults): WorkloadBudget {
  const spec = specOf<WorkloadSpec>(m) ?? {};
  const hpa = autoscalers.get(`${m.kind}/${m.metadata.name}`);
  const hpaSpec = hpa ? specOf<HpaSpec>(hpa) : undefined;
  const batch = m.kind === 'Job' || m.kind === 'CronJob';
  const fixed = batch ? (m.kind === 'Job' ? spec.parallelism : spec.jobTemplate?.spec?.parallelism) ?? 1 : spec.replicas ?? 1;
  const minReplicas = hpaSpec ? hpaSpec.minReplicas ?? 1 : fixed;
  const maxReplicas = hpaSpec ? hpaSpec.maxReplicas ?? minReplicas : fixed;
  // Only Deployments surge; StatefulSets and DaemonSets (by default) replace pods in place.
  const surge = m.kind === 'Deployment' && spec.strategy?.type !== 'Recreate' ? surgeOf(spec.strategy?.rollingUpdate?.maxSurge, maxReplicas) : 0;
  const claims = m.kind === 'StatefulSet' ? spec.volumeClaimTemplates ?? [] : [];
  return {
    kind: m.kind,
    name: m.metadata.name,
    minReplicas,
    maxReplicas,
    ...(hpa ? { autoscaler: hpa.metadata.name } : {}),
    surge,
    batch,
    perPod: podResources(podSpecOf(m), defaults),
    storagePerReplica: claims.reduce((n, c) => n + claimBytes(c), 0),
    claimsPerReplica: claims.length,
  };
}

const EMPTY: Totals = {
  pods: 0, cpuRequests: 0, memoryRequests: 0, cpuLimits: 0, memoryLimits: 0,
  cpuUnbounded: false, memoryUnbounded: false, storage: 0, claims: 0,
  ephemeralRequests: 0, ephemeralLimits: 0, ephemeralUnbounded: false,
};

function plus(t: Totals, w: WorkloadBudget, pods: number, withClaims: boolean): Totals {
  if (pods === 0) return t;
  const p = w.perPod;
  return {
    pods: t.pods + pods,
    cpuRequests: t.cpuRequests + pods * p.cpuRequest,
    memoryRequests: t.memoryRequests + pods * p.memoryRequest,
    cpuLimits: t.cpuLimits + pods * (p.cpuLimit ?? 0),
    memoryLimits: t.memoryLimits + pods * (p.memoryLimit ?? 0),
    cpuUnbounded: t.cpuUnbounded || p.cpuLimit === undefined,
    memoryUnbounded: t.memoryUnbounded || p.memoryLimit === undefined,
    storage: t.storage + (withClaims ? pods * w.storagePerReplica : 0),
    claims: t.claims + (withClaims ? pods * w.claimsPerReplica : 0),
    ephemeralRequests: t.ephemeralRequests + pods * p.ephemeralRequest,
    ephemeralLimits: t.ephemeralLimits + pods * (p.ephemeralLimit ?? 0),
    ephemeralUnbounded: t.ephemeralUnbounded || p.ephemeralLimit === undefined,
  };
}

/** Which ResourceQuota keys compare with which total, and how to read the hard value. */
export const QUOTA_KEYS: readonly [string, keyof Totals, (q: QuantityValue) => number | undefined][] = [
  ['requests.cpu', 'cpuRequests', cpu], ['cpu', 'cpuRequests', cpu],
  ['requests.memory', 'memoryRequests', bytes], ['memory', 'memoryRequests', bytes],
  ['limits.cpu', 'cpuLimits', cpu], ['limits.memory', 'memoryLimits', bytes],
  ['requests.storage', 'storage', bytes], ['pods', 'pods', bytes], ['persistentvolumeclaims', 'claims', bytes],
  ['requests.ephemeral-storage', 'ephemeralRequests', bytes], ['ephemeral-storage', 'ephemeralRequests', bytes],
  ['limits.ephemeral-storage', 'ephemeralLimits', bytes],
];

function quotaChecks(manifests: readonly Manifest[], peak: Totals): QuotaCheck[] {
  const out: QuotaCheck[] = [];
  for (const q of manifests.filter((m) => m.kind === 'ResourceQuota')) {
    const hard = specOf<{ hard?: Record<string, QuantityValue> }>(q)?.hard ?? {};
    for (const [key, total, parse] of QUOTA_KEYS) {
      const limit = hard[key] === undefined ? undefined : parse(hard[key]);
      if (limit === undefined) continue;
      const need = peak[total] as number;
      out.push({ resource: key, quota: q.metadata.name, hard: limit, need, fits: need <= limit });
    }
  }
  return out;
}

/** The budget of one stack's manifests. */
export function stackBudget(manifests: readonly Manifest[]): StackBudget {
  const defaults = containerDefaults(manifests);
  const autoscalers = autoscalersByTarget(manifests);
  const workloads = manifests.filter((m) => WORKLOADS.has(m.kind)).map((m) => workloadBudget(m, autoscalers, defaults));
  const claims = manifests.filter((m) => m.kind === 'PersistentVolumeClaim')
    .map((m) => ({ name: m.metadata.name, bytes: claimBytes(m as unknown as VolumeClaim) }));
  const base: Totals = { ...EMPTY, storage: claims.reduce((n, c) => n + c.bytes, 0), claims: claims.length };
  let min = base;
  let max = base;
  let peak = base;
  for (const w of workloads) {
    if (w.batch) {
      peak = plus(peak, w, w.maxReplicas, true);
      continue;
    }
    min = plus(min, w, w.minReplicas, true);
    max = plus(max, w, w.maxReplicas, true);
    peak = plus(plus(peak, w, w.maxReplicas, true), w, w.surge, false);
  }
  return { workloads, claims, min, max, peak, quota: quotaChecks(manifests, peak) };
}

// ---------------------------------------------------------------------------------------

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

/** Millicores as Kubernetes writes them: `250m`, `1.5`. */
export function formatCpu(millicores: number): string {
  return millicores < 1000 ? `${millicores}m` : trim(millicores / 1000, 3);
}

const UNITS: readonly [string, number][] = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];

/** Bytes in the largest binary unit that keeps the value at or above 1: `1.88Gi`, `320Mi`. */
export function formatBytes(n: number): string {
  for (const [unit, size] of UNITS) if (n >= size) return `${trim(n / size, 2)}${unit}`;
  return String(n);
}

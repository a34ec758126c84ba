import * as k8s from '../../imports/k8s';
import { Problems } from './errors';
import { isQuantity, parseQuantity } from './quantity';

/** Requests and limits for one container; every value is a concrete quantity. */
export interface ResourceSpec {
  readonly cpu: { readonly request: string; readonly limit: string };
  readonly memory: { readonly request: string; readonly limit: string };
}

/** Named sizes. Memory limit = 2 × request leaves headroom for spikes without overcommit. */
export type SizePreset = 'nano' | 'micro' | 'small' | 'medium' | 'large' | 'xlarge';

export const SIZE_PRESETS: Readonly<Record<SizePreset, ResourceSpec>> = {
  nano: { cpu: { request: '25m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } },
  micro: { cpu: { request: '50m', limit: '250m' }, memory: { request: '64Mi', limit: '128Mi' } },
  small: { cpu: { request: '100m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } },
  medium: { cpu: { request: '250m', limit: '1' }, memory: { request: '256Mi', limit: '512Mi' } },
  large: { cpu: { request: '500m', limit: '2' }, memory: { request: '512Mi', limit: '1Gi' } },
  xlarge: { cpu: { request: '1', limit: '4' }, memory: { request: '1Gi', limit: '2Gi' } },
};

/** A preset name or explicit values. */
export type Resources = SizePreset | ResourceSpec;

export function resolveResources(resources: Resources): ResourceSpec {
  return typeof resources === 'string' ? SIZE_PRESETS[resources] : resources;
}

/** Checks quantities are well formed and no request exceeds its limit. */
export function checkResources(problems: Problems, prop: string, resources: Resources): void {
  if (typeof resources === 'string') {
    problems.check(resources in SIZE_PRESETS, prop, `must be one of ${Object.keys(SIZE_PRESETS).join(', ')}`, resources);
    return;
  }
  for (const res of ['cpu', 'memory'] as const) {
    const { request, limit } = resources[res];
    const okRequest = problems.check(isQuantity(request), `${prop}.${res}.request`, 'must be a Kubernetes quantity', request);
    const okLimit = problems.check(isQuantity(limit), `${prop}.${res}.limit`, 'must be a Kubernetes quantity', limit);
    if (okRequest && okLimit) {
      problems.check(parseQuantity(request)! <= parseQuantity(limit)!, `${prop}.${res}.request`,
        `must not exceed its limit ${JSON.stringify(limit)}`, request);
    }
  }
}

export function toK8sResources(spec: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(spec.cpu.request), memory: k8s.Quantity.fromString(spec.memory.request) },
    limits: { cpu: k8s.Quantity.fromString(spec.cpu.limit), memory: k8s.Quantity.fromString(spec.memory.limit) },
  };
}

/**
 * On a workload object: the memory its pod's own containers use with no load (the runtime,
 * caches, a mesh sidecar excluded). The synth checks it against an HPA memory target; without
 * it, the request stands for it, as a request is what a pod is expected to use.
 */
export const MEMORY_AT_IDLE_ANNOTATION = 'berth.dev/memory-at-idle';

/**
 * What a container writes outside its volumes: its logs, which the kubelet rotates at 5 files
 * of 10Mi by default (containerLogMaxFiles, containerLogMaxSize). Every berth container has a
 * read-only root filesystem, so its writable layer stays empty.
 */
export const CONTAINER_LOG_STORAGE = '64Mi';

/**
 * Every container's `ephemeral-storage` request and limit: its logs plus the size limits of
 * the disk-backed emptyDirs it mounts, which the kubelet counts against the pod's limit (the
 * sum of its containers'). A shared emptyDir counts for each container that mounts it, which
 * only makes the pod's limit larger. Request equals limit, so a pod's disk never exceeds what
 * it reserved and node-pressure eviction ranks it by its priority. Memory-backed emptyDirs are
 * memory, not disk. A container that already states ephemeral storage keeps it.
 */
export function withEphemeralStorage(spec: k8s.PodSpec): k8s.PodSpec {
  const disk = new Map<string, number>();
  for (const v of spec.volumes ?? []) {
    if (!v.emptyDir || v.emptyDir.medium === 'Memory') continue;
    const limit = v.emptyDir.sizeLimit === undefined ? undefined : parseQuantity(v.emptyDir.sizeLimit.value);
    if (limit !== undefined) disk.set(v.name, limit);
  }
  const log = parseQuantity(CONTAINER_LOG_STORAGE)!;
  const sized = (c: k8s.Container): k8s.Container => {
    if (c.resources?.limits?.[EPHEMERAL_STORAGE] !== undefined || c.resources?.requests?.[EPHEMERAL_STORAGE] !== undefined) return c;
    const bytes = (c.volumeMounts ?? []).reduce((n, m) => n + (disk.get(m.name) ?? 0), log);
    const q = k8s.Quantity.fromString(`${Math.ceil(bytes / 2 ** 20)}Mi`);
    return {
      ...c,
      resources: {
        ...c.resources,
        requests: { ...c.resources?.requests, [EPHEMERAL_STORAGE]: q },
        limits: { ...c.resources?.limits, [EPHEMERAL_STORAGE]: q },
      },
    };
  };
  return {
    ...spec,
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(sized) } : {}),
    containers: spec.containers.map(sized),
  };
}

export const EPHEMERAL_STORAGE = 'ephemeral-storage';

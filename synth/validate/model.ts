// The parts of Kubernetes objects the rules read. Fields are optional and loosely typed:
// the rules run on every object, even one the schema check rejects, so they never trust
// a shape and read through `list()` and `record()`.
import type { Manifest, RenderedObject } from '../render';
import type { Path } from './paths';

export type Labels = Readonly<Record<string, string>>;

/** `v` as an array, or empty. Items stay `unknown`: read them through `record()`. */
export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `v` as a plain object, or empty. */
export function record<T = unknown>(v: unknown): Readonly<Record<string, T>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {};
}

/** `v` as an array of plain objects; other items become empty objects, keeping indexes. */
export function records(v: unknown): readonly Readonly<Record<string, unknown>>[] {
  return list(v).map((item) => record(item));
}

/** `v` as a string-to-string map (labels, selectors), ignoring non-string values. */
export function labelsOf(v: unknown): Labels {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(record(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

export interface LabelSelectorRequirement {
  readonly key?: string;
  readonly operator?: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface KeyRef {
  readonly name?: string;
  readonly key?: string;
  readonly optional?: boolean;
}

export interface SecurityContext {
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly capabilities?: unknown;
  readonly seccompProfile?: { readonly type?: string };
  readonly procMount?: string;
  readonly seLinuxOptions?: unknown;
  readonly windowsOptions?: unknown;
  readonly sysctls?: unknown;
}

export interface Probe {
  readonly httpGet?: unknown;
  readonly tcpSocket?: unknown;
}

/** A container; lists and nested objects are read through `list()` and `record()`. */
export interface Container {
  readonly name?: unknown;
  readonly image?: unknown;
  readonly imagePullPolicy?: unknown;
  readonly ports?: unknown;
  readonly env?: unknown;
  readonly envFrom?: unknown;
  readonly volumeMounts?: unknown;
  readonly volumeDevices?: unknown;
  readonly securityContext?: unknown;
  readonly livenessProbe?: unknown;
  readonly readinessProbe?: unknown;
  readonly startupProbe?: unknown;
}

export interface PodSpec {
  readonly containers?: unknown;
  readonly initContainers?: unknown;
  readonly ephemeralContainers?: unknown;
  readonly volumes?: unknown;
  readonly imagePullSecrets?: unknown;
  readonly securityContext?: unknown;
  readonly hostNetwork?: unknown;
  readonly hostPID?: unknown;
  readonly hostIPC?: unknown;
  readonly serviceAccountName?: unknown;
}

/** A pod template inside a workload (or a bare Pod), with the paths to its parts. */
export interface PodTemplate {
  readonly object: RenderedObject;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly spec: PodSpec;
  /** Path to the template's `metadata`. */
  readonly metaPath: Path;
  /** Path to the pod spec. */
  readonly specPath: Path;
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function at(m: Manifest, path: readonly string[]): unknown {
  let v: unknown = m;
  for (const seg of path) v = record(v)[seg];
  return v;
}

/** The pod template of a workload or Pod; undefined for other kinds. */
export function podTemplateOf(object: RenderedObject): PodTemplate | undefined {
  const m = object.manifest;
  const isCoreGroup = m.apiVersion === 'v1' || m.apiVersion === 'apps/v1' || m.apiVersion === 'batch/v1';
  if (!isCoreGroup) return undefined;
  if (m.kind === 'Pod') {
    return {
      object, labels: labelsOf(m.metadata?.labels), annotations: labelsOf(m.metadata?.annotations),
      spec: record(m.spec) as PodSpec, metaPath: ['metadata'], specPath: ['spec'],
    };
  }
  const base = TEMPLATE_PATHS[m.kind];
  if (base === undefined) return undefined;
  const template = record(at(m, base));
  const meta = record(template.metadata);
  return {
    object, labels: labelsOf(meta.labels), annotations: labelsOf(meta.annotations),
    spec: record(template.spec) as PodSpec, metaPath: [...base, 'metadata'], specPath: [...base, 'spec'],
  };
}

/** Every container of a pod spec with its path: init containers, containers, ephemeral ones. */
export function containersOf(t: PodTemplate): { readonly container: Container; readonly path: Path }[] {
  const out: { container: Container; path: Path }[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    list(t.spec[key]).forEach((c, i) => out.push({ container: record(c) as Container, path: [...t.specPath, key, i] }));
  }
  return out;
}

/** The replicas a workload runs: `spec.replicas`, defaulting to 1 as the API server does. */
export function replicasOf(m: Manifest): number {
  const r = record(m.spec).replicas;
  return typeof r === 'number' ? r : 1;
}

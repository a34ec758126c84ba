import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { MESH_JOB_POD_ANNOTATIONS, SidecarQuitTool, withSidecarQuit } from './mesh';
import type { PullPolicy } from './policy';
import { withEphemeralStorage } from './resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, RunAs, writablePaths } from './security';
import * as kinds from './kinds';

/**
 * A PodDisruptionBudget that can never block a node drain: `maxUnavailable: 1` always
 * allows one eviction while the workload is healthy, whatever the replica count or the
 * HPA does. Only for workloads with at least 2 replicas; a single replica gets none.
 */
export function drainSafePdb(
  scope: Construct,
  id: string,
  props: { name: string; labels: Record<string, string>; selector: Record<string, string> },
): k8s.KubePodDisruptionBudget {
  return new kinds.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: { ...props.selector } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/**
 * Spread replicas across zones and nodes. `ScheduleAnyway` so that single-zone or
 * small clusters still schedule every replica.
 */
export function spreadConstraints(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selector } },
  }));
}

/** A ServiceAccount that doesn't mount its token unless the workload needs the API. */
export function serviceAccount(
  scope: Construct,
  id: string,
  props: { name: string; labels: Record<string, string>; automountToken: boolean },
): k8s.KubeServiceAccount {
  return new kinds.KubeServiceAccount(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    automountServiceAccountToken: props.automountToken,
  });
}

/** Annotation prefix on pod templates that carries config checksums. */
export const CHECKSUM_ANNOTATION_PREFIX = 'checksum.berth.dev/';

/** The one container of a run-to-completion pod (migrations, smoke tests, a volume bind). */
export interface JobContainer {
  readonly name: string;
  /** The full image reference. */
  readonly image: string;
  readonly pullPolicy: PullPolicy;
  readonly command: readonly string[];
  readonly env?: k8s.EnvVar[];
  readonly envFrom?: k8s.EnvFromSource[];
  readonly resources: k8s.ResourceRequirements;
}

/**
 * A restricted pod that runs once: its own ServiceAccount (never the namespace's `default`)
 * without an API token, no service links, a read-only root with `/tmp` writable, and
 * ephemeral storage for its logs and `/tmp`. In a mesh (`meshSidecar`) the command stops the
 * sidecar when it ends and waits for the proxy to start, or the Job would never complete.
 */
export function jobPodTemplate(props: {
  labels: Record<string, string>;
  /** The job's ServiceAccount: its identity in the mesh. */
  serviceAccountName: string;
  /** @default - none: the cluster's default priority */
  priorityClassName?: string;
  runAs: RunAs;
  container: JobContainer;
  meshSidecar: boolean;
  sidecarQuitTool?: SidecarQuitTool;
  /** More volumes, each mounted into the container (after `/tmp`). */
  volumes?: readonly { readonly volume: k8s.Volume; readonly mountPath: string; readonly readOnly?: boolean }[];
  /** Run before the container (a check of required provided values). */
  initContainers?: readonly k8s.Container[];
}): k8s.PodTemplateSpec {
  const { container: c, meshSidecar } = props;
  const tmp = writablePaths(['/tmp']);
  const more = props.volumes ?? [];
  return {
    metadata: { labels: props.labels, ...(meshSidecar ? { annotations: { ...MESH_JOB_POD_ANNOTATIONS } } : {}) },
    spec: withEphemeralStorage({
      restartPolicy: 'Never',
      serviceAccountName: props.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      ...(props.priorityClassName !== undefined ? { priorityClassName: props.priorityClassName } : {}),
      securityContext: restrictedPodSecurityContext(props.runAs),
      ...(props.initContainers?.length ? { initContainers: [...props.initContainers] } : {}),
      containers: [{
        name: c.name,
        image: c.image,
        imagePullPolicy: c.pullPolicy,
        command: meshSidecar ? withSidecarQuit(c.command, props.sidecarQuitTool ?? 'curl') : [...c.command],
        ...(c.env?.length ? { env: c.env } : {}),
        ...(c.envFrom?.length ? { envFrom: c.envFrom } : {}),
        resources: c.resources,
        securityContext: restrictedContainerSecurityContext(props.runAs),
        volumeMounts: [
          ...tmp.mounts,
          ...more.map((v) => ({ name: v.volume.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) })),
        ],
      }],
      volumes: [...tmp.volumes, ...more.map((v) => v.volume)],
    }),
  };
}

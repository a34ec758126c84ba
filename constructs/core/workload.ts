import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';

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
  return new k8s.KubePodDisruptionBudget(scope, id, {
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
  return new k8s.KubeServiceAccount(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    automountServiceAccountToken: props.automountToken,
  });
}

/** Annotation prefix on pod templates that carries config checksums. */
export const CHECKSUM_ANNOTATION_PREFIX = 'checksum.berth.dev/';

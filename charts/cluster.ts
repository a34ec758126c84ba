// The cluster-scoped prerequisites berth itself defines, applied once per cluster:
// `dist/<dir>/cluster/`. Today its PriorityClasses; the operators' own cluster objects
// (ClusterIssuers, ClusterSecretStores, StorageClasses) stay theirs.
import { App, Chart } from 'cdk8s';
import type { PriorityTier } from '../constructs/core/policy';
import * as kinds from '../constructs/core/kinds';
import { syncWave, Wave } from '../constructs/core/waves';
import { SynthUnit } from '../synth/render';
import type { ClusterTarget } from './environment';

/** The directory under `dist/<dir>/` that holds a cluster's prerequisites. */
export const CLUSTER_UNIT = 'cluster';

const LABELS = { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' };

/** One PriorityClass berth defines. */
export interface PriorityClassSpec {
  readonly name: string;
  readonly value: number;
  /** `Never`: placed ahead of lower priorities, but never evicts a running pod to get there. */
  readonly preemptionPolicy: 'PreemptLowerPriority' | 'Never';
  readonly description: string;
}

/**
 * Stores above services above the runs a rollout or an operator waits for, above scheduled
 * batch work: under node pressure the kubelet evicts, and the scheduler preempts, from the
 * bottom. All far below `system-cluster-critical` (2 000 000 000) and the user maximum
 * (1 000 000 000), leaving the platform room above them for its own (ingress controllers,
 * monitoring, the mesh). None is the cluster's `globalDefault`: other teams' pods keep theirs.
 */
export const PRIORITY_CLASSES: Readonly<Record<PriorityTier, PriorityClassSpec>> = {
  store: {
    name: 'berth-store', value: 100000, preemptionPolicy: 'PreemptLowerPriority',
    description: "berth stores (databases, brokers) and their poolers: every service of a stack needs them, so they are evicted last and may preempt services and jobs to be placed",
  },
  service: {
    name: 'berth-service', value: 10000, preemptionPolicy: 'PreemptLowerPriority',
    description: 'berth services: evicted after jobs and before stores; may preempt jobs to be placed',
  },
  job: {
    name: 'berth-job', value: 1000, preemptionPolicy: 'Never',
    description: 'berth runs a rollout or an operator waits for (migrations, restores, smoke tests, volume binds): scheduled ahead of batch work, but never preempt a running pod (a migration waits for room rather than kill a backup)',
  },
  batch: {
    name: 'berth-batch', value: 100, preemptionPolicy: 'Never',
    description: 'berth scheduled background work (backups): evicted first, never preempts; a missed run is taken at the next schedule',
  },
};

/** The class name of each tier: what the platform policy hands every construct. */
export const PRIORITY_CLASS_NAMES: Readonly<Record<PriorityTier, string>> = Object.freeze(
  Object.fromEntries(Object.entries(PRIORITY_CLASSES).map(([tier, c]) => [tier, c.name])) as Record<PriorityTier, string>,
);

/** `dist/<dir>/cluster/` for one cluster: berth's PriorityClasses. */
export function clusterUnit(target: ClusterTarget): SynthUnit {
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), `cluster-${target.dir}`, { disableResourceNameHashes: true });
  for (const [tier, c] of Object.entries(PRIORITY_CLASSES)) {
    const pc = new kinds.KubePriorityClass(chart, tier, {
      metadata: { name: c.name, labels: LABELS },
      value: c.value,
      globalDefault: false,
      preemptionPolicy: c.preemptionPolicy,
      description: c.description,
    });
    // Before anything that names them: the API server refuses a pod whose class doesn't exist.
    syncWave(pc, Wave.NAMESPACE);
  }
  return { env: target.dir, stack: CLUSTER_UNIT, chart };
}

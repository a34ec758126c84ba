import { App, Chart } from 'cdk8s';
import { SYNC_WAVE } from '../synth/order';
import { SynthUnit } from '../synth/render';
import { ClusterTarget, EnvironmentConfig } from './environment';
import * as kinds from '../constructs/core/kinds';
import { CLUSTER_UNIT } from './cluster';
import { Wave } from '../constructs/core/waves';
import { KustomizationSpecDeletionPolicy, KustomizationSpecPatches, KustomizationSpecSourceRefKind } from '../imports/kustomize.toolkit.fluxcd.io';
import type { GitRepositorySpecRef } from '../imports/source.toolkit.fluxcd.io';

const LABELS = { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' };

/**
 * The Flux Kustomizations of one stack, each syncing the stack's directory with the objects
 * of its sync waves only: `setup` (namespace, baseline, config and secrets, stores,
 * migrations), then `services` (services and the gateway: every wave that is neither
 * setup's nor tests'), then `tests` (the smoke test). Each depends on the one before and
 * waits for its objects' health, so, as under Argo CD, services roll only after the
 * migrations have completed and the smoke test runs against healthy services.
 */
export const FLUX_PHASES = ['setup', 'services', 'tests'] as const;
export type FluxPhase = (typeof FLUX_PHASES)[number];

/** The waves each phase leaves out (`services` takes every other), from the waves the constructs use. */
const SETUP_WAVES = Array.from({ length: Wave.MIGRATIONS - Wave.NAMESPACE + 1 }, (_, i) => Wave.NAMESPACE + i).join(',');
const TEST_WAVES = String(Wave.TESTS);
const LEAVES_OUT: Readonly<Record<FluxPhase, string>> = {
  setup: `${SYNC_WAVE} notin (${SETUP_WAVES})`,
  services: `${SYNC_WAVE} in (${SETUP_WAVES},${TEST_WAVES})`,
  tests: `${SYNC_WAVE} notin (${TEST_WAVES})`,
};

/** `<stack>-<dir>-<phase>`: the Flux Kustomization of one phase of a stack in one cluster. */
export function fluxKustomizationName(stack: string, dir: string, phase: FluxPhase): string {
  return `${stack}-${dir}-${phase}`;
}

/** The Flux objects of one cluster's directory: what `dist/<dir>/flux/` holds. */
export const fluxNames = (dir: string) => ({ source: `berth-${dir}`, root: `berth-${dir}-root`, cluster: `berth-${dir}-cluster` });

/** Where the GitRepository points: a tag, a full commit SHA, or else a branch. */
export function fluxRefOf(env: EnvironmentConfig): GitRepositorySpecRef {
  const r = env.gitops.revision;
  if (typeof r !== 'string') return { tag: r.tag };
  return /^[0-9a-f]{40}$/.test(r) ? { commit: r } : { branch: r };
}

/**
 * The patch of every phase: it leaves the other phases' objects out (kustomize's
 * `$patch: delete`, selected by the sync-wave annotation every object carries). Jobs need
 * none: they have no TTL (a completed one stays, and reapplying it unchanged is a no-op) and
 * are named after their spec (a changed one is a new Job, never an update in place).
 */
function phasePatches(phase: FluxPhase): KustomizationSpecPatches[] {
  return [{
    target: { annotationSelector: LEAVES_OUT[phase] },
    patch: ['$patch: delete', 'apiVersion: v1', 'kind: Any', 'metadata:', '  name: any', ''].join('\n'),
  }];
}

/**
 * `dist/<dir>/flux/` for one cluster: a GitRepository of the environment's revision (its
 * artifact holds only `dist/<dir>/`), a root Kustomization that syncs this directory, itself
 * and the GitRepository included, and three Kustomizations per stack (FLUX_PHASES). All prune
 * what leaves git and orphan what they applied when deleted (`deletionPolicy: Orphan`), as an
 * Argo CD Application without finalizer does; the namespaces, credentials and backup volumes
 * also carry `kustomize.toolkit.fluxcd.io/prune: disabled`.
 */
export function fluxUnit(target: ClusterTarget, stackIds: readonly string[]): SynthUnit {
  const { env, dir } = target;
  const ns = env.gitops.fluxNamespace ?? 'flux-system';
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), `flux-${dir}`, { namespace: ns, disableResourceNameHashes: true });
  const names = fluxNames(dir);
  const sourceRef = { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: names.source };

  new kinds.GitRepository(chart, 'source', {
    metadata: { name: names.source, labels: LABELS },
    spec: {
      interval: '5m',
      url: env.gitops.repoURL,
      ref: fluxRefOf(env),
      ...(env.gitops.fluxSecretName !== undefined ? { secretRef: { name: env.gitops.fluxSecretName } } : {}),
      // The artifact every Kustomization downloads: this cluster's directory, not the whole
      // repository. As in .gitignore, a path is re-included only with its parent directory.
      ignore: ['/*', '!/dist/', '/dist/*', `!/dist/${dir}/`, ''].join('\n'),
    },
  });
  const common = { interval: '10m', retryInterval: '2m', sourceRef, prune: true, deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN };
  new kinds.FluxKustomization(chart, 'root', {
    metadata: { name: names.root, labels: LABELS },
    spec: { ...common, path: `./dist/${dir}/flux`, timeout: '5m' },
  });
  // The cluster's prerequisites first: a pod naming a PriorityClass that doesn't exist is refused.
  // No prune: a class some running pod still names stays until an operator deletes it.
  new kinds.FluxKustomization(chart, 'cluster', {
    metadata: { name: names.cluster, labels: LABELS },
    spec: { ...common, prune: false, path: `./dist/${dir}/${CLUSTER_UNIT}`, wait: true, timeout: '5m' },
  });
  for (const id of stackIds) {
    FLUX_PHASES.forEach((phase, i) => {
      new kinds.FluxKustomization(chart, `${id}-${phase}`, {
        metadata: { name: fluxKustomizationName(id, dir, phase), labels: LABELS },
        spec: {
          ...common,
          path: `./dist/${dir}/${id}`,
          dependsOn: [{ name: i > 0 ? fluxKustomizationName(id, dir, FLUX_PHASES[i - 1]) : names.cluster }],
          // Health of every object applied: Deployments and StatefulSets rolled out, Jobs complete, Certificates issued.
          wait: true,
          timeout: '15m',
          patches: phasePatches(phase),
        },
      });
    });
  }
  return { env: dir, stack: 'flux', chart };
}

import { App, Chart } from 'cdk8s';
import { SynthUnit } from '../synth/render';
import { ClusterTarget, gatewayModeFor, IN_CLUSTER, namespaceFor, targetRevisionOf } from './environment';
import * as kinds from '../constructs/core/kinds';
import { syncWave, Wave } from '../constructs/core/waves';
import { CLUSTER_UNIT } from './cluster';

const LABELS = { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' };

/**
 * Kept when the root Application is deleted with `--cascade`: the stacks' Applications and
 * their project stay and keep syncing. Pruning (a stack removed from the code) still deletes
 * its Application, and an Application has no finalizer, so that deletes none of its objects.
 */
const KEEP_ON_ROOT_DELETE = { 'argocd.argoproj.io/sync-options': 'Delete=false' };

const SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
};

/** The Argo CD objects of one cluster's directory: what `dist/<dir>/argocd/` holds. */
export const argocdNames = (dir: string) => ({
  /** The stacks' AppProject. */
  project: `berth-${dir}`,
  /** The root Application, and the AppProject it alone belongs to. */
  root: `berth-${dir}-root`,
  /** A stack's Application. */
  application: (stack: string) => `${stack}-${dir}`,
  /** The cluster's prerequisites (`dist/<dir>/cluster`): their Application, and the AppProject it alone belongs to. */
  cluster: `berth-${dir}-cluster`,
});

/**
 * `dist/<dir>/argocd/` for one cluster: an app of apps. The root Application syncs this
 * directory, itself included, so the one `kubectl apply` of the directory is the last one:
 * a stack added to the code gets its Application from the root, a stack removed loses it.
 * Beside the root are the stacks' AppProject, scoped to their namespaces on the cluster's
 * destination, and one Application per stack that syncs `dist/<dir>/<stack>` with prune and
 * self-heal. The AppProjects are wave 0 and every Application wave 1: stacks don't depend on
 * one another, so the root never waits on a child's health (see docs/deployment.md).
 * `CreateNamespace=false`: each stack's NamespaceBaseline creates and labels its namespace.
 */
export function argocdUnit(target: ClusterTarget, stackIds: readonly string[]): SynthUnit {
  const { env, dir, destination } = target;
  const ns = env.gitops.argocdNamespace;
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), `argocd-${dir}`, { namespace: ns, disableResourceNameHashes: true });
  const names = argocdNames(dir);
  const source = (path: string) => ({ repoUrl: env.gitops.repoURL, targetRevision: targetRevisionOf(env), path });

  // The root's own project: Application and AppProject objects in Argo CD's namespace, nothing else.
  new kinds.AppProject(chart, 'root-project', {
    metadata: { name: names.root, labels: LABELS, annotations: KEEP_ON_ROOT_DELETE },
    spec: {
      description: `the root of berth in ${dir}: syncs dist/${dir}/argocd`,
      sourceRepos: [env.gitops.repoURL],
      destinations: [{ ...IN_CLUSTER, namespace: ns }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'Application' }, { group: 'argoproj.io', kind: 'AppProject' }],
    },
  });
  new kinds.AppProject(chart, 'project', {
    metadata: { name: names.project, labels: LABELS, annotations: KEEP_ON_ROOT_DELETE },
    spec: {
      description: `berth stacks in ${dir}`,
      sourceRepos: [env.gitops.repoURL],
      destinations: [
        ...stackIds.map((id) => ({ ...destination, namespace: namespaceFor(id, env) })),
        // Istio gateways read TLS Secrets only from their own namespace, so Certificates go there.
        ...(env.tls && stackIds.some((id) => gatewayModeFor(id, env) === 'istio') ? [{ ...destination, namespace: 'istio-system' }] : []),
      ],
      // Namespaces are the only cluster-scoped objects berth stacks create.
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  });

  // The cluster's prerequisites: only berth's PriorityClasses, and nothing namespaced.
  new kinds.AppProject(chart, 'cluster-project', {
    metadata: { name: names.cluster, labels: LABELS, annotations: KEEP_ON_ROOT_DELETE },
    spec: {
      description: `berth's cluster-wide prerequisites in ${dir}: syncs dist/${dir}/${CLUSTER_UNIT}`,
      sourceRepos: [env.gitops.repoURL],
      // kube-system exists on every cluster; nothing namespaced may be synced (an empty whitelist would allow all).
      destinations: [{ ...destination, namespace: 'kube-system' }],
      clusterResourceWhitelist: [{ group: 'scheduling.k8s.io', kind: 'PriorityClass' }],
      namespaceResourceBlacklist: [{ group: '*', kind: '*' }],
    },
  });

  // No resources-finalizer on any Application: deleting one, the root included, must not cascade-delete a stack's data.
  new kinds.Application(chart, 'root', {
    metadata: { name: names.root, labels: LABELS },
    spec: {
      project: names.root,
      source: source(`dist/${dir}/argocd`),
      destination: { ...IN_CLUSTER, namespace: ns },
      syncPolicy: { ...SYNC_POLICY, syncOptions: ['ApplyOutOfSyncOnly=true'] },
    },
  });
  // Wave 0, before the stacks' Applications: a pod naming a PriorityClass that doesn't exist yet is refused.
  const cluster = new kinds.Application(chart, 'cluster', {
    metadata: { name: names.cluster, labels: LABELS, annotations: KEEP_ON_ROOT_DELETE },
    spec: {
      project: names.cluster,
      source: source(`dist/${dir}/${CLUSTER_UNIT}`),
      destination: { ...destination, namespace: 'kube-system' },
      // No prune: a class some running pod still names stays until an operator deletes it.
      syncPolicy: { automated: { prune: false, selfHeal: true }, retry: SYNC_POLICY.retry, syncOptions: ['ApplyOutOfSyncOnly=true', 'ServerSideApply=true'] },
    },
  });
  syncWave(cluster, Wave.NAMESPACE);
  for (const id of stackIds) {
    new kinds.Application(chart, id, {
      metadata: { name: names.application(id), labels: LABELS, annotations: KEEP_ON_ROOT_DELETE },
      spec: {
        project: names.project,
        source: source(`dist/${dir}/${id}`),
        destination: { ...destination, namespace: namespaceFor(id, env) },
        // ServerSideApply: field ownership per manager, as Flux and `kubectl apply --server-side`
        // have it (the output is in the form the API server stores, so nothing conflicts);
        // no ignoreDifferences: berth writes no field a controller owns (docs/deployment.md).
        syncPolicy: { ...SYNC_POLICY, syncOptions: ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'] },
      },
    });
  }
  return { env: dir, stack: 'argocd', chart };
}

import { App, Chart } from 'cdk8s';
import { SynthUnit } from '../synth/render';
import { EnvironmentConfig, gatewayModeFor, namespaceFor } from './environment';
import * as kinds from '../constructs/core/kinds';

const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * `dist/<env>/argocd/`: an AppProject scoped to the environment's stack namespaces, and one
 * Application per stack that syncs `dist/<env>/<stack>` with prune and self-heal.
 * `CreateNamespace=false`: each stack's NamespaceBaseline creates and labels its namespace.
 */
export function argocdUnit(env: EnvironmentConfig, stackIds: readonly string[]): SynthUnit {
  const ns = env.gitops.argocdNamespace;
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), `argocd-${env.name}`, { namespace: ns, disableResourceNameHashes: true });
  const project = `berth-${env.name}`;
  const labels = { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' };

  new kinds.AppProject(chart, 'project', {
    metadata: { name: project, labels },
    spec: {
      description: `berth stacks in ${env.name}`,
      sourceRepos: [env.gitops.repoURL],
      destinations: [
        ...stackIds.map((id) => ({ server: IN_CLUSTER, namespace: namespaceFor(id, env) })),
        // Istio gateways read TLS Secrets only from their own namespace, so Certificates go there.
        ...(env.tls && stackIds.some((id) => gatewayModeFor(id, env) === 'istio') ? [{ server: IN_CLUSTER, namespace: 'istio-system' }] : []),
      ],
      // Namespaces are the only cluster-scoped objects berth stacks create.
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  });

  for (const id of stackIds) {
    new kinds.Application(chart, id, {
      // No resources-finalizer: deleting an Application must not cascade-delete a stack's data.
      metadata: { name: namespaceFor(id, env), labels },
      spec: {
        project,
        source: { repoUrl: env.gitops.repoURL, targetRevision: env.gitops.revision, path: `dist/${env.name}/${id}` },
        destination: { server: IN_CLUSTER, namespace: namespaceFor(id, env) },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          // ServerSideApply: field ownership per manager, as Flux and `kubectl apply --server-side`
          // have it (the output is in the form the API server stores, so nothing conflicts);
          // no ignoreDifferences: berth writes no field a controller owns (docs/deployment.md).
          syncOptions: ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
  }
  return { env: env.name, stack: 'argocd', chart };
}

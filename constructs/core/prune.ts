import { ApiObject } from 'cdk8s';

/**
 * Annotations that keep an object when GitOps tooling prunes or deletes: Argo CD neither
 * prunes it (removed from git) nor deletes it with its Application (`argocd app delete
 * --cascade`), and Flux's kustomize-controller never garbage-collects it. `kubectl delete -k`
 * ignores both: that one is on the operator.
 */
export const KEEP_ON_PRUNE: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/** Marks `obj` as one GitOps tooling must never delete: data lives in it or under it. */
export function protectFromPrune(obj: ApiObject): void {
  for (const [key, value] of Object.entries(KEEP_ON_PRUNE)) obj.metadata.addAnnotation(key, value);
}

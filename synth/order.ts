// Where each object goes in a stack directory: file names sort in apply order.

import { SYNC_WAVE } from '../constructs/core/waves';

export { SYNC_WAVE };

/**
 * The default phase per kind when an object carries no sync-wave: Namespace first,
 * then the namespace baseline, config and secrets, stores, jobs, services, routing.
 */
const KIND_PHASE: Readonly<Record<string, number>> = {
  Namespace: 0,
  ResourceQuota: 1, LimitRange: 1, NetworkPolicy: 1, ServiceAccount: 1, Role: 1, RoleBinding: 1,
  PeerAuthentication: 1, AuthorizationPolicy: 1,
  ConfigMap: 2, Secret: 2, ExternalSecret: 2, SealedSecret: 2, PersistentVolumeClaim: 2,
  StatefulSet: 3,
  Job: 4,
  Deployment: 5, Service: 5, PodDisruptionBudget: 5, HorizontalPodAutoscaler: 5, VerticalPodAutoscaler: 5,
  CronJob: 5, ServiceMonitor: 5, DestinationRule: 5,
  Certificate: 6, Ingress: 6, Gateway: 6, HTTPRoute: 6, VirtualService: 6,
  AppProject: 0, Application: 1, GitRepository: 0, Kustomization: 1,
};
const LAST_PHASE = 7;

export interface ManifestLike {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
}

export function phaseOf(m: ManifestLike): number {
  const wave = m.metadata.annotations?.[SYNC_WAVE];
  if (wave !== undefined && /^-?[0-9]+$/.test(wave)) return Math.max(0, Number(wave));
  return KIND_PHASE[m.kind] ?? LAST_PHASE;
}

/** `05-deployment-auth.yaml`: phase, kind and name, so `ls` order is apply order. */
export function fileNameOf(m: ManifestLike): string {
  return `${String(phaseOf(m)).padStart(2, '0')}-${m.kind.toLowerCase()}-${m.metadata.name}.yaml`;
}

import { ApiObject } from 'cdk8s';

/**
 * The annotation that orders an Argo CD sync; the synth derives a default from the kind for
 * objects without one and names files by the same number. Here, not in synth/, because
 * constructs set it and nothing under constructs/ may import the synth.
 */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/**
 * Argo CD sync waves: Namespace and baseline, then config and secrets, then stores, then
 * migrations, then services, then the gateway, then post-deploy tests. The synth also
 * names files by wave, so `kubectl apply -f` follows the same order.
 */
export enum Wave {
  NAMESPACE = 0,
  BASELINE = 1,
  CONFIG = 2,
  STORES = 3,
  MIGRATIONS = 4,
  SERVICES = 5,
  GATEWAY = 6,
  TESTS = 7,
}

/** Pins an object to a wave, overriding the default the synth derives from its kind. */
export function syncWave(obj: ApiObject, wave: Wave): void {
  obj.metadata.addAnnotation(SYNC_WAVE, String(wave));
}

import * as k8s from '../../imports/k8s';
import { canonicalizeFragment } from './canonical';
import { checksum } from './checksum';
import { resolveProps } from './rendered';

/** `-` and 10 hex digits: what a content-named Job adds to its base name. */
export const JOB_NAME_SUFFIX_LENGTH = 11;

/** The longest base name a content-named Job can have (a Job name is at most 63 characters). */
export const MAX_JOB_BASE_NAME = 63 - JOB_NAME_SUFFIX_LENGTH;

/**
 * `<base>-<10 hex digits of the sha256 of the Job's spec, as the API server stores it>`.
 *
 * A Job's pod template is immutable, so a Job whose spec changes under the same name makes
 * `kubectl apply` and Flux fail (`spec.template: field is immutable`). Named after its
 * content, a changed Job is a new object: the old one is pruned (Flux, `kubectl apply
 * --prune`), and an unchanged one keeps its name, so it is neither re-run nor rejected.
 * Names without hash suffixes matter for what other workloads reach by DNS; nothing
 * resolves a Job by name, and berth selects its pods by labels.
 */
export function contentName(base: string, spec: k8s.JobSpec): string {
  const json = k8s.toJson_JobSpec(resolveProps(spec) as k8s.JobSpec) ?? {};
  canonicalizeFragment('batch/v1', 'Job', ['spec'], json);
  return `${base}-${checksum(json).slice(0, JOB_NAME_SUFFIX_LENGTH - 1)}`;
}

/**
 * An Argo CD hook that reruns on every sync: the previous run is deleted before the next is
 * created, and a run that succeeds is deleted at once. Argo CD never prunes hooks, so a run
 * superseded by a new name would otherwise stay; a failed one stays for inspection until the
 * next sync. Flux and `kubectl apply` ignore both annotations.
 */
export function hookAnnotations(phase: 'Sync' | 'PostSync'): Record<string, string> {
  return {
    'argocd.argoproj.io/hook': phase,
    'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
  };
}

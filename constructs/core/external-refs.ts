// Declares the ConfigMaps and Secrets a workload's pods use that its own stack doesn't
// define: another stack, an operator or a platform team provides them. The synth's
// reference check accepts exactly those, so a typo in a name can't slip through.

/**
 * Annotation on a workload (Deployment, StatefulSet, Job, CronJob, DaemonSet, Pod):
 * a comma-separated list of `configmap/<name>` and `secret/<name>`. It sits on the object,
 * not the pod template, so editing it never restarts pods.
 */
export const EXTERNAL_REFS_ANNOTATION = 'berth.dev/external-refs';

/**
 * Annotation on a NetworkPolicy whose pods are created at run time by an operator, not by
 * a template in the stack (cert-manager's HTTP-01 solvers): its value names who creates
 * them. The synth's coherence check then accepts a selector that matches no template.
 */
export const RUNTIME_PODS_ANNOTATION = 'berth.dev/selects-runtime-pods';

export interface ExternalRefs {
  /** Secrets provided outside the stack. @default - none */
  readonly secrets?: readonly string[];
  /** ConfigMaps provided outside the stack. @default - none */
  readonly configMaps?: readonly string[];
}

/** The annotation for `refs`, sorted so the output is stable; empty when there are none. */
export function externalRefsAnnotation(refs: ExternalRefs): Record<string, string> {
  const entries = [
    ...(refs.configMaps ?? []).map((n) => `configmap/${n}`),
    ...(refs.secrets ?? []).map((n) => `secret/${n}`),
  ];
  const unique = [...new Set(entries)].sort();
  return unique.length > 0 ? { [EXTERNAL_REFS_ANNOTATION]: unique.join(',') } : {};
}

export interface ParsedExternalRefs {
  readonly configMaps: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  /** Entries that are neither `configmap/<name>` nor `secret/<name>`. */
  readonly invalid: readonly string[];
}

/** Reads the annotation value back. */
export function parseExternalRefs(value: string): ParsedExternalRefs {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const invalid: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    const m = /^(configmap|secret)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(entry);
    if (!m) invalid.push(entry);
    else (m[1] === 'configmap' ? configMaps : secrets).add(m[2]);
  }
  return { configMaps, secrets, invalid };
}

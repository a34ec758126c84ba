// A pod that lacks a value only an operator can supply should say so, not crash-loop with the
// app's parse error: the first init container checks every required provided value and, when
// one is missing, ends with a message (the pod's termination message and its log) naming the
// values and how to supply them.
import * as k8s from '../../imports/k8s';
import { EnvMap } from './env';
import type { PullPolicy } from './policy';
import { RunAs, restrictedContainerSecurityContext } from './security';

/** A small, pinned image with `/bin/sh`: the check needs nothing else. */
export const VALUE_CHECK_IMAGE = 'busybox:1.37.0';

/** The init container's name, reserved in every pod that may get it. */
export const VALUE_CHECK_NAME = 'check-values';

/** The required provided values among `env`, by env var name. */
function requirementsOf(env: EnvMap): [string, { readonly secretName: string; readonly key: string; readonly hint: string }][] {
  const out: [string, { readonly secretName: string; readonly key: string; readonly hint: string }][] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' && value.requirement) out.push([name, value.requirement]);
  }
  return out;
}

/**
 * The init container `check-values`, or undefined when `env` reads no required provided value.
 * It reads the same Secret keys as the app (optional, so the pod gets this far), and exits 1
 * listing the missing ones, grouped by how to supply them.
 */
export function valueCheckContainer(env: EnvMap, runAs: RunAs, pullPolicy: PullPolicy): k8s.Container | undefined {
  const required = requirementsOf(env);
  if (required.length === 0) return undefined;
  const hints = [...new Set(required.map(([, r]) => r.hint))];
  const lines = [
    'missing=""',
    ...required.map(([name, r]) => `[ -n "\${${name}:-}" ] || missing="$missing ${name} (Secret ${r.secretName}, key ${r.key});"`),
    'if [ -n "$missing" ]; then',
    `  msg="missing required value(s):$missing supply them: ${hints.join('; or ').replace(/[\\"$`]/g, '\\$&')}"`,
    '  echo "$msg" >&2; echo "$msg" > /dev/termination-log; exit 1',
    'fi',
  ];
  return {
    name: VALUE_CHECK_NAME,
    image: VALUE_CHECK_IMAGE,
    imagePullPolicy: pullPolicy,
    command: ['/bin/sh', '-c', lines.join('\n')],
    env: required.map(([name]) => ({ name, ...(env[name] as { source: Omit<k8s.EnvVar, 'name'> }).source })),
    resources: {
      requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
      limits: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('32Mi') },
    },
    securityContext: restrictedContainerSecurityContext(runAs),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

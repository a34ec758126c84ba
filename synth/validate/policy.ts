// Environment-driven policy: plaintext Secrets and mutable image tags are allowed only in
// the environments the caller names (from EnvironmentConfig), never by a hard-coded name.
import { formatValue } from '../../constructs/core/errors';
import { parseImage } from '../../constructs/core/image';
import type { Validator } from '../finding';
import { containersOf, record } from './model';
import { perStack } from './report';
import { indexOf } from './stack-index';

const PULL_POLICIES: readonly string[] = ['Always', 'IfNotPresent', 'Never'];

export interface PolicyOptions {
  /** Environments where a core `Secret` with data may be committed to `dist/`. */
  readonly plaintextSecretEnvs: readonly string[];
  /** Environments where images may be untagged or `:latest`. */
  readonly mutableTagEnvs: readonly string[];
  /** Per environment: the `imagePullPolicy` every container must set. @default - no check */
  readonly pullPolicies?: Readonly<Record<string, string>>;
}

/**
 * No plaintext Secret and no mutable image outside the environments that allow them; every
 * container pulls as its environment says (in a shared cluster, `IfNotPresent` lets any pod
 * on a node run a private image another team pulled, without credentials).
 */
export function policyValidator(options: PolicyOptions): Validator {
  const plaintext = new Set(options.plaintextSecretEnvs);
  const mutable = new Set(options.mutableTagEnvs);
  return perStack((report) => {
    const env = report.stack.env;
    if (!plaintext.has(env)) {
      for (const o of report.stack.objects) {
        const m = o.manifest;
        if (m.kind !== 'Secret' || m.apiVersion !== 'v1') continue;
        const keys = [...Object.keys(record(m.data)), ...Object.keys(record(m.stringData))];
        if (keys.length === 0) continue;
        report.add(o, [m.stringData !== undefined ? 'stringData' : 'data'], `holds ${keys.length} plaintext value(s) (${keys.join(', ')}), which environment ${formatValue(env)} does not allow`,
          'use an ExternalSecret or a SealedSecret, so no secret value lands in git');
      }
    }
    const pullPolicy = options.pullPolicies?.[env];
    if (pullPolicy !== undefined) {
      for (const t of indexOf(report.stack).podOf.values()) {
        for (const { container, path } of containersOf(t)) {
          // A value outside the enum is the schema check's to report.
          if (container.imagePullPolicy === pullPolicy || (container.imagePullPolicy !== undefined && !PULL_POLICIES.includes(container.imagePullPolicy as string))) continue;
          report.add(t.object, [...path, 'imagePullPolicy'], `must be ${formatValue(pullPolicy)}, as environment ${formatValue(env)} pulls images, received ${formatValue(container.imagePullPolicy)}`,
            'set it from the environment (pullPolicyOf(scope) in a construct; images.pullPolicy in charts/environments.ts)');
        }
      }
    }
    if (mutable.has(env)) return;
    for (const t of indexOf(report.stack).podOf.values()) {
      for (const { container, path } of containersOf(t)) {
        if (typeof container.image !== 'string' || container.image === '') continue;
        const ref = parseImage(container.image);
        if (ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest')) {
          report.add(t.object, [...path, 'image'], `must be pinned to a tag other than latest or to a digest in environment ${formatValue(env)}, received ${formatValue(container.image)}`,
            'use an immutable version tag such as 1.4.2, or image@sha256:<digest>');
        }
      }
    }
  });
}

// The safety net: every check the synth runs before it writes anything.
import type { Validator } from '../index';
import { apiServerValidator } from './api-server';
import { baselineValidator } from './baseline';
import { canonicalValidator } from './canonical';
import { coherenceValidator } from './coherence';
import { ownershipValidator } from './ownership';
import { podSecurityValidator } from './pod-security';
import { policyValidator } from './policy';
import { referencesValidator } from './references';
import { schemaValidator } from './schema';

export { apiServerValidator } from './api-server';
export { baselineValidator } from './baseline';
export { canonicalValidator } from './canonical';
export { coherenceValidator } from './coherence';
export { ownershipValidator } from './ownership';
export { podSecurityValidator, restrictedProblems } from './pod-security';
export { policyValidator } from './policy';
export { referencesValidator } from './references';
export { schemaProblems, schemaValidator } from './schema';

export interface SafetyNetOptions {
  /** Environments where a core `Secret` with data may land in `dist/`. */
  readonly plaintextSecretEnvs: readonly string[];
  /** Environments where images may be untagged or `:latest`. */
  readonly mutableTagEnvs: readonly string[];
  /** Stacks whose Namespaces need no baseline. @default ['argocd'] - Argo CD's own objects */
  readonly baselineExemptStacks?: readonly string[];
}

/**
 * Every check, in report order: schema, API-server rules, cross-object coherence,
 * ConfigMap/Secret references, Pod Security restricted, environment policy, namespace baseline,
 * canonical form (what the API server stores), field ownership (nothing an HPA owns).
 */
export function safetyNet(options: SafetyNetOptions): Validator[] {
  return [
    schemaValidator(),
    apiServerValidator(),
    coherenceValidator(),
    referencesValidator(),
    podSecurityValidator(),
    policyValidator(options),
    baselineValidator({ exemptStacks: options.baselineExemptStacks ?? ['argocd'] }),
    canonicalValidator(),
    ownershipValidator(),
  ];
}

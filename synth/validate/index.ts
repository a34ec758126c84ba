// The safety net: every check the synth runs before it writes anything.
import type { Validator } from '../finding';
import { affinityValidator } from './affinity';
import { apiServerValidator } from './api-server';
import { baselineValidator } from './baseline';
import { canaryValidator } from './canary';
import { canonicalValidator } from './canonical';
import { coherenceValidator } from './coherence';
import { hardeningValidator } from './hardening';
import { connectionBudgetValidator } from './connection-budget';
import { metricsValidator } from './metrics';
import { ownershipValidator } from './ownership';
import { podSecurityValidator } from './pod-security';
import { policyValidator } from './policy';
import { quotaFitValidator } from './quota';
import { reachabilityValidator } from './reachability';
import { referencesValidator } from './references';
import { resourceFitValidator } from './resource-fit';
import { RuntimeFacts } from './runtime-facts';
import { schemaValidator } from './schema';

export { affinityValidator } from './affinity';
export { apiServerValidator } from './api-server';
export { baselineValidator } from './baseline';
export { canaryValidator } from './canary';
export { canonicalValidator } from './canonical';
export { coherenceValidator } from './coherence';
export { hardeningValidator } from './hardening';
export { connectionBudgetValidator } from './connection-budget';
export { metricsValidator } from './metrics';
export { ownershipValidator } from './ownership';
export { podSecurityValidator, restrictedProblems } from './pod-security';
export { policyValidator } from './policy';
export { quotaFitValidator } from './quota';
export { reachabilityValidator } from './reachability';
export { referencesValidator } from './references';
export { resourceFitValidator } from './resource-fit';
export { DEFAULT_RUNTIME_FACTS, RuntimeFacts } from './runtime-facts';
export { schemaProblems, schemaValidator } from './schema';

export interface SafetyNetOptions {
  /** Environments where a core `Secret` with data may land in `dist/`. */
  readonly plaintextSecretEnvs: readonly string[];
  /** Environments where images may be untagged or `:latest`. */
  readonly mutableTagEnvs: readonly string[];
  /** Per environment: the `imagePullPolicy` every container must set. @default - no check */
  readonly pullPolicies?: Readonly<Record<string, string>>;
  /** Stacks whose Namespaces need no baseline. @default ['argocd'] - Argo CD's own objects */
  readonly baselineExemptStacks?: readonly string[];
  /** Per environment: the PriorityClasses its clusters define, one of which every pod must name. @default - no check */
  readonly priorityClasses?: Readonly<Record<string, readonly string[]>>;
  /** Per environment: where the scraper and the ingress proxies run. @default - DEFAULT_RUNTIME_FACTS for every environment */
  readonly runtime?: Readonly<Record<string, RuntimeFacts>>;
}

/**
 * Every check, in report order: schema, API-server rules, cross-object coherence,
 * ConfigMap/Secret references, Pod Security restricted, environment policy, namespace baseline,
 * what the readiness linters ask of workloads (hardening),
 * then what a running cluster would do: reachable ports and URLs, session affinity, metrics,
 * canaries, connection budgets, resource fit, and quota and LimitRange fit; last, the
 * canonical form (what the API server stores) and field ownership (nothing an HPA owns).
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
    hardeningValidator({ ...(options.priorityClasses ? { priorityClasses: options.priorityClasses } : {}) }),
    reachabilityValidator(options.runtime),
    affinityValidator(),
    metricsValidator(options.runtime),
    canaryValidator(),
    connectionBudgetValidator(),
    resourceFitValidator(),
    quotaFitValidator(),
    canonicalValidator(),
    ownershipValidator(),
  ];
}

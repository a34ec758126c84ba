import { clusterTargets, EnvironmentConfig, istioGatewayOf } from '../charts/environment';
import { ENVIRONMENTS } from '../charts/environments';
import { PRIORITY_CLASS_NAMES } from '../charts/cluster';
import { Validator } from './index';
import { RuntimeFacts, safetyNet } from './validate';

/** Where an environment's scraper and ingress proxies run. */
export function runtimeFactsOf(env: EnvironmentConfig): RuntimeFacts {
  const ingress = new Set([env.gateway.controllerNamespace]);
  if (!env.capabilities.istio) return { scraperNamespace: env.scraperNamespace ?? 'monitoring', ingressNamespaces: [...ingress] };
  const istio = istioGatewayOf(env);
  ingress.add(istio.namespace);
  return {
    scraperNamespace: env.scraperNamespace ?? 'monitoring',
    ingressNamespaces: [...ingress],
    ingressProxies: { [istio.namespace]: { podLabels: istio.podLabels, principal: istio.principal } },
  };
}

/**
 * The safety net for a set of environments: what each may relax comes from its config, keyed
 * by the directories the synth writes (`dist/<env>/`, or one per cluster, `dist/<env>-<cluster>/`)
 * and by the environment's name. None of it differs between an environment's clusters.
 */
export function validatorsFor(envs: readonly EnvironmentConfig[]): Validator[] {
  const keys = (e: EnvironmentConfig): string[] => [...new Set([e.name, ...clusterTargets(e).map((t) => t.dir)])];
  return safetyNet({
    plaintextSecretEnvs: envs.filter((e) => e.secrets.mode === 'generated').flatMap(keys),
    mutableTagEnvs: envs.filter((e) => e.images.pin === 'mutable').flatMap(keys),
    pullPolicies: Object.fromEntries(envs.flatMap((e) => keys(e).map((k) => [k, e.images.pullPolicy]))),
    // Every cluster gets berth's PriorityClasses (dist/<dir>/cluster/).
    priorityClasses: Object.fromEntries(envs.flatMap((e) => keys(e).map((k) => [k, Object.values(PRIORITY_CLASS_NAMES)]))),
    runtime: Object.fromEntries(envs.flatMap((e) => keys(e).map((k) => [k, runtimeFactsOf(e)]))),
  });
}

/** The checks every synth runs before writing. */
export const validators: readonly Validator[] = validatorsFor(ENVIRONMENTS);

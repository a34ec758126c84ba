import { EnvironmentConfig } from '../charts/environment';
import { ENVIRONMENTS } from '../charts/environments';
import { Validator } from './index';
import { RuntimeFacts, safetyNet } from './validate';

/** Where an environment's scraper and ingress proxies run. */
export function runtimeFactsOf(env: EnvironmentConfig): RuntimeFacts {
  const ingress = new Set([env.gateway.controllerNamespace]);
  if (env.capabilities.istio) ingress.add(env.gateway.istioNamespace ?? 'istio-system');
  return { scraperNamespace: env.scraperNamespace ?? 'monitoring', ingressNamespaces: [...ingress] };
}

/** The safety net for a set of environments: what each may relax comes from its config. */
export function validatorsFor(envs: readonly EnvironmentConfig[]): Validator[] {
  return safetyNet({
    plaintextSecretEnvs: envs.filter((e) => e.secrets.mode === 'generated').map((e) => e.name),
    mutableTagEnvs: envs.filter((e) => e.allowMutableImageTags).map((e) => e.name),
    runtime: Object.fromEntries(envs.map((e) => [e.name, runtimeFactsOf(e)])),
  });
}

/** The checks every synth runs before writing. */
export const validators: readonly Validator[] = validatorsFor(ENVIRONMENTS);

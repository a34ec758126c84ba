import { EnvironmentConfig } from '../charts/environment';
import { ENVIRONMENTS } from '../charts/environments';
import { Validator } from './index';
import { safetyNet } from './validate';

/** The safety net for a set of environments: what each may relax comes from its config. */
export function validatorsFor(envs: readonly EnvironmentConfig[]): Validator[] {
  return safetyNet({
    plaintextSecretEnvs: envs.filter((e) => e.secrets.mode === 'generated').map((e) => e.name),
    mutableTagEnvs: envs.filter((e) => e.allowMutableImageTags).map((e) => e.name),
  });
}

/** The checks every synth runs before writing. */
export const validators: readonly Validator[] = validatorsFor(ENVIRONMENTS);

import { ENVIRONMENTS } from './environments';
import { argocdUnit } from './argocd';
import { buildUnits } from './stack';
import { hello } from './stacks/hello';

export { ENVIRONMENTS } from './environments';
export * from './environment';
export * from './stack';

/** Every reference stack, in synth order. */
export const STACKS = [hello];

/** All (environment, stack) charts. */
export function buildAll() {
  const ids = STACKS.map((s) => s.id);
  return [...buildUnits(ENVIRONMENTS, STACKS), ...ENVIRONMENTS.map((env) => argocdUnit(env, ids))];
}

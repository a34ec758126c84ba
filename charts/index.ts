import { ENVIRONMENTS } from './environments';
import { buildUnits } from './stack';
import { hello } from './stacks/hello';

export { ENVIRONMENTS } from './environments';
export * from './environment';
export * from './stack';

/** Every reference stack, in synth order. */
export const STACKS = [hello];

/** All (environment, stack) charts. */
export function buildAll() {
  return buildUnits(ENVIRONMENTS, STACKS);
}

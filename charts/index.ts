import { ENVIRONMENTS } from './environments';
import { argocdUnit } from './argocd';
import { buildUnits } from './stack';
import { giia } from './stacks/giia';
import { nexus } from './stacks/nexus';
import { shop } from './stacks/shop';
import { todoApp } from './stacks/todo-app';
import { todoChatbot } from './stacks/todo-chatbot';

export { ENVIRONMENTS } from './environments';
export * from './environment';
export * from './stack';

/** Every reference stack, in synth order. */
export const STACKS = [giia, todoChatbot, shop, todoApp, nexus];

/** All (environment, stack) charts. */
export function buildAll() {
  const ids = STACKS.map((s) => s.id);
  return [...buildUnits(ENVIRONMENTS, STACKS), ...ENVIRONMENTS.map((env) => argocdUnit(env, ids))];
}

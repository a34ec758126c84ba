import { ENVIRONMENTS } from './environments';
import { argocdUnit } from './argocd';
import type { PlannedUnit } from '../synth';
import { SynthUnit } from '../synth/render';
import { planUnits } from './stack';
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

/** All (environment, stack) charts, each built when the synth reaches it. */
export function planAll(): PlannedUnit[] {
  const ids = STACKS.map((s) => s.id);
  return [
    ...planUnits(ENVIRONMENTS, STACKS),
    ...ENVIRONMENTS.map((env) => ({ env: env.name, stack: 'argocd', build: () => argocdUnit(env, ids).chart })),
  ];
}

/** All (environment, stack) charts, built now. */
export function buildAll(): SynthUnit[] {
  return planAll().map((u) => ({ env: u.env, stack: u.stack, chart: u.build() }));
}

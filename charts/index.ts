import { ENVIRONMENTS } from './environments';
import { argocdUnit } from './argocd';
import { fluxUnit } from './flux';
import type { PlannedUnit } from '../synth';
import { SynthUnit } from '../synth/render';
import { clusterTargets, EnvironmentConfig } from './environment';
import { planUnits, StackDefinition } from './stack';
import { validateEnvironments } from './validate-environments';
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

/**
 * The (cluster, stack) charts of `envs` × `stacks` plus each cluster's Argo CD and Flux
 * objects, each built when the synth reaches it. The environments and the stack list are
 * validated first: a problem there is reported like a construct's, and nothing is built.
 */
export function planFor(envs: readonly EnvironmentConfig[], stacks: readonly StackDefinition[]): PlannedUnit[] {
  validateEnvironments(envs, stacks);
  const ids = stacks.map((s) => s.id);
  return [
    ...planUnits(envs, stacks),
    ...envs.flatMap(clusterTargets).flatMap((t) => [
      { env: t.dir, environment: t.env.name, stack: 'argocd', build: () => argocdUnit(t, ids).chart },
      { env: t.dir, environment: t.env.name, stack: 'flux', build: () => fluxUnit(t, ids).chart },
    ]),
  ];
}

/** All (environment, stack) charts, each built when the synth reaches it. */
export function planAll(): PlannedUnit[] {
  return planFor(ENVIRONMENTS, STACKS);
}

/** All (environment, stack) charts, built now. */
export function buildAll(): SynthUnit[] {
  return planAll().map((u) => ({ env: u.env, stack: u.stack, chart: u.build() }));
}

import { ENVIRONMENTS } from './environments';
import { argocdUnit } from './argocd';
import { fluxUnit } from './flux';
import { CLUSTER_UNIT, clusterUnit } from './cluster';
import type { PlannedUnit } from '../synth';
import { SynthUnit } from '../synth/render';
import { clusterTargets, EnvironmentConfig } from './environment';
import { planUnits, StackDefinition } from './stack';
import { validateEnvironments } from './validate-environments';
import { readRelease, Release, releaseOf } from './releases';
import { ValidationError } from '../constructs/core/errors';
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
 * The (cluster, stack) charts of `envs` × `stacks` plus each cluster's prerequisites
 * (`cluster`: berth's PriorityClasses) and its Argo CD and Flux objects, each built when the
 * synth reaches it. The environments and the stack list are
 * validated first: a problem there is reported like a construct's, and nothing is built.
 */
export function planFor(envs: readonly EnvironmentConfig[], stacks: readonly StackDefinition[], options: PlanOptions = {}): PlannedUnit[] {
  validateEnvironments(envs, stacks);
  const ids = stacks.map((s) => s.id);
  return [
    ...planUnits(envs, stacks, readReleases(envs, ids, options)),
    ...envs.flatMap(clusterTargets).flatMap((t) => [
      { env: t.dir, environment: t.env.name, stack: CLUSTER_UNIT, build: () => clusterUnit(t).chart },
      { env: t.dir, environment: t.env.name, stack: 'argocd', build: () => argocdUnit(t, ids).chart },
      { env: t.dir, environment: t.env.name, stack: 'flux', build: () => fluxUnit(t, ids).chart },
    ]),
  ];
}

export interface PlanOptions {
  /** The repository root the release files are read from. @default process.cwd() */
  readonly root?: string;
  /** Per environment, the release file's content instead of the file (tests, tools). @default - read from `root` */
  readonly releases?: Readonly<Record<string, string>>;
}

/** Every environment's release file, read and checked; the problems of all of them at once. */
export function readReleases(envs: readonly EnvironmentConfig[], stackIds: readonly string[], options: PlanOptions = {}): Map<string, Release> {
  const out = new Map<string, Release>();
  const problems: string[] = [];
  for (const env of envs) {
    try {
      const text = options.releases?.[env.name];
      out.set(env.name, text !== undefined ? releaseOf(env, stackIds, text) : readRelease(env, stackIds, options.root ?? process.cwd()));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return out;
}

/** All (environment, stack) charts, each built when the synth reaches it. */
export function planAll(): PlannedUnit[] {
  return planFor(ENVIRONMENTS, STACKS);
}

/** All (environment, stack) charts, built now. */
export function buildAll(): SynthUnit[] {
  return planAll().map((u) => ({ env: u.env, stack: u.stack, chart: u.build() }));
}

import { App, Chart } from 'cdk8s';
import { PART_OF_LABEL } from '../constructs/core/labels';
import { POLICY_CONTEXT } from '../constructs/core/policy';
import type { PlannedUnit } from '../synth';
import { SynthUnit } from '../synth/render';
import { NamespaceBaseline } from '../constructs/namespace-baseline';
import { clusterTargets, dirOf, EnvironmentConfig, gatewayModeFor, namespaceFor } from './environment';
import { policyFor } from './platform';
import type { Release } from './releases';

/** A reference stack: one id, and how to build it for a given environment. */
export interface StackDefinition {
  /** DNS label: the directory under `dist/<env>/` and the namespace prefix. */
  readonly id: string;
  readonly build: (chart: StackChart, env: EnvironmentConfig) => void;
}

/**
 * The chart of one stack in one environment; its namespace is `<stack>-<env>`, created by
 * the NamespaceBaseline that `buildUnits` adds before the stack's own constructs. It supplies
 * the environment's platform policy (image tags, mesh, Secrets, storage tiers, backups,
 * scaling, metrics, gateway) to every construct in it, which reads it for the props a stack
 * leaves out.
 */
export class StackChart extends Chart {
  public readonly stack: string;
  public readonly env: EnvironmentConfig;
  private readonly frozenLabels: Readonly<Record<string, string>>;

  constructor(scope: App, stack: string, env: EnvironmentConfig, release?: Release) {
    // `<stack>-<dir>`: construct paths in messages name the cluster (`shop-prod-us-east/web`).
    super(scope, `${stack}-${dirOf(env)}`, {
      namespace: namespaceFor(stack, env),
      labels: { [PART_OF_LABEL]: stack },
      disableResourceNameHashes: true,
    });
    this.stack = stack;
    this.env = env;
    this.frozenLabels = Object.freeze(super.labels);
    // Before any child: every construct of the stack reads the environment's policy from here.
    this.node.setContext(POLICY_CONTEXT, policyFor(this.node.path, stack, env, release));
  }

  /**
   * One frozen object, where cdk8s returns a fresh copy on each call. Every ApiObject
   * constructor spreads it and then the object's own labels into a new map; V8 (Node 20)
   * builds that map on a slow path (~5 µs an object) when the first spread is a fresh copy,
   * but not when it is a frozen object. Frozen, it still can't be changed through this getter.
   */
  public override get labels(): Record<string, string> {
    return this.frozenLabels as Record<string, string>;
  }
}

/**
 * Every (cluster, stack) chart of the environments, each with its namespace baseline, built
 * when the synth reaches it. One cdk8s App per chart keeps app-wide work in cdk8s (validation, App
 * lookups during resolution) scoped to one chart, so synth stays linear in the number of
 * stacks.
 */
export function planUnits(
  envs: readonly EnvironmentConfig[],
  stacks: readonly StackDefinition[],
  releases?: ReadonlyMap<string, Release>,
): PlannedUnit[] {
  // One unit per cluster of each environment, in dist/<dir>/, reading the cluster's values.
  return envs.flatMap(clusterTargets).flatMap(({ dir, env }) => stacks.map((def) => ({
    env: dir,
    environment: env.name,
    stack: def.id,
    build: () => {
      const release = releases?.get(env.name);
      const chart = new StackChart(new App({ outdir: 'cdk8s.out' }), def.id, env, release);
      new NamespaceBaseline(chart, 'baseline', {
        quota: env.quota,
        // Istio's sidecars carry the mTLS that PeerAuthentication STRICT requires.
        mesh: gatewayModeFor(def.id, env) === 'istio' ? {} : undefined,
      });
      def.build(chart, env);
      release?.finish(def.id);
      return chart;
    },
  })));
}

/** The charts of `planUnits`, built now. */
export function buildUnits(envs: readonly EnvironmentConfig[], stacks: readonly StackDefinition[]): SynthUnit[] {
  return planUnits(envs, stacks).map((u) => ({ env: u.env, stack: u.stack, chart: u.build() }));
}

import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

export const MANAGED_BY = 'berth';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';

/** What identifies one workload among the stack's objects. */
export interface AppIdentity {
  /** `app.kubernetes.io/name`: the workload's own name, such as `auth` or `postgres`. */
  readonly name: string;
  /** `app.kubernetes.io/component`: its role, such as `api`, `frontend` or `database`. */
  readonly component: string;
  /** `app.kubernetes.io/version`: usually the image tag. Only on the workload and its pod template; never part of a selector. */
  readonly version?: string;
}

/** The label sets a workload puts on its objects, pod templates and selectors. */
export interface AppLabels {
  /** The `app.kubernetes.io/*` labels every object of the workload carries (no version). */
  readonly all: Record<string, string>;
  /**
   * `all` plus `app.kubernetes.io/version`: the workload (Deployment, StatefulSet, Job) and its
   * pod template, which are what runs the version, so an image bump changes only them.
   */
  readonly versioned: Record<string, string>;
  /** Only labels that never change (`name`, `instance`): selectors. */
  readonly selector: Record<string, string>;
}

/**
 * Derives the recommended labels from the chart a construct lives in.
 * `instance` is the chart's namespace (one installation of a stack, `giia-prod`), or the
 * chart id without one; `part-of` is the chart's `app.kubernetes.io/part-of` label, or the
 * instance. Both are fixed for the life of a stack, so selectors stay immutable.
 */
export function appLabels(scope: IConstruct, id: AppIdentity): AppLabels {
  const chart = Chart.of(scope);
  const instance = chart.namespace ?? chart.node.id;
  const partOf = chart.labels[PART_OF_LABEL] ?? instance;
  const selector = {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': instance,
  };
  const all: Record<string, string> = {
    ...selector,
    'app.kubernetes.io/component': id.component,
    [PART_OF_LABEL]: partOf,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
  const versioned = id.version !== undefined ? { ...all, 'app.kubernetes.io/version': id.version } : all;
  return { all, versioned, selector };
}

// Recognising a cdk8s-plus workload without loading cdk8s-plus: duck-typed, not `instanceof`,
// so a stack that uses none never loads it (an optional peer dependency of the package).
import { ApiObject } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';

/** A cdk8s-plus workload berth can wire: a Deployment, StatefulSet, DaemonSet, Job or CronJob. */
export type PlusWorkloadLike = kplus.Workload;

const KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

/** The Kubernetes object of a cdk8s-plus workload (its default child), or undefined for anything else. */
export function plusObjectOf(value: unknown): ApiObject | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<PlusWorkloadLike>;
  if (typeof v.matchLabels !== 'object' || !Array.isArray(v.containers) || typeof v.podMetadata?.addLabel !== 'function') return undefined;
  const child = (value as Partial<IConstruct>).node?.defaultChild;
  return child instanceof ApiObject && KINDS.has(child.kind) ? child : undefined;
}

/** True for a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob. */
export function isPlusWorkload(value: unknown): value is PlusWorkloadLike {
  return plusObjectOf(value) !== undefined;
}

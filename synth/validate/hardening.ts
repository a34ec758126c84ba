// What the readiness linters platform teams run (Polaris, kube-score, kube-linter) ask of a
// workload, where berth agrees and renders it by construction: this is the guard for objects
// that bypass the constructs. docs/validation.md lists each linter check and berth's answer.
import { formatValue } from '../../constructs/core/errors';
import { rbacRuleProblems } from '../../constructs/core/rbac';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { containersOf, list, PodTemplate, record, records } from './model';
import { perStack, Report } from './report';
import { indexOf } from './stack-index';

export interface HardeningOptions {
  /**
   * Per environment, the PriorityClasses its clusters define (berth's, from
   * `dist/<dir>/cluster/`): every pod must name one of them. @default - no check
   */
  readonly priorityClasses?: Readonly<Record<string, readonly string[]>>;
}

/** The highest value a PriorityClass other than the system's may have (the API server's limit). */
const USER_PRIORITY_MAX = 1_000_000_000;
const EPHEMERAL = 'ephemeral-storage';

/** Ephemeral storage on every container: the node's disk is shared, and a pod without a limit can fill it. */
function checkEphemeralStorage(report: Report, t: PodTemplate): void {
  for (const { container, path } of containersOf(t)) {
    if (path.includes('ephemeralContainers')) continue;
    const resources = record((container as { resources?: unknown }).resources);
    for (const side of ['requests', 'limits'] as const) {
      if (record(resources[side])[EPHEMERAL] !== undefined) continue;
      report.add(t.object, [...path, 'resources', side, EPHEMERAL], `is not set: the container ${side === 'limits' ? 'may fill the node\'s disk (logs, emptyDirs), and the kubelet evicts pods from a full disk by their usage over requests' : 'reserves no disk, so the scheduler may place it on a node whose disk is full'}, received undefined`,
        'state it (withEphemeralStorage() in a construct: logs plus the emptyDirs it mounts)');
    }
  }
}

/** A pod on the namespace's `default` ServiceAccount shares its identity (and, in the mesh, its principal) with every other such pod. */
function checkServiceAccount(report: Report, t: PodTemplate): void {
  const sa = t.spec.serviceAccountName;
  if (typeof sa === 'string' && sa !== '' && sa !== 'default') return;
  report.add(t.object, [...t.specPath, 'serviceAccountName'], `runs on the namespace's default ServiceAccount, which every pod that names none shares: its mesh identity admits them all, received ${formatValue(sa)}`,
    'give the workload a ServiceAccount of its own, without an API token (serviceAccount() in constructs/core/workload.ts)');
}

/** The handler of a probe: what kube-score compares. */
function handlerOf(probe: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of ['httpGet', 'tcpSocket', 'grpc', 'exec'] as const) {
    if (probe[key] !== undefined) return JSON.stringify({ [key]: probe[key] });
  }
  return undefined;
}

/**
 * Liveness that repeats the readiness check: a readiness check may cover dependencies, and
 * a liveness probe that fails with them restarts every pod while a database is down. Two TCP
 * connects are the same check but no dependency can fail either, so they pass.
 */
function checkProbes(report: Report, t: PodTemplate): void {
  for (const { container, path } of containersOf(t)) {
    const liveness = record(container.livenessProbe);
    const readiness = record(container.readinessProbe);
    const handler = handlerOf(liveness);
    if (handler === undefined || handler !== handlerOf(readiness) || liveness.tcpSocket !== undefined) continue;
    report.add(t.object, [...path, 'livenessProbe'], `repeats the readiness check (${handler}), which may cover the service's dependencies: while one is down, every pod would be restarted`,
      'make liveness a TCP connect (Probe.tcp()) or an endpoint that checks only the process; readiness may check dependencies');
  }
}

/** Every pod names one of the cluster's PriorityClasses, which the API server needs to exist. */
function checkPriority(report: Report, t: PodTemplate, classes: readonly string[] | undefined): void {
  if (classes === undefined) return;
  const name = (t.spec as { priorityClassName?: unknown }).priorityClassName;
  if (typeof name === 'string' && classes.includes(name)) return;
  report.add(t.object, [...t.specPath, 'priorityClassName'], name === undefined
    ? `is not set: under node pressure the pod is evicted, and preempted, with the cluster's default priority, before every berth batch job, received undefined`
    : `names no PriorityClass the cluster's prerequisites define (${classes.join(', ')}): the API server refuses the pod, received ${formatValue(name)}`,
  'set it from the platform policy (withPriority(scope, tier, spec) in a construct)');
}

function checkCronJob(report: Report, o: RenderedObject): void {
  const spec = record(o.manifest.spec);
  if (typeof spec.startingDeadlineSeconds === 'number') return;
  report.add(o, ['spec', 'startingDeadlineSeconds'], `is not set: after the controller was down, a run missed long ago would still start (and past 100 missed runs the CronJob stops scheduling), received undefined`,
    'set it: how late a run may still start');
}

function checkRole(report: Report, o: RenderedObject): void {
  records(o.manifest.rules).forEach((rule, i) => {
    const strings = (v: unknown) => list(v).filter((x): x is string => typeof x === 'string');
    const shape = {
      apiGroups: strings(rule.apiGroups), resources: strings(rule.resources), verbs: strings(rule.verbs),
      ...(rule.resourceNames !== undefined ? { resourceNames: strings(rule.resourceNames) } : {}),
    };
    for (const p of rbacRuleProblems(shape)) {
      report.add(o, ['rules', i, p.field], `${p.message}, received ${formatValue(p.value ?? shape.verbs)}`, 'grant only what the workload needs, by name wherever RBAC can name it');
    }
  });
}

function checkPriorityClass(report: Report, o: RenderedObject): void {
  const m = o.manifest as { value?: unknown; globalDefault?: unknown };
  if (typeof m.value === 'number' && m.value > USER_PRIORITY_MAX) {
    report.add(o, ['value'], `must be at most ${USER_PRIORITY_MAX} (the API server keeps higher values for system-* classes), received ${m.value}`, 'stay well below system-cluster-critical, leaving room for the platform\'s own classes');
  }
  if (m.globalDefault === true) {
    report.add(o, ['globalDefault'], "must not be true: it would become every other team's pods' priority too, received true", 'pods name berth\'s classes; the cluster keeps its own default');
  }
}

/**
 * Ephemeral storage on every container, a ServiceAccount of its own for every pod, liveness
 * that doesn't repeat readiness, a known PriorityClass on every pod, `startingDeadlineSeconds`
 * on every CronJob, Roles that name their objects, and PriorityClasses below the system's.
 */
export function hardeningValidator(options: HardeningOptions = {}): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    const classes = options.priorityClasses?.[report.stack.env];
    for (const t of idx.podOf.values()) {
      checkEphemeralStorage(report, t);
      checkServiceAccount(report, t);
      checkProbes(report, t);
      checkPriority(report, t, classes);
    }
    for (const o of idx.ofKind('CronJob')) checkCronJob(report, o);
    for (const o of [...idx.ofKind('Role'), ...idx.ofKind('ClusterRole')]) checkRole(report, o);
    for (const o of idx.ofKind('PriorityClass')) checkPriorityClass(report, o);
  });
}

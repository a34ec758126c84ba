// Connection budgets: every client's pool multiplied by the most pods it may run at once
// (HPA maximum plus rollout surge, a Job's parallelism) must fit the store's
// `max_connections` less its reserved slots, or the pooler's client limit in front of it.
// Otherwise the first busy hour ends in "sorry, too many clients already".
import { CONNECTION_POOLS_ANNOTATION, MAX_CLIENT_CONNECTIONS_ANNOTATION, parsePools } from '../../constructs/core/connection-budget';
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { record, records, replicasOf } from './model';
import { hpaFor, servicesSelecting } from './network';
import { Path } from './paths';
import { perStack, Report } from './report';
import { indexOf, StackIndex } from './stack-index';

/** Rough memory of one postgres backend process (its own memory, work_mem for one sort). */
export const POSTGRES_MIB_PER_CONNECTION = 10;

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

/** `n` or `"n%"` of `total`, rounded up as the Deployment controller rounds surge. */
function surgeOf(v: unknown, total: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  return Math.ceil(total / 4);
}

/** The most pods a workload runs at once, and how that figure is made. */
export function peakPods(idx: StackIndex, workload: RenderedObject): { pods: number; why: string } {
  const m = workload.manifest;
  const spec = record(m.spec);
  switch (m.kind) {
    case 'Deployment': {
      const hpa = hpaFor(idx, workload);
      const max = hpa && typeof hpa.maxReplicas === 'number' ? hpa.maxReplicas : replicasOf(m);
      const strategy = record(spec.strategy);
      const surge = strategy.type === 'Recreate' ? 0 : surgeOf(record(strategy.rollingUpdate).maxSurge, max);
      const base = hpa ? `HPA max ${max}` : `${max} replicas`;
      return { pods: max + surge, why: surge > 0 ? `${base} + ${surge} surge` : base };
    }
    case 'StatefulSet': return { pods: replicasOf(m), why: `${replicasOf(m)} replicas` };
    case 'Job': {
      const p = typeof spec.parallelism === 'number' ? spec.parallelism : 1;
      return { pods: p, why: p === 1 ? 'one run' : `parallelism ${p}` };
    }
    case 'CronJob': {
      const job = record(record(spec.jobTemplate).spec);
      const p = typeof job.parallelism === 'number' ? job.parallelism : 1;
      const overlap = spec.concurrencyPolicy === 'Forbid' || spec.concurrencyPolicy === 'Replace' ? 1 : 2;
      return { pods: p * overlap, why: overlap === 1 ? 'one run' : 'two overlapping runs' };
    }
    default: return { pods: 1, why: 'one pod' };
  }
}

interface Limit {
  /** The object whose setting sets the limit, and the field to report. */
  readonly object: RenderedObject;
  readonly field: Path;
  readonly total: number;
  readonly explain: string;
  readonly hint: (needed: number) => string;
}

const SETTING = (conf: string, key: string): number | undefined => {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*'?(\\d+)'?`, 'm').exec(conf);
  return m ? Number(m[1]) : undefined;
};

/** Limits by the Service names clients use to reach them. */
function limitsOf(idx: StackIndex): Map<string, Limit> {
  const limits = new Map<string, Limit>();
  const servicesOf = (o: RenderedObject): string[] => {
    const pod = idx.podOf.get(o);
    return pod ? servicesSelecting(idx, pod) : [];
  };
  for (const sts of idx.ofKind('StatefulSet')) {
    const pod = idx.podOf.get(sts);
    if (!pod) continue;
    for (const v of records(pod.spec.volumes)) {
      const cmName = record(v.configMap).name;
      const cm = typeof cmName === 'string' ? idx.get('ConfigMap', cmName) : undefined;
      const conf = cm && record(cm.manifest.data)['postgresql.conf'];
      if (!cm || typeof conf !== 'string') continue;
      const max = SETTING(conf, 'max_connections') ?? 100;
      const superuser = SETTING(conf, 'superuser_reserved_connections') ?? 3;
      const reserved = SETTING(conf, 'reserved_connections') ?? 0;
      const limit: Limit = {
        object: cm, field: ['data', 'postgresql.conf'], total: max - superuser - reserved,
        explain: `max_connections ${max} less ${superuser + reserved} reserved = ${max - superuser - reserved}`,
        hint: (needed) => `raise postgres.maxConnections to at least ${needed + superuser + reserved} (about ${Math.ceil(((needed + superuser + reserved - max) * POSTGRES_MIB_PER_CONNECTION) / 64) * 64} MiB more memory, at ~${POSTGRES_MIB_PER_CONNECTION} MiB a connection), put PgBouncer in front (postgres.pooler), or declare smaller pools`,
      };
      for (const s of servicesOf(sts)) limits.set(s, limit);
    }
  }
  for (const o of idx.stack.objects) {
    const raw = o.manifest.metadata?.annotations?.[MAX_CLIENT_CONNECTIONS_ANNOTATION];
    if (raw === undefined || !/^[1-9][0-9]*$/.test(raw)) continue;
    const hpa = hpaFor(idx, o);
    const min = hpa && typeof hpa.minReplicas === 'number' ? hpa.minReplicas : replicasOf(o.manifest);
    // One pooler pod may be drained at any time: the others must hold every client.
    const serving = min >= 2 ? min - 1 : 1;
    const limit: Limit = {
      object: o, field: ['metadata', 'annotations', MAX_CLIENT_CONNECTIONS_ANNOTATION], total: Number(raw) * serving,
      explain: `${raw} client connections per pooler pod × ${serving} pod(s) left during a drain = ${Number(raw) * serving}`,
      hint: (needed) => `raise pooler.maxClientConnections to at least ${Math.ceil(needed / serving)}, run more pooler replicas, or declare smaller pools`,
    };
    for (const s of servicesOf(o)) limits.set(s, limit);
  }
  return limits;
}

function checkBudgets(report: Report, idx: StackIndex): void {
  const limits = limitsOf(idx);
  const demand = new Map<Limit, { total: number; parts: string[] }>();
  for (const o of idx.stack.objects) {
    const raw = o.manifest.metadata?.annotations?.[CONNECTION_POOLS_ANNOTATION];
    if (raw === undefined) continue;
    const { pools, invalid } = parsePools(raw);
    if (invalid.length > 0) {
      report.add(o, ['metadata', 'annotations', CONNECTION_POOLS_ANNOTATION], `must list <service>=<connections per pod>, received ${formatValue(raw)}`);
      continue;
    }
    const peak = peakPods(idx, o);
    for (const [service, pool] of pools) {
      const limit = limits.get(service);
      if (!limit) continue;
      const d = demand.get(limit) ?? { total: 0, parts: [] };
      d.total += pool * peak.pods;
      d.parts.push(`${describe(o)} ${pool} × ${peak.pods} (${peak.why}) = ${pool * peak.pods}`);
      demand.set(limit, d);
    }
  }
  for (const [limit, d] of demand) {
    if (d.total <= limit.total) continue;
    report.add(limit.object, limit.field,
      `allows ${limit.total} connections (${limit.explain}), but its clients may open ${d.total} at their peak: ${d.parts.join('; ')}`,
      limit.hint(d.total));
  }
}

/** Clients' pools at their peak pod counts fit the store's (or its pooler's) connection limit. */
export function connectionBudgetValidator(): Validator {
  return perStack((report) => checkBudgets(report, indexOf(report.stack)));
}

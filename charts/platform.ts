// Environment data → construct props. Stacks call these so that every stack reads the
// environment the same way and no construct ever sees an environment's name. They refuse
// bad intent rather than repair it: each problem names the stack's chart and the argument.
import type { SecretSource } from '../constructs/app-secret';
import { Problems } from '../constructs/core/errors';
import { isDns1123Label, isDns1123Subdomain, isHostname } from '../constructs/core/names';
import { anyOf, checkShape, num, object, opt, req, str } from '../constructs/core/props';
import type { GatewayCapabilities, IngressGatewayProps } from '../constructs/ingress-gateway';
import { AutoscalingProps, SCALING_BEHAVIOR, ScalingBehavior } from '../constructs/web-service';
import { gatewayModeFor, namespacedSecretKey, StorageTier } from './environment';
import { StackChart } from './stack';

/** `<sub>.<domain>` for the environment; `sub` is one or more DNS labels, such as `api.shop`. */
export function hostFor(chart: StackChart, sub: string): string {
  const host = `${sub}.${chart.env.domain}`;
  const problems = new Problems(chart);
  if (problems.check(typeof sub === 'string' && sub.split('.').every(isDns1123Label), 'hostFor().sub',
    "must be '.'-separated DNS labels (lowercase letters, digits and '-', at most 63 each), such as 'api.shop'", sub)) {
    problems.check(isHostname(host), 'hostFor().sub', `makes ${JSON.stringify(host)}, longer than a DNS name may be (253)`, sub);
  }
  problems.throwIfAny();
  return host;
}

/** Where a Secret's values come from in this environment. */
export function secretSource(chart: StackChart, secretName: string): SecretSource {
  const s = chart.env.secrets;
  const problems = new Problems(chart);
  problems.check(typeof secretName === 'string' && isDns1123Subdomain(secretName), 'secretSource().secretName', 'must be a Secret name (DNS-1123 subdomain)', secretName);
  problems.throwIfAny();
  switch (s.mode) {
    case 'generated':
      return { mode: 'generated' };
    case 'external':
      return { mode: 'external', clusterSecretStore: s.clusterSecretStore };
    case 'sealed': {
      const key = namespacedSecretKey(chart.stack, chart.env, secretName);
      const encryptedData = s.encryptedData[key];
      // No entry means nobody ran kubeseal for this Secret: an empty SealedSecret would hide it.
      problems.check(encryptedData !== undefined, 'secretSource().secretName',
        `has no kubeseal output in charts/environments.ts (environment ${JSON.stringify(chart.env.name)}, secrets.encryptedData[${JSON.stringify(key)}])`, secretName);
      problems.throwIfAny();
      return { mode: 'sealed', encryptedData };
    }
  }
}

/** Props every AppSecret and StatefulStore takes from the environment. */
export function secretProps(chart: StackChart, secretName: string) {
  return { source: secretSource(chart, secretName), allowGenerated: chart.env.secrets.mode === 'generated' };
}

/** A stack's scaling intent for one service. */
export interface ScalingIntent {
  /** HPA minimum, when the environment autoscales; at least 1. */
  readonly min: number;
  /**
   * HPA maximum, at least `min`. The environment's divisor shrinks it (dev and staging run
   * smaller fleets), never below `min`: that is the environment's policy, not a repair.
   */
  readonly max: number;
  /** Target CPU utilization, 1–100. @default 80 (when memory isn't set) */
  readonly cpu?: number;
  /** Target memory utilization, 1–100. @default - none */
  readonly memory?: number;
  /** @default - Kubernetes' defaults */
  readonly behavior?: ScalingBehavior;
  /** Fixed replicas when the environment doesn't autoscale, at least 1. @default - the environment's replicas */
  readonly fixed?: number;
}

const SCALING_INTENT = object<ScalingIntent>('ScalingIntent', {
  min: req(num),
  max: req(num),
  cpu: opt(num),
  memory: opt(num),
  behavior: opt(SCALING_BEHAVIOR),
  fixed: opt(num),
});

/** An HPA where the environment autoscales, else a fixed replica count. */
export function scaling(chart: StackChart, intent: ScalingIntent): { replicas?: number; autoscaling?: AutoscalingProps } {
  const env = chart.env;
  const problems = new Problems(chart);
  checkShape(SCALING_INTENT, intent, 'scaling()', problems);
  problems.throwIfAny();
  const int = (prop: keyof ScalingIntent, v: number, min: number, max?: number) =>
    problems.check(Number.isInteger(v) && v >= min && (max === undefined || v <= max), `scaling().${prop}`,
      max === undefined ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`, v);
  const okMin = int('min', intent.min, 1);
  if (int('max', intent.max, 1) && okMin) {
    problems.check(intent.min <= intent.max, 'scaling().min', `must not exceed max (${intent.max}): an HPA's minimum can't be above its maximum`, intent.min);
  }
  if (intent.cpu !== undefined) int('cpu', intent.cpu, 1, 100);
  if (intent.memory !== undefined) int('memory', intent.memory, 1, 100);
  if (intent.fixed !== undefined) int('fixed', intent.fixed, 1);
  problems.throwIfAny();
  if (!env.scaling.autoscaling) return { replicas: intent.fixed ?? env.scaling.replicas };
  return {
    autoscaling: {
      minReplicas: intent.min,
      maxReplicas: Math.max(intent.min, Math.ceil(intent.max / env.scaling.maxReplicasDivisor)),
      ...(intent.cpu !== undefined ? { cpuUtilization: intent.cpu } : {}),
      ...(intent.memory !== undefined ? { memoryUtilization: intent.memory } : {}),
      ...(intent.behavior ? { behavior: intent.behavior } : {}),
    },
  };
}

/** A stack's persistent volume in this environment. */
export function storage(chart: StackChart, tier: StorageTier) {
  const env = chart.env;
  const size = Object.prototype.hasOwnProperty.call(env.storage.sizes, tier) ? env.storage.sizes[tier] : undefined;
  const problems = new Problems(chart);
  // Without a size the store would fall back to its engine's default, whatever the environment says.
  problems.check(size !== undefined, 'storage().tier', `must be one of the environment's storage tiers (${Object.keys(env.storage.sizes).join(', ')})`, tier);
  problems.throwIfAny();
  return { size: size!, ...(env.storage.storageClass ? { storageClass: env.storage.storageClass } : {}) };
}

/** Backups where the environment schedules them. */
export function backup(chart: StackChart) {
  const b = chart.env.backups;
  return b ? { schedule: b.schedule, retain: b.retain, size: b.size } : undefined;
}

/** Everything an IngressGateway takes from the environment. */
export function gatewayProps(chart: StackChart): Pick<IngressGatewayProps, 'mode' | 'capabilities' | 'tls' | 'ingressClassName' | 'controllerNamespace'> {
  const env = chart.env;
  const mode = gatewayModeFor(chart.stack, env);
  const capabilities: GatewayCapabilities = {
    ingressNginx: env.capabilities.ingressNginx,
    gatewayApi: env.capabilities.gatewayApi,
    istio: env.capabilities.istio,
    certManager: env.capabilities.certManager,
  };
  return {
    mode,
    capabilities,
    ...(env.tls ? { tls: { issuer: mode === 'istio' ? env.tls.meshIssuer : env.tls.issuer } } : {}),
    ...(mode === 'ingress' ? { ingressClassName: env.gateway.ingressClassName, controllerNamespace: env.gateway.controllerNamespace } : {}),
    ...(mode === 'istio' && env.gateway.istioNamespace !== undefined ? { controllerNamespace: env.gateway.istioNamespace } : {}),
  };
}

/** Whether a stack's pods run Istio sidecars in this environment. */
export function inMesh(chart: StackChart): boolean {
  return gatewayModeFor(chart.stack, chart.env) === 'istio';
}

/** Where a service serves its metrics. */
export interface MetricsIntent {
  /** A port of the service, by name or number. @default - a port of its own, 9090 */
  readonly port?: number | string;
  /** @default '/metrics' */
  readonly path?: string;
}

const METRICS_INTENT = object<MetricsIntent>('MetricsIntent', { port: opt(anyOf(num, str)), path: opt(str) });

/**
 * Metrics settings a service passes through: on a port of their own unless `port` names one,
 * scraped from the environment's monitoring namespace, with ServiceMonitors where the
 * environment monitors (its validation makes sure the Prometheus Operator runs there).
 */
export function metrics(chart: StackChart, options: MetricsIntent = {}) {
  const env = chart.env;
  const problems = new Problems(chart);
  checkShape(METRICS_INTENT, options, 'metrics()', problems);
  problems.throwIfAny();
  return {
    ...(options.port !== undefined ? { port: options.port } : {}),
    path: options.path ?? '/metrics',
    scraperNamespace: env.scraperNamespace ?? 'monitoring',
    serviceMonitor: env.monitoring,
  };
}

// Environment data → construct props. Stacks call these so that every stack reads the
// environment the same way and no construct ever sees an environment's name.
import type { SecretSource } from '../constructs/app-secret';
import type { GatewayCapabilities, IngressGatewayProps } from '../constructs/ingress-gateway';
import type { AutoscalingProps, ScalingBehavior } from '../constructs/web-service';
import { EnvironmentConfig, gatewayModeFor, namespaceFor, StorageTier } from './environment';
import { StackChart } from './stack';

/** `<sub>.<domain>` for the environment. */
export function hostFor(env: EnvironmentConfig, sub: string): string {
  return `${sub}.${env.domain}`;
}

/** Where a Secret's values come from in this environment. */
export function secretSource(chart: StackChart, secretName: string): SecretSource {
  const s = chart.env.secrets;
  switch (s.mode) {
    case 'generated':
      return { mode: 'generated' };
    case 'external':
      return { mode: 'external', clusterSecretStore: s.clusterSecretStore };
    case 'sealed':
      return { mode: 'sealed', encryptedData: s.encryptedData[`${namespaceFor(chart.stack, chart.env)}/${secretName}`] ?? {} };
  }
}

/** Props every AppSecret and StatefulStore takes from the environment. */
export function secretProps(chart: StackChart, secretName: string) {
  return { source: secretSource(chart, secretName), allowGenerated: chart.env.secrets.mode === 'generated' };
}

/** A stack's scaling intent for one service. */
export interface ScalingIntent {
  /** HPA minimum, when the environment autoscales. */
  readonly min: number;
  /** HPA maximum (divided by the environment's divisor, never below `min`). */
  readonly max: number;
  /** @default 80 (when memory isn't set) */
  readonly cpu?: number;
  readonly memory?: number;
  readonly behavior?: ScalingBehavior;
  /** Fixed replicas when the environment doesn't autoscale. @default - the environment's replicas */
  readonly fixed?: number;
}

/** An HPA where the environment autoscales, else a fixed replica count. */
export function scaling(env: EnvironmentConfig, intent: ScalingIntent): { replicas?: number; autoscaling?: AutoscalingProps } {
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
export function storage(env: EnvironmentConfig, tier: StorageTier) {
  return { size: env.storage.sizes[tier], ...(env.storage.storageClass ? { storageClass: env.storage.storageClass } : {}) };
}

/** Backups where the environment schedules them. */
export function backup(env: EnvironmentConfig) {
  return env.backups ? { schedule: env.backups.schedule, retain: env.backups.retain, size: env.backups.size } : undefined;
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

/**
 * Metrics settings a service passes through: on a port of their own unless `port` names one,
 * scraped from the environment's monitoring namespace, with ServiceMonitors only where the
 * operator runs.
 */
export function metrics(env: EnvironmentConfig, options: { port?: number | string; path?: string } = {}) {
  return {
    ...(options.port !== undefined ? { port: options.port } : {}),
    path: options.path ?? '/metrics',
    scraperNamespace: env.scraperNamespace ?? 'monitoring',
    serviceMonitor: env.monitoring && env.capabilities.prometheusOperator,
  };
}

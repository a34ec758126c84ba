// One Istio DestinationRule per Service host. Istio uses only one DestinationRule for a host,
// so whoever needs a traffic policy for it (the service itself for session affinity, the
// gateway for TLS, circuit breaking and outlier detection) adds its part to the same object.
import { Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import * as kinds from './kinds';

type TrafficPolicy = istio.DestinationRuleSpecTrafficPolicy;

/** The parts of one host's traffic policy, filled in by each construct that needs one. */
export interface MeshTrafficPolicy {
  tls?: TrafficPolicy['tls'];
  connectionPool?: TrafficPolicy['connectionPool'];
  outlierDetection?: TrafficPolicy['outlierDetection'];
  loadBalancer?: TrafficPolicy['loadBalancer'];
}

interface Entry {
  readonly rule: istio.DestinationRule;
  readonly policy: MeshTrafficPolicy;
}

const RULES = new WeakMap<Chart, Map<string, Entry>>();

/**
 * The traffic policy of `service`'s host, creating its DestinationRule `<service>` under
 * `scope` (with `labels`) on first use. Fill in only the parts you own.
 */
export function destinationRuleFor(
  scope: Construct,
  service: { readonly serviceName: string; readonly host: string },
  labels: Record<string, string>,
): { readonly rule: istio.DestinationRule; readonly policy: MeshTrafficPolicy } {
  const chart = Chart.of(scope);
  const rules = RULES.get(chart) ?? new Map<string, Entry>();
  RULES.set(chart, rules);
  const existing = rules.get(service.host);
  if (existing) return existing;
  const policy: MeshTrafficPolicy = {};
  const rule = new kinds.DestinationRule(scope, `DestinationRule-${service.serviceName}`, {
    metadata: { name: service.serviceName, labels },
    spec: {
      host: service.host,
      trafficPolicy: Lazy.any({
        produce: (): TrafficPolicy => ({
          ...(policy.tls ? { tls: policy.tls } : {}),
          ...(policy.loadBalancer ? { loadBalancer: policy.loadBalancer } : {}),
          ...(policy.connectionPool ? { connectionPool: policy.connectionPool } : {}),
          ...(policy.outlierDetection ? { outlierDetection: policy.outlierDetection } : {}),
        }),
      }) as TrafficPolicy,
    },
  });
  const entry = { rule, policy };
  rules.set(service.host, entry);
  return entry;
}

/** Whether some construct already gave `host` a DestinationRule in this chart. */
export function hasDestinationRule(scope: Construct, host: string): boolean {
  return RULES.get(Chart.of(scope))?.has(host) ?? false;
}

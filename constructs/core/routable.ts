import { IConstruct } from 'constructs';
import { IConnectable } from './connections';

/**
 * Marks a workload that holds data (a StatefulStore): its port must never be reachable from
 * outside the cluster, so no gateway routes to it and IRoutable excludes it at compile time.
 */
export const HOLDS_DATA: unique symbol = Symbol.for('berth.holdsData');

/**
 * A workload an IngressGateway can route to: a Service with named ports.
 * WebService implements it; a StatefulStore, which holds data, never does.
 */
export interface IRoutable extends IConnectable, IConstruct {
  /** The Service's `metadata.name`. */
  readonly serviceName: string;
  /** Cluster DNS name: `<service>.<namespace>.svc.cluster.local`. */
  readonly host: string;
  /**
   * ClientIP session affinity: gateways send traffic straight to pod endpoints, bypassing
   * the Service's own, so they must pin clients themselves. @default - none
   */
  readonly sessionAffinity?: { readonly timeoutSeconds: number };
  /** The port that serves metrics, which no route may reach. @default - none */
  readonly metricsPort?: string;
  /** Never set: a store (`HOLDS_DATA: true`) is not routable. */
  readonly [HOLDS_DATA]?: never;
}

/** True for a workload that holds data (see HOLDS_DATA). */
export function holdsData(workload: unknown): boolean {
  return typeof workload === 'object' && workload !== null && (workload as { readonly [HOLDS_DATA]?: unknown })[HOLDS_DATA] === true;
}

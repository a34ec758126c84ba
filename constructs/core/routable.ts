import { IConstruct } from 'constructs';
import { IConnectable } from './connections';

/**
 * A workload an IngressGateway can route to: a Service with named ports.
 * WebService implements it.
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
}

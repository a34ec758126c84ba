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
}

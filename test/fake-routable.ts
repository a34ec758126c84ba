import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { Connections, ServicePort, workloadNetworkPolicy } from '../constructs/core/connections';
import { IRoutable } from '../constructs/core/routable';

/**
 * Test-only stand-in for a WebService: a Deployment, a Service with named ports, and a
 * NetworkPolicy rendered from its connections. Lets gateway tests run without WebService.
 */
export class FakeRoutable extends Construct implements IRoutable {
  public readonly serviceName: string;
  public readonly host: string;
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, ports: readonly ServicePort[] = [{ name: 'http', port: 80, targetPort: 8080 }]) {
    super(scope, id);
    const namespace = Chart.of(this).namespace ?? 'default';
    this.serviceName = id;
    this.host = `${id}.${namespace}.svc.cluster.local`;
    const selector = { 'app.kubernetes.io/name': id };
    this.connections = new Connections(selector, ports);
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: id },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: {
            containers: [{
              name: id,
              image: `example/${id}:1.0.0`,
              ports: ports.map((p) => ({ name: p.name, containerPort: p.targetPort })),
            }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: id },
      spec: {
        selector,
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name) })),
      },
    });
    workloadNetworkPolicy(this, 'NetworkPolicy', { name: id, labels: selector, connections: this.connections });
  }
}

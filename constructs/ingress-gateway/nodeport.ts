// The IngressGateway's `nodeport` mode (kind, minikube): one NodePort Service per routed service.
// Siblings: ./renderer.ts (the interface), ./ingress.ts, ./gateway-api.ts, ./istio.ts (the other
// modes), ./modes.ts (the table), ./routes.ts (the route model); the gateway is ../ingress-gateway.ts.
import { Lazy } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import type { GatewayRoute } from '../ingress-gateway';
import { NetworkPeer, Peer } from '../core/connections';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import { syncWave, Wave } from '../core/waves';
import { admit, GatewayModeSpec, GatewayRenderer, RendererContext } from './renderer';
import { Route, RouteIndex } from './routes';

export const NODEPORT_MODE: GatewayModeSpec = {
  controllerNamespace: '',
  refuses: { tls: 'is not supported in nodeport mode (node ports serve plain TCP; use ingress, gateway-api or istio mode for HTTPS)' },
  checkRoute,
  checkAgainst,
  // Node ports serve plain TCP on the node's address: no TLS, and the port is part of the URL.
  urlOf: (r) => `http://${r.host}:${r.nodePort}${r.path}`,
  render: (ctx) => new NodePortRenderer(ctx),
};

function checkRoute(p: Problems, at: string, r: GatewayRoute): void {
  if (r.nodePort === undefined) {
    p.add(`${at}.nodePort`, 'is required in nodeport mode (a port from 30000 to 32767)', undefined);
  } else {
    p.check(Number.isInteger(r.nodePort) && r.nodePort >= 30000 && r.nodePort <= 32767, `${at}.nodePort`,
      'must be an integer from 30000 to 32767', r.nodePort);
  }
}

/** One node port per service port, and one service port per node port. */
function checkAgainst(p: Problems, at: string, route: Route, before: RouteIndex): void {
  const b = route.backends[0];
  for (const o of before.all) {
    const ob = o.backends[0];
    const sameBackend = ob.service === b.service && ob.port.name === b.port.name;
    if (!sameBackend && o.nodePort === route.nodePort) {
      p.add(`${at}.nodePort`, `is already used by routes[${o.index}] for ${ob.service.serviceName}:${ob.port.name}`, route.nodePort);
      break;
    }
    if (sameBackend && o.nodePort !== route.nodePort) {
      p.add(`${at}.nodePort`, `must be ${o.nodePort}, as routes[${o.index}] serves ${b.service.serviceName}:${b.port.name} on it`, route.nodePort);
      break;
    }
  }
}

/**
 * One NodePort Service `<name>-<service>` per routed service, with each routed port on the route's
 * `nodePort`. Plain TCP: host, path, rewrite, timeout and retries are not applied, a canary serves
 * its stable backend only, and the port admits traffic from anywhere.
 */
class NodePortRenderer implements GatewayRenderer {
  /** Node ports are reached from outside the cluster, through any node, often source-NATed to a node address. */
  private readonly peer: NetworkPeer = Peer.cidr('0.0.0.0/0');
  private readonly routesOf = new Map<string, Route[]>();

  constructor(private readonly ctx: RendererContext) {}

  public add(route: Route): void {
    const b = route.backends[0];
    admit(this.peer, [b]);
    const key = b.service.serviceName;
    const existing = this.routesOf.get(key);
    if (existing) {
      existing.push(route);
      return;
    }
    const routes: Route[] = [route];
    this.routesOf.set(key, routes);
    const svc = new kinds.KubeService(this.ctx.scope, `NodePort-${key}`, {
      metadata: { name: `${this.ctx.name}-${key}`, labels: this.ctx.labels },
      spec: {
        type: 'NodePort',
        selector: { ...b.service.connections.selector },
        // kube-proxy applies it to node-port traffic too (the client address may be a node's, behind SNAT).
        ...(b.service.sessionAffinity
          ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: b.service.sessionAffinity.timeoutSeconds } } }
          : {}),
        ports: Lazy.any({
          produce: (): k8s.ServicePort[] => {
            const seen = new Map<string, k8s.ServicePort>();
            for (const r of routes) {
              const p = r.backends[0].port;
              seen.set(p.name, {
                name: p.name,
                port: p.port,
                targetPort: k8s.IntOrString.fromNumber(p.targetPort),
                nodePort: r.nodePort,
                protocol: p.protocol ?? 'TCP',
              });
            }
            return [...seen.values()].sort((x, y) => x.port - y.port);
          },
        }) as k8s.ServicePort[],
      },
    });
    syncWave(svc, Wave.GATEWAY);
    this.ctx.objects.nodePortServices.push(svc);
  }
}

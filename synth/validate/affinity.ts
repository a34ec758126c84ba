// Session affinity that holds end to end. A Service's `sessionAffinity: ClientIP` is kube-proxy's:
// ingress-nginx, an Istio gateway and every sidecar send traffic straight to pod endpoints
// and never see it. So whatever carries the traffic must pin the client itself.
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { labelsOf, record } from './model';
import { namespaceOf, networkOf } from './network';
import { perStack, Report } from './report';
import { routesOf, serviceOfHost } from './routes';
import { mapMatches } from './selectors';
import { indexOf, StackIndex } from './stack-index';

const NGINX = 'nginx.ingress.kubernetes.io';

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

/** Whether a DestinationRule of the stack hashes requests for this Service to one pod. */
function hasConsistentHash(idx: StackIndex, svc: RenderedObject): boolean {
  const name = svc.manifest.metadata?.name;
  return idx.ofKind('DestinationRule').some((dr) => {
    const spec = record(dr.manifest.spec);
    if (typeof spec.host !== 'string' || serviceOfHost(spec.host, namespaceOf(dr)) !== name) return false;
    return record(record(spec.trafficPolicy).loadBalancer).consistentHash !== undefined;
  });
}

function checkAffinity(report: Report, idx: StackIndex): void {
  const net = networkOf(idx);
  const routes = routesOf(idx.stack.objects);
  for (const svc of idx.ofKind('Service')) {
    const spec = record(svc.manifest.spec);
    if (svc.manifest.apiVersion !== 'v1' || spec.sessionAffinity !== 'ClientIP') continue;
    const name = svc.manifest.metadata?.name;
    const selector = labelsOf(spec.selector);
    const reportedIngress = new Set<RenderedObject>();
    for (const route of routes) {
      if (route.service !== name || namespaceOf(route.object) !== namespaceOf(svc)) continue;
      const annotations = route.object.manifest.metadata?.annotations ?? {};
      if (route.via === 'ingress') {
        if (reportedIngress.has(route.object)) continue;
        if (annotations[`${NGINX}/canary`] === 'true') {
          reportedIngress.add(route.object);
          report.add(route.object, route.path, `sends a weighted share of requests to ${describe(svc)}, which asks for ClientIP affinity: ingress-nginx picks the canary per request, so a client's requests switch pods`,
            'drop the weight split for this service, or its session affinity');
        } else if (annotations[`${NGINX}/upstream-hash-by`] === undefined && annotations[`${NGINX}/affinity`] === undefined) {
          reportedIngress.add(route.object);
          report.add(route.object, route.path, `routes to ${describe(svc)}, which asks for ClientIP affinity, but ingress-nginx balances over the pod endpoints and ignores the Service's: clients switch pods`,
            `annotate the Ingress ${NGINX}/upstream-hash-by: "$remote_addr" (the IngressGateway does for services with affinity)`);
        }
      } else if (route.via === 'httproute') {
        report.add(route.object, route.path, `routes to ${describe(svc)}, which asks for ClientIP affinity: the Gateway API standard channel has no session persistence, so it can't hold`,
          'use ingress or istio mode for this stack, or drop the affinity');
      } else if (!route.mesh && !hasConsistentHash(idx, svc)) {
        report.add(route.object, route.path, `routes to ${describe(svc)}, which asks for ClientIP affinity, but no DestinationRule of the stack hashes its requests (loadBalancer.consistentHash): the Istio gateway balances over the pods`,
          'give the service a DestinationRule with consistentHash.useSourceIp (the IngressGateway does in istio mode)');
      }
    }
    const pods = idx.pods.matchingMap(selector).filter((p) => namespaceOf(p.object) === namespaceOf(svc));
    if (pods.some((p) => net.meshed(p)) && !hasConsistentHash(idx, svc)) {
      report.add(svc, ['spec', 'sessionAffinity'], 'asks for ClientIP affinity, but its pods are in the mesh and no DestinationRule hashes their requests: sidecars send in-mesh callers straight to the pod endpoints',
        'give the service a DestinationRule with loadBalancer.consistentHash.useSourceIp (WebService with meshSidecar does)');
    }
    for (const np of idx.ofKind('Service')) {
      const nps = record(np.manifest.spec);
      if (np === svc || nps.type !== 'NodePort' || nps.sessionAffinity === 'ClientIP') continue;
      const sel = labelsOf(nps.selector);
      if (Object.keys(sel).length > 0 && pods.some((p) => mapMatches(sel, p.labels))) {
        report.add(np, ['spec', 'sessionAffinity'], `exposes the pods of ${describe(svc)}, which asks for ClientIP affinity, without it: node-port clients switch pods`,
          'set sessionAffinity: ClientIP on the NodePort Service too (the IngressGateway does in nodeport mode)');
      }
    }
  }
}

/** ClientIP affinity on a Service is carried by whatever routes to its pods, or refused. */
export function affinityValidator(): Validator {
  return perStack((report) => checkAffinity(report, indexOf(report.stack)));
}

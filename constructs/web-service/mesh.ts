// A WebService in the Istio mesh: the sidecar's pod annotations and the DestinationRule that
// keeps ClientIP affinity for in-mesh callers. The AuthorizationPolicy from the declared
// connections and the metrics port's mTLS exception are core/mesh.ts'. Siblings in
// constructs/web-service/: container.ts, config.ts, network.ts, scaling.ts, metrics.ts,
// rbac.ts, common.ts; constructs/web-service.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as istio from '../../imports/networking.istio.io';
import { destinationRuleFor } from '../core/destination-rules';
import { MESH_PROXY_RESOURCES } from '../core/mesh';

/**
 * The sidecar's pod annotations: the proxy sized like every berth sidecar, and draining as
 * long as the app may still serve. Envoy gets SIGTERM with the app (no native sidecars in
 * 1.28) and stops after 5 s by default.
 */
export function sidecarAnnotations(terminationGracePeriodSeconds: number): Record<string, string> {
  return { ...MESH_PROXY_RESOURCES, 'proxy.istio.io/config': JSON.stringify({ terminationDrainDuration: `${Math.max(5, terminationGracePeriodSeconds - 5)}s` }) };
}

/**
 * ClientIP session affinity as a consistent hash on the source IP in the Service host's
 * DestinationRule: sidecars send in-mesh callers straight to pod endpoints, bypassing kube-proxy.
 */
export function affinityDestinationRule(
  scope: Construct, service: { readonly serviceName: string; readonly host: string }, labels: Record<string, string>,
): istio.DestinationRule {
  const dr = destinationRuleFor(scope, service, labels);
  dr.policy.loadBalancer = { consistentHash: { useSourceIp: true } };
  return dr.rule;
}

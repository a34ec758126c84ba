import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istiosec from '../../imports/security.istio.io';
import type { Connections } from './connections';
import * as kinds from './kinds';

/** Istio's default trust domain: the first part of every principal. */
export const TRUST_DOMAIN = 'cluster.local';

/** The mesh identity of pods running as `serviceAccount` in `namespace`. */
export function meshPrincipal(namespace: string, serviceAccount: string): string {
  return `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * The workload's own ALLOW policy: exactly the callers its `connections` declare (the same
 * that write its NetworkPolicy), each on its ports, by their ServiceAccounts' principals (or
 * their namespace, for a meshed caller known only by it). The namespace's `default-deny`
 * refuses everything else; address ranges have no identity, and plaintext callers (a scraper
 * outside the mesh) get through only where a PERMISSIVE exception and a rule of its own allow
 * them (`meshMetricsException`). Rendered at synth time, like the NetworkPolicy.
 */
export function workloadAuthorizationPolicy(
  scope: Construct,
  id: string,
  props: { name: string; labels: Record<string, string>; connections: Connections },
): istiosec.AuthorizationPolicy {
  const { connections } = props;
  const rules = (): istiosec.AuthorizationPolicySpecRules[] | undefined => {
    const out = connections.callerIdentities().map((c) => ({
      from: [
        ...(c.principals.length ? [{ source: { principals: [...c.principals] } }] : []),
        ...(c.namespaces.length ? [{ source: { namespaces: [...c.namespaces] } }] : []),
      ],
      to: [{ operation: { ports: c.ports.map(String) } }],
    }));
    // No rule: an ALLOW policy that matches nothing, so nobody may call the workload.
    return out.length > 0 ? out : undefined;
  };
  return new kinds.AuthorizationPolicy(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    spec: {
      selector: { matchLabels: { ...connections.selector } },
      action: istiosec.AuthorizationPolicySpecAction.ALLOW,
      rules: Lazy.any({ produce: rules }) as unknown as istiosec.AuthorizationPolicySpecRules[],
    },
  });
}

// Istio sidecars in run-to-completion pods (Jobs, CronJobs). Kubernetes 1.28 has native
// sidecars only behind a feature gate, so an injected istio-proxy keeps running after the
// job's container exits and the Job never completes. Istio's documented fix: the job asks
// its sidecar to exit (pilot-agent's `/quitquitquit` on the status port) when it is done.

/** An HTTP client in the job's image that can POST to the sidecar. */
export type SidecarQuitTool = 'curl' | 'wget';
export const SIDECAR_QUIT_TOOLS: readonly SidecarQuitTool[] = ['curl', 'wget'];

/** pilot-agent's status port: `/quitquitquit` stops Envoy and the agent. Loopback, so no NetworkPolicy. */
export const SIDECAR_QUIT_URL = 'http://127.0.0.1:15020/quitquitquit';

/**
 * Requests and limits of the injected istio-proxy. Istio's default limit is 2 CPU per
 * sidecar, and it counts against the namespace ResourceQuota: at the HPAs' maxima the
 * sidecars alone would exceed it. These fit a proxy carrying one service's traffic.
 */
export const MESH_PROXY_RESOURCES: Readonly<Record<string, string>> = {
  'sidecar.istio.io/proxyCPU': '50m',
  'sidecar.istio.io/proxyCPULimit': '500m',
  'sidecar.istio.io/proxyMemory': '64Mi',
  'sidecar.istio.io/proxyMemoryLimit': '256Mi',
};

/**
 * Pod annotations of a meshed job: the app container starts only once its proxy is ready,
 * so its first connections don't fail (and exhaust retries) before Envoy has config; and
 * the proxy is sized like every other berth sidecar.
 */
export const MESH_JOB_POD_ANNOTATIONS: Readonly<Record<string, string>> = {
  'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}',
  ...MESH_PROXY_RESOURCES,
};

// Both time out after 5 s; `--post-data ''` makes busybox and GNU wget send a POST.
const QUIT: Readonly<Record<SidecarQuitTool, string>> = {
  curl: `curl -fsS -o /dev/null --max-time 5 -X POST ${SIDECAR_QUIT_URL}`,
  wget: `wget -q -O /dev/null -T 5 --post-data '' ${SIDECAR_QUIT_URL}`,
};

/**
 * `command` run under `/bin/sh`, which then asks the sidecar to exit and exits with the
 * command's own status (success or failure). The command is passed as positional
 * arguments (`"$@"`), so no argument needs shell quoting and kubelet `$(VAR)` expansion
 * works as before. The shell is PID 1 and forwards SIGTERM, so a deleted pod still stops
 * the command gracefully. A sidecar that doesn't answer (no injection) is logged, not fatal.
 */
export function withSidecarQuit(command: readonly string[], tool: SidecarQuitTool): string[] {
  const script = [
    `trap 'kill -TERM "$pid" 2>/dev/null' TERM INT`,
    '"$@" & pid=$!',
    // A trapped signal interrupts `wait`; wait again for the command's real status.
    'wait "$pid"; rc=$?',
    'while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done',
    `${QUIT[tool]} || echo 'istio sidecar did not answer ${SIDECAR_QUIT_URL}' >&2`,
    'exit "$rc"',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'sh', ...command];
}

/**
 * Lets Prometheus, which runs outside the mesh and scrapes in plaintext, reach one metrics
 * port of meshed pods, and only that port and path: a workload PeerAuthentication makes the
 * port PERMISSIVE (the namespace's STRICT mode still holds for every other port) and an ALLOW
 * rule admits GETs of the metrics path on it (a plaintext caller has no identity to match).
 * The NetworkPolicy still admits only the scraper's namespace there.
 */
export function meshMetricsException(
  scope: Construct,
  props: { name: string; labels: Record<string, string>; selector: Record<string, string>; port: number; path: string },
): { peerAuthentication: istiosec.PeerAuthentication; authorizationPolicy: istiosec.AuthorizationPolicy } {
  const metadata = { name: `${props.name}-metrics`, labels: props.labels };
  const selector = { matchLabels: { ...props.selector } };
  const peerAuthentication = new kinds.PeerAuthentication(scope, 'metrics-peer-authentication', {
    metadata,
    spec: { selector, portLevelMtls: { [String(props.port)]: { mode: istiosec.PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE } } },
  });
  const authorizationPolicy = new kinds.AuthorizationPolicy(scope, 'metrics-authorization-policy', {
    metadata,
    spec: {
      selector,
      action: istiosec.AuthorizationPolicySpecAction.ALLOW,
      rules: [{ to: [{ operation: { ports: [String(props.port)], methods: ['GET'], paths: [props.path] } }] }],
    },
  });
  return { peerAuthentication, authorizationPolicy };
}

// A WebService on the network: its ports and their checks, the Service that exposes them
// (session affinity included). Who may connect is core/connections.ts'; the checks of what
// allowFrom/allowTo are given, core/prop-shapes.ts' checkPeer. Siblings in constructs/web-service/:
// container.ts, config.ts, scaling.ts, metrics.ts, mesh.ts, rbac.ts, common.ts;
// constructs/web-service.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { ServicePort } from '../core/connections';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import { isIanaSvcName } from '../core/names';
import type { ServicePortSpec } from '../web-service';
import { checkInt, MAX_PORT, ServiceMeta } from './common';

/** At least one port; names and numbers valid, and none used twice (numbers per protocol, as ports and as container ports). */
export function checkPorts(problems: Problems, ports: readonly ServicePortSpec[]): void {
  if (!problems.check(ports.length > 0, 'ports', 'must list at least one port', ports)) return;
  const names = new Map<string, number>();
  const numbers = new Map<string, number>();
  const targets = new Map<string, number>();
  // Reports a second use of `value` (per protocol); returns false when it is one.
  const unique = (seen: Map<string, number>, field: string, i: number, protocol: string, value: number): boolean => {
    const prev = seen.get(`${protocol}/${value}`);
    if (prev === undefined) seen.set(`${protocol}/${value}`, i);
    else problems.add(`ports[${i}].${field}`, `duplicates ports[${prev}].${field}`, value);
    return prev === undefined;
  };
  ports.forEach((p, i) => {
    const at = `ports[${i}]`;
    if (problems.check(isIanaSvcName(p.name), `${at}.name`,
      "must be an IANA service name (at most 15 lowercase letters, digits and '-', with at least one letter)", p.name)) {
      const prev = names.get(p.name);
      if (prev !== undefined) problems.add(`${at}.name`, `duplicates ports[${prev}].name`, p.name);
      else names.set(p.name, i);
    }
    const protocol = p.protocol ?? 'TCP';
    const okPort = checkInt(problems, `${at}.port`, p.port, 1, MAX_PORT) && unique(numbers, 'port', i, protocol, p.port);
    if (p.targetPort !== undefined) {
      if (checkInt(problems, `${at}.targetPort`, p.targetPort, 1, MAX_PORT)) unique(targets, 'targetPort', i, protocol, p.targetPort);
    } else if (okPort) {
      // An implicit targetPort is the port: report a clash only if the port itself was fine.
      unique(targets, 'targetPort', i, protocol, p.port);
    }
  });
}

/** `given`: the timeout as the props give it; `timeoutSeconds`: with its default. */
export function checkSessionAffinity(problems: Problems, sessionAffinity: 'None' | 'ClientIP', given: number | undefined, timeoutSeconds: number): void {
  if (given !== undefined) {
    problems.check(sessionAffinity === 'ClientIP', 'sessionAffinityTimeoutSeconds', "needs sessionAffinity 'ClientIP'", given);
  }
  checkInt(problems, 'sessionAffinityTimeoutSeconds', timeoutSeconds, 1, 86400);
}

/** Every port the container serves, `internalOnly` ones included, with the defaults filled in. */
export function servedPorts(ports: readonly ServicePortSpec[]): ServicePort[] {
  return ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP' as const }));
}

/**
 * The ClusterIP Service: `ports` (the service's, without `internalOnly` ones) and a metrics
 * port of its own, each targeting the container port by name; `affinity` with ClientIP.
 */
export function clusterService(
  scope: Construct, meta: ServiceMeta, selector: Record<string, string>, ports: readonly ServicePort[],
  dedicatedMetrics: ServicePort | undefined, affinity: { readonly timeoutSeconds: number } | undefined,
): k8s.KubeService {
  return new kinds.KubeService(scope, 'service', {
    metadata: meta,
    spec: {
      type: 'ClusterIP',
      selector: { ...selector },
      ports: [...ports, ...(dedicatedMetrics ? [dedicatedMetrics] : [])]
        .map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol })),
      ...(affinity
        ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: affinity.timeoutSeconds } } }
        : {}),
    },
  });
}

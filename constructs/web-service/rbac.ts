// A WebService's API access: the checks of `rbac`, its least-privilege Role and RoleBinding to
// the service's ServiceAccount, and the egress to the API server that its token is for.
// Siblings in constructs/web-service/: container.ts, config.ts, network.ts, scaling.ts,
// metrics.ts, mesh.ts, common.ts; constructs/web-service.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { Connections, Peer } from '../core/connections';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import type { PlatformPolicy } from '../core/policy';
import { checkRbacRules } from '../core/rbac';
import type { RbacRule } from '../web-service';
import type { ServiceMeta } from './common';

/** At least one rule, each least-privilege (core/rbac.ts). */
export function checkRbac(problems: Problems, rules: readonly RbacRule[]): void {
  if (!problems.check(rules.length > 0, 'rbac', 'must list at least one rule (leave it unset for no API access)', rules)) return;
  checkRbacRules(problems, 'rbac', rules);
}

/** The Role `<name>` granting `rules`, the core API group where a rule names none. */
export function role(scope: Construct, meta: ServiceMeta, rules: readonly RbacRule[]): k8s.KubeRole {
  return new kinds.KubeRole(scope, 'role', {
    metadata: meta,
    rules: rules.map((r) => ({
      apiGroups: [...(r.apiGroups ?? [''])],
      resources: [...r.resources],
      verbs: [...r.verbs],
      ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
    })),
  });
}

/** Binds the Role `<name>` to the ServiceAccount `<name>` in `namespace`. */
export function roleBinding(scope: Construct, meta: ServiceMeta, namespace: string): k8s.KubeRoleBinding {
  return new kinds.KubeRoleBinding(scope, 'role-binding', {
    metadata: meta,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: meta.name },
    subjects: [{ kind: 'ServiceAccount', name: meta.name, namespace }],
  });
}

/** Lets a pod that holds a token reach the API server, where the chart's platform policy says it is. */
export function allowApiServer(connections: Connections, apiServer: NonNullable<PlatformPolicy['apiServer']>): void {
  connections.allowTo(Peer.cidr(apiServer.cidr), [{ name: 'https', port: apiServer.port, targetPort: apiServer.port }]);
}

// Which changes can break an apply, lose data, or weaken security or isolation.
import type { FieldChange } from './diff';
import { parseQuantity } from '../../constructs/core/quantity';
import {
  Container, isEmptySelector, Manifest, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
  podSpecPath, podTemplateOf, SecurityContext, specOf,
} from './shapes';

export type RiskCategory =
  /** The API server rejects the change: `kubectl apply` fails until the object is recreated. */
  | 'immutable'
  /** Data may be deleted or become unreachable. */
  | 'data-loss'
  /** A pod or connection runs with fewer protections. */
  | 'security'
  /** Network isolation is removed or widened. */
  | 'network'
  /** Something becomes reachable from outside the cluster. */
  | 'exposure';

export interface Risk {
  readonly category: RiskCategory;
  /** The field at fault, when there is one. */
  readonly path?: string;
  readonly message: string;
}

const RECREATE = 'kubectl apply fails; delete and recreate the object';

/** Fields the API server refuses to update, per kind. */
const IMMUTABLE: readonly { kinds: readonly string[]; path: string; message: string }[] = [
  { kinds: ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet'], path: 'spec.selector', message: `immutable selector: ${RECREATE} (--cascade=orphan keeps the pods)` },
  { kinds: ['StatefulSet'], path: 'spec.volumeClaimTemplates', message: `immutable volumeClaimTemplates: ${RECREATE} with --cascade=orphan; existing PVCs are not changed` },
  { kinds: ['StatefulSet'], path: 'spec.serviceName', message: `immutable serviceName: ${RECREATE} with --cascade=orphan` },
  { kinds: ['StatefulSet'], path: 'spec.podManagementPolicy', message: `immutable podManagementPolicy: ${RECREATE} with --cascade=orphan` },
  { kinds: ['Job'], path: 'spec.template', message: `immutable Job template: ${RECREATE} (or give the Job a new name)` },
  { kinds: ['Job'], path: 'spec.selector', message: `immutable Job selector: ${RECREATE}` },
  { kinds: ['Service'], path: 'spec.clusterIP', message: `immutable clusterIP: ${RECREATE}; clients holding the old IP break` },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.accessModes', message: 'immutable PVC accessModes: apply fails; the claim must be recreated (its data migrated)' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.storageClassName', message: 'immutable PVC storageClassName: apply fails; the claim must be recreated (its data migrated)' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.volumeMode', message: 'immutable PVC volumeMode: apply fails; the claim must be recreated' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.selector', message: 'immutable PVC selector: apply fails; the claim must be recreated' },
  { kinds: ['RoleBinding', 'ClusterRoleBinding'], path: 'roleRef', message: `immutable roleRef: ${RECREATE}` },
];

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

function immutableRisks(kind: string, before: Manifest, after: Manifest, fields: readonly FieldChange[]): Risk[] {
  const risks: Risk[] = [];
  for (const rule of IMMUTABLE) {
    if (!rule.kinds.includes(kind)) continue;
    // `spec.clusterIP` also covers `spec.clusterIPs`.
    const hit = fields.find((f) => under(f.path, rule.path) || (rule.path === 'spec.clusterIP' && under(f.path, 'spec.clusterIPs')));
    if (hit) risks.push({ category: 'immutable', path: hit.path, message: rule.message });
  }
  const b = specOf<Record<string, unknown>>(before) ?? {};
  const a = specOf<Record<string, unknown>>(after) ?? {};
  if (kind === 'Service' && (b.type ?? 'ClusterIP') !== (a.type ?? 'ClusterIP')) {
    const from = String(b.type ?? 'ClusterIP');
    const to = String(a.type ?? 'ClusterIP');
    if (from === 'ExternalName' || to === 'ExternalName') {
      risks.push({ category: 'immutable', path: 'spec.type', message: `Service type ${from} → ${to}: the server-assigned clusterIP must be cleared; ${RECREATE}` });
    } else if ((from === 'NodePort' || from === 'LoadBalancer') && to === 'ClusterIP') {
      risks.push({ category: 'immutable', path: 'spec.type', message: `Service type ${from} → ${to}: server-assigned nodePorts make a client-side apply fail; use server-side apply or recreate the Service` });
    }
  }
  if (kind === 'PersistentVolumeClaim') {
    const sizeOf = (s: Record<string, unknown>): number | undefined => {
      const q = (s.resources as { requests?: { storage?: string | number } } | undefined)?.requests?.storage;
      return q === undefined ? undefined : parseQuantity(q);
    };
    const was = sizeOf(b);
    const now = sizeOf(a);
    if (was !== undefined && now !== undefined && now < was) {
      risks.push({ category: 'immutable', path: 'spec.resources.requests.storage', message: 'PVC storage cannot shrink: apply fails' });
    }
  }
  if ((kind === 'ConfigMap' || kind === 'Secret') && (before as { immutable?: boolean }).immutable === true) {
    const hit = fields.find((f) => /^(data|binaryData|stringData)(\.|$)/.test(f.path));
    if (hit) risks.push({ category: 'immutable', path: hit.path, message: `immutable ${kind}: its data cannot change; ${RECREATE} under a new name` });
  }
  return risks;
}

// ---------------------------------------------------------------------------------------

function retentionDeletes(m: Manifest): boolean {
  const policy = specOf<{ persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string } }>(m)?.persistentVolumeClaimRetentionPolicy;
  return policy?.whenDeleted === 'Delete' || policy?.whenScaled === 'Delete';
}

function dataLossRisks(kind: string, before: Manifest | undefined, after: Manifest | undefined, upgrade: boolean): Risk[] {
  if (upgrade && before !== undefined && after === undefined) {
    if (kind === 'PersistentVolumeClaim') return [{ category: 'data-loss', message: 'PersistentVolumeClaim removed: a prune deletes the claim and, with a Delete reclaim policy, its data' }];
    if (kind === 'StatefulSet') {
      return [{
        category: 'data-loss',
        message: retentionDeletes(before)
          ? 'StatefulSet removed and its PVC retention policy is Delete: its data is deleted with it'
          : 'StatefulSet removed: the store goes down; its PVCs stay until deleted by hand',
      }];
    }
    if (kind === 'Namespace') return [{ category: 'data-loss', message: 'Namespace removed: deleting it deletes every object in it, PVCs included' }];
  }
  if (before !== undefined && after !== undefined && kind === 'StatefulSet' && !retentionDeletes(before) && retentionDeletes(after)) {
    return [{ category: 'data-loss', path: 'spec.persistentVolumeClaimRetentionPolicy', message: 'PVC retention policy now Delete: deleting or scaling down the StatefulSet deletes its data' }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------

/** Each way a pod falls short of Pod Security Standards *restricted*, as `where: what`. */
export function weaknesses(m: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  const base = podSpecPath(m.kind);
  const spec = podTemplateOf(m)?.spec;
  if (base === undefined || spec === undefined) return out;
  const pod: SecurityContext = spec.securityContext ?? {};
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[host] === true) out.set(`${base}.${host}`, `${host}: true`);
  }
  const check = (list: 'initContainers' | 'containers', c: Container): void => {
    const where = `${base}.${list}[${c.name}].securityContext`;
    const sc: SecurityContext = c.securityContext ?? {};
    const flag = (what: string): void => { out.set(`${where} ${what}`, `${list}[${c.name}] ${what}`); };
    if (sc.privileged === true) flag('privileged: true');
    if (sc.allowPrivilegeEscalation !== false) flag('allowPrivilegeEscalation is not false');
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) flag('runAsNonRoot is not true');
    if ((sc.runAsUser ?? pod.runAsUser) === 0) flag('runAsUser: 0 (root)');
    if (sc.readOnlyRootFilesystem !== true) flag('readOnlyRootFilesystem is not true');
    for (const cap of sc.capabilities?.add ?? []) flag(`adds capability ${cap}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) flag('does not drop ALL capabilities');
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') flag(`seccompProfile is ${seccomp ?? 'unset'}`);
  };
  for (const c of spec.initContainers ?? []) check('initContainers', c);
  for (const c of spec.containers ?? []) check('containers', c);
  return out;
}

function pathOf(key: string): string {
  const space = key.indexOf(' ');
  return space < 0 ? key : key.slice(0, space);
}

function securityRisks(kind: string, before: Manifest | undefined, after: Manifest | undefined): Risk[] {
  if (after === undefined) return [];
  const risks: Risk[] = [];
  const was = before ? weaknesses(before) : new Map<string, string>();
  for (const [key, what] of weaknesses(after)) {
    if (was.has(key)) continue;
    risks.push({
      category: 'security', path: pathOf(key),
      message: before ? `security context loosened: ${what}` : `new workload below the restricted baseline: ${what}`,
    });
  }
  if (kind === 'PeerAuthentication') {
    const mode = (m: Manifest): string | undefined => specOf<{ mtls?: { mode?: string } }>(m)?.mtls?.mode;
    if (before && mode(before) === 'STRICT' && mode(after) !== 'STRICT') {
      risks.push({ category: 'security', path: 'spec.mtls.mode', message: `mTLS loosened: STRICT → ${mode(after) ?? 'unset'}` });
    }
  }
  if (kind === 'Ingress' && before) {
    const tlsHosts = (m: Manifest): Set<string> =>
      new Set((specOf<{ tls?: { hosts?: string[] }[] }>(m)?.tls ?? []).flatMap((t) => t.hosts ?? []));
    const now = tlsHosts(after);
    for (const host of tlsHosts(before)) {
      if (!now.has(host)) risks.push({ category: 'security', path: 'spec.tls', message: `TLS removed for ${host}` });
    }
  }
  return risks;
}

// ---------------------------------------------------------------------------------------

function describePeer(p: NetworkPolicyPeer): { text: string; broad: boolean } {
  if (p.ipBlock) {
    const bits = Number(p.ipBlock.cidr.split('/')[1] ?? '32');
    const internet = p.ipBlock.cidr === '0.0.0.0/0' || p.ipBlock.cidr === '::/0';
    return { text: internet ? `the internet (${p.ipBlock.cidr})` : `ipBlock ${p.ipBlock.cidr}`, broad: internet || bits <= 8 };
  }
  if (p.namespaceSelector !== undefined) {
    if (isEmptySelector(p.namespaceSelector)) return { text: 'pods in every namespace', broad: true };
    const ns = p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
    return { text: ns ? `namespace ${ns}` : `namespaces ${JSON.stringify(p.namespaceSelector)}`, broad: false };
  }
  if (isEmptySelector(p.podSelector)) return { text: 'every pod in the namespace', broad: true };
  return { text: `pods ${JSON.stringify(p.podSelector?.matchLabels ?? p.podSelector)}`, broad: false };
}

function describePorts(ports: readonly NetworkPolicyPort[] | undefined): string {
  if (!ports || ports.length === 0) return 'all ports';
  return ports.map((p) => `${p.port ?? '*'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');
}

function policyTypesOf(spec: NetworkPolicySpec): string[] {
  return [...(spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])])];
}

/** What a NetworkPolicy lets in or out from broad sources: anyone, any namespace, the internet. */
export function broadGrants(spec: NetworkPolicySpec | undefined): Set<string> {
  const out = new Set<string>();
  if (!spec) return out;
  const types = policyTypesOf(spec);
  for (const [type, rules, dir] of [['Ingress', spec.ingress, 'ingress from'], ['Egress', spec.egress, 'egress to']] as const) {
    if (!types.includes(type)) continue;
    for (const rule of rules ?? []) {
      const peers = (type === 'Ingress' ? rule.from : rule.to) ?? [];
      const ports = describePorts(rule.ports);
      if (peers.length === 0) out.add(`${dir} anywhere on ${ports}`);
      for (const p of peers) {
        const d = describePeer(p);
        if (d.broad) out.add(`${dir} ${d.text} on ${ports}`);
      }
    }
  }
  return out;
}

function networkRisks(kind: string, before: Manifest | undefined, after: Manifest | undefined): Risk[] {
  if (kind === 'AuthorizationPolicy' && before && !after) {
    return [{ category: 'network', message: 'AuthorizationPolicy removed: requests it restricted are no longer checked' }];
  }
  if (kind !== 'NetworkPolicy') return [];
  const b = before ? specOf<NetworkPolicySpec>(before) ?? {} : undefined;
  const a = after ? specOf<NetworkPolicySpec>(after) ?? {} : undefined;
  if (b && !a) {
    const denyAll = isEmptySelector(b.podSelector) && !(b.ingress?.length) && !(b.egress?.length);
    return [{
      category: 'network',
      message: denyAll
        ? `default-deny NetworkPolicy removed: ${policyTypesOf(b).join(' and ')} of every pod in the namespace is open`
        : 'NetworkPolicy removed: the pods it selected lose these rules',
    }];
  }
  if (!a) return [];
  const risks: Risk[] = [];
  if (b) {
    for (const t of policyTypesOf(b)) {
      if (!policyTypesOf(a).includes(t)) risks.push({ category: 'network', path: 'spec.policyTypes', message: `NetworkPolicy no longer restricts ${t}` });
    }
  }
  const had = broadGrants(b);
  for (const g of broadGrants(a)) {
    if (!had.has(g)) risks.push({ category: 'network', message: `NetworkPolicy ${b ? 'widened' : 'allows'}: ${g}` });
  }
  return risks;
}

function exposureRisks(kind: string, before: Manifest | undefined, after: Manifest | undefined): Risk[] {
  if (kind !== 'Service' || !after) return [];
  const typeOf = (m: Manifest): string => String(specOf<{ type?: string }>(m)?.type ?? 'ClusterIP');
  const now = typeOf(after);
  const was = before ? typeOf(before) : 'ClusterIP';
  const outside = (t: string): boolean => t === 'NodePort' || t === 'LoadBalancer';
  if (outside(now) && !outside(was)) {
    return [{ category: 'exposure', path: 'spec.type', message: `Service ${before ? `type ${was} → ${now}` : `of type ${now}`}: reachable from outside the cluster` }];
  }
  return [];
}

export interface RiskOptions {
  /**
   * Whether `after` is applied over `before` (a new revision of the same objects). When
   * comparing two environments it isn't: `immutable` risks and the `data-loss` of a removed
   * object do not apply, while the others say where the second environment is weaker.
   * @default true
   */
  readonly upgrade?: boolean;
}

/** Every risk of one object's change; `before`/`after` undefined for an added/removed object. */
export function risksOf(
  kind: string, before: Manifest | undefined, after: Manifest | undefined, fields: readonly FieldChange[], options: RiskOptions = {},
): Risk[] {
  const upgrade = options.upgrade ?? true;
  return [
    ...(upgrade && before && after ? immutableRisks(kind, before, after, fields) : []),
    ...dataLossRisks(kind, before, after, upgrade),
    ...securityRisks(kind, before, after),
    ...networkRisks(kind, before, after),
    ...exposureRisks(kind, before, after),
  ];
}

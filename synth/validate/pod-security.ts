// Pod Security Standards *restricted* (Kubernetes 1.28 policy version) for every pod
// template: what the namespace's `pod-security.kubernetes.io/enforce: restricted` label
// would reject when the pods are created, caught before anything is applied.
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import { Container, containersOf, list, PodTemplate, record, SecurityContext } from './model';
import { Path } from './paths';
import { perStack, Report } from './report';
import { indexOf } from './stack-index';

const SUFFIX = '(Pod Security Standards restricted)';
const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/**
 * A pod of a cdk8s-plus workload: cdk8s-plus labels every pod it makes with its construct
 * address (nothing else sets that label), also in a manifest read back from YAML. It sets
 * neither a seccomp profile nor `drop: [ALL]`, and its pod securityContext can't take a
 * seccomp profile, so the fix is on each container, in cdk8s-plus's own props.
 */
function madeByCdk8sPlus(t: PodTemplate): boolean {
  return t.labels['cdk8s.io/metadata.addr'] !== undefined;
}

/** The fix for a cdk8s-plus container, in cdk8s-plus's props. */
const PLUS_HINTS = {
  seccomp: (c: string) => `cdk8s-plus sets no seccomp profile: give container ${JSON.stringify(c)} securityContext: { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } }`,
  drop: (c: string) => `cdk8s-plus drops no capabilities: give container ${JSON.stringify(c)} securityContext: { capabilities: { drop: [kplus.Capability.ALL] } }`,
};

/** The PSS problems of one pod template, as (field, message, hint). */
export function restrictedProblems(t: PodTemplate): { field: Path; message: string; hint?: string }[] {
  const out: { field: Path; message: string; hint?: string }[] = [];
  const add = (field: Path, message: string, hint?: string) => out.push({ field, message: `${message} ${SUFFIX}`, hint });
  const spec = t.spec;
  const sp = t.specPath;
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[host] === true) add([...sp, host], 'must not be true', 'pods share no host namespace');
  }
  const podSc = record(spec.securityContext) as SecurityContext & { sysctls?: readonly { name?: string }[] };
  const podScPath = [...sp, 'securityContext'];
  list(spec.volumes).forEach((raw, i) => {
    const types = Object.keys(record(raw)).filter((k) => k !== 'name');
    for (const type of types) {
      if (!ALLOWED_VOLUMES.has(type)) {
        add([...sp, 'volumes', i, type], `is a volume type restricted pods may not use`, `use one of ${[...ALLOWED_VOLUMES].join(', ')}`);
      }
    }
  });
  list(podSc.sysctls).forEach((s, i) => {
    const name = record(s).name;
    if (typeof name === 'string' && !SAFE_SYSCTLS.has(name)) add([...podScPath, 'sysctls', i, 'name'], `must be a safe sysctl, received ${formatValue(name)}`);
  });
  for (const [key, value] of Object.entries(t.annotations)) {
    if (key.startsWith(APPARMOR_PREFIX) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      add([...t.metaPath, 'annotations', key], `must be runtime/default or localhost/<profile>, received ${formatValue(value)}`);
    }
  }
  checkCommon(podSc, podScPath, add);
  if (podSc.runAsNonRoot === false) add([...podScPath, 'runAsNonRoot'], 'must be true, received false');
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp !== undefined && !SECCOMP_OK.has(podSeccomp)) {
    add([...podScPath, 'seccompProfile', 'type'], `must be RuntimeDefault or Localhost, received ${formatValue(podSeccomp)}`);
  }
  const plus = madeByCdk8sPlus(t);
  for (const { container, path } of containersOf(t)) checkContainer(container, path, podSc, add, plus);
  return out;
}

type Add = (field: Path, message: string, hint?: string) => void;

/** Rules that apply to both the pod's and a container's securityContext. */
function checkCommon(sc: SecurityContext, path: Path, add: Add): void {
  if (sc.runAsUser === 0) add([...path, 'runAsUser'], 'must not be 0 (root), received 0', 'run as a non-zero UID such as 10001');
  const se = record(sc.seLinuxOptions);
  if (typeof se.type === 'string' && !SELINUX_TYPES.has(se.type)) add([...path, 'seLinuxOptions', 'type'], `must be container_t, container_init_t or container_kvm_t, received ${formatValue(se.type)}`);
  for (const key of ['user', 'role'] as const) {
    if (se[key] !== undefined) add([...path, 'seLinuxOptions', key], `must not be set, received ${formatValue(se[key])}`);
  }
  if (record(sc.windowsOptions).hostProcess === true) add([...path, 'windowsOptions', 'hostProcess'], 'must not be true');
}

function checkContainer(c: Container, path: Path, podSc: SecurityContext, add: Add, plus: boolean): void {
  const sc = record(c.securityContext) as SecurityContext;
  const scPath = [...path, 'securityContext'];
  if (sc.privileged === true) add([...scPath, 'privileged'], 'must not be true');
  if (sc.allowPrivilegeEscalation !== false) {
    add([...scPath, 'allowPrivilegeEscalation'], `must be false, received ${formatValue(sc.allowPrivilegeEscalation)}`);
  }
  if (sc.runAsNonRoot === false || (sc.runAsNonRoot === undefined && podSc.runAsNonRoot !== true)) {
    add([...scPath, 'runAsNonRoot'], `must be true here or in the pod's securityContext, received ${formatValue(sc.runAsNonRoot)}`);
  }
  const seccomp = record(sc.seccompProfile).type;
  if (seccomp !== undefined ? !SECCOMP_OK.has(String(seccomp)) : !SECCOMP_OK.has(String(record(podSc.seccompProfile).type))) {
    add([...scPath, 'seccompProfile', 'type'], `must be RuntimeDefault or Localhost here or in the pod's securityContext, received ${formatValue(seccomp)}`,
      plus ? PLUS_HINTS.seccomp(String(c.name)) : undefined);
  }
  const caps = record(sc.capabilities);
  if (!list(caps.drop).includes('ALL')) {
    add([...scPath, 'capabilities', 'drop'], `must include ALL, received ${formatValue(caps.drop)}`, plus ? PLUS_HINTS.drop(String(c.name)) : undefined);
  }
  list(caps.add).forEach((cap, i) => {
    if (cap !== 'NET_BIND_SERVICE') add([...scPath, 'capabilities', 'add', i], `may only add NET_BIND_SERVICE, received ${formatValue(cap)}`);
  });
  if (sc.procMount !== undefined && sc.procMount !== 'Default') add([...scPath, 'procMount'], `must be Default, received ${formatValue(sc.procMount)}`);
  checkCommon(sc, scPath, add);
  list(c.ports).forEach((p, i) => {
    const hostPort = record(p).hostPort;
    if (typeof hostPort === 'number' && hostPort !== 0) add([...path, 'ports', i, 'hostPort'], `must not be set, received ${hostPort}`, 'expose the port through a Service');
  });
}

/** Every pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod). */
export function podSecurityValidator(): Validator {
  return perStack((report: Report) => {
    for (const t of indexOf(report.stack).podOf.values()) {
      for (const p of restrictedProblems(t)) report.add(t.object, p.field, p.message, p.hint);
    }
  });
}

// The readiness linters platform teams gate merges on, re-stated as checks over dist/: none
// of Polaris, kube-score or kube-linter installs here (no registry serves them), so their
// default checks that apply to berth's kinds are written out from their definitions:
// Polaris' pkg/config/checks/*.yaml and its default.yaml severities (score = 2·passed /
// (2·passed + warnings + 2·dangers)), kube-score's default checks (README_CHECKS), and
// kube-linter's defaults plus the two opt-in checks the issue names (priority-class-name,
// default-service-account). An approximation of each tool, not the tool: docs/validation.md
// gives berth's answer to every check, and the findings these leave are the deliberate ones.
import type { StackManifests } from '../tools/lib/load';
import type { Manifest } from '../synth/render';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(rec) : []);

const CONTROLLERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
const BATCH = new Set(['Job', 'CronJob']);

interface Pod {
  readonly m: Manifest;
  readonly meta: Obj;
  readonly spec: Obj;
  readonly containers: Obj[];
  readonly inits: Obj[];
}

function podOf(m: Manifest): Pod | undefined {
  if (!CONTROLLERS.has(m.kind)) return undefined;
  const t = m.kind === 'CronJob' ? rec(rec(rec(rec(m.spec).jobTemplate).spec).template) : rec(rec(m.spec).template);
  const spec = rec(t.spec);
  return { m, meta: rec(t.metadata), spec, containers: arr(spec.containers), inits: arr(spec.initContainers) };
}

const labelsOf = (v: unknown): Record<string, string> => rec(v) as Record<string, string>;
const matchAll = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const matchAny = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).some(([k, v]) => labels[k] === v);

function tagOf(image: unknown): string | undefined {
  const s = String(image ?? '');
  if (s.includes('@')) return 'digest';
  const last = s.split('/').pop() ?? '';
  return last.includes(':') ? last.split(':').pop() : undefined;
}

const sameProbe = (a: Obj, b: Obj): boolean => {
  for (const key of ['httpGet', 'tcpSocket', 'exec']) {
    if (a[key] !== undefined && b[key] !== undefined) {
      if (key === 'httpGet') return rec(a.httpGet).path === rec(b.httpGet).path && rec(a.httpGet).port === rec(b.httpGet).port;
      if (key === 'tcpSocket') return rec(a.tcpSocket).port === rec(b.tcpSocket).port;
      return JSON.stringify(rec(a.exec).command) === JSON.stringify(rec(b.exec).command);
    }
  }
  return false;
};

const res = (c: Obj, side: 'requests' | 'limits', key: string): unknown => rec(rec(c.resources)[side])[key];
const SECRET_NAME = /password|token|bearer|secret/i;

/** One linter finding: check id, severity, object. */
export interface LintFinding {
  readonly check: string;
  readonly severity: 'danger' | 'warning' | 'critical';
  readonly object: string;
}

export interface PolarisResult {
  readonly score: number;
  readonly passed: number;
  readonly warnings: readonly LintFinding[];
  readonly dangers: readonly LintFinding[];
}

/** Polaris' default checks (those that apply to berth's kinds) over every stack directory. */
export function polaris(stacks: readonly StackManifests[]): PolarisResult {
  let passed = 0;
  const warnings: LintFinding[] = [];
  const dangers: LintFinding[] = [];
  for (const s of stacks) {
    const ms = s.objects.map((o) => o.manifest);
    const where = (m: Manifest) => `${s.env}/${s.stack} ${m.kind}/${m.metadata.name}`;
    const check = (id: string, severity: 'warning' | 'danger', ok: boolean, m: Manifest): void => {
      if (ok) passed++;
      else (severity === 'danger' ? dangers : warnings).push({ check: id, severity, object: where(m) });
    };
    const pdbs = ms.filter((m) => m.kind === 'PodDisruptionBudget');
    const netpols = ms.filter((m) => m.kind === 'NetworkPolicy');
    for (const m of ms) {
      if (m.kind === 'PodDisruptionBudget') {
        const spec = rec(m.spec);
        check('pdbDisruptionsIsZero', 'warning', spec.minAvailable !== '100%' && spec.maxUnavailable !== 0 && spec.maxUnavailable !== '0%', m);
      }
      if (m.kind === 'HorizontalPodAutoscaler') check('hpaMinAvailability', 'warning', Number(rec(m.spec).minReplicas ?? 1) >= 2, m);
      if (m.kind === 'Ingress') check('tlsSettingsMissing', 'warning', arr(rec(m.spec).tls).length > 0, m);
      const pod = podOf(m);
      if (!pod) continue;
      const labels = labelsOf(pod.meta.labels);
      // Controller
      check('metadataAndInstanceMismatched', 'warning', m.metadata.labels?.['app.kubernetes.io/instance'] === m.metadata.name, m);
      if (m.kind === 'Deployment') {
        check('deploymentMissingReplicas', 'warning', Number(rec(m.spec).replicas ?? 0) >= 2, m);
        check('missingPodDisruptionBudget', 'warning', pdbs.some((p) => matchAny(labelsOf(rec(rec(p.spec).selector).matchLabels), labels)), m);
      }
      // Pod spec
      check('priorityClassNotSet', 'warning', typeof pod.spec.priorityClassName === 'string', m);
      if (!BATCH.has(m.kind)) check('topologySpreadConstraint', 'warning', arr(pod.spec.topologySpreadConstraints).length > 0, m);
      check('automountServiceAccountToken', 'warning', pod.spec.automountServiceAccountToken === false, m);
      for (const k of ['hostIPC', 'hostPID', 'hostNetwork'] as const) check(`${k}Set`, 'danger', pod.spec[k] !== true, m);
      check('hostPathSet', 'warning', !arr(pod.spec.volumes).some((v) => v.hostPath !== undefined), m);
      check('missingNetworkPolicy', 'warning', netpols.some((np) => {
        const spec = rec(np.spec);
        const types = (Array.isArray(spec.policyTypes) ? spec.policyTypes : []) as string[];
        return matchAny(labelsOf(rec(spec.podSelector).matchLabels), labels)
          && arr(spec.ingress).length > 0 && arr(spec.egress).length > 0 && types.includes('Ingress') && types.includes('Egress');
      }), m);
      // Containers: init containers too, but for the probes.
      const podCtx = rec(pod.spec.securityContext);
      for (const [c, init] of [...pod.inits.map((x) => [x, true] as const), ...pod.containers.map((x) => [x, false] as const)]) {
        const sc = rec(c.securityContext);
        for (const r of ['cpu', 'memory']) {
          for (const side of ['requests', 'limits'] as const) {
            check(`${r}${side === 'requests' ? 'Requests' : 'Limits'}Missing`, 'warning', res(c, side, r) !== undefined, m);
          }
        }
        const tag = tagOf(c.image);
        check('tagNotSpecified', 'danger', tag !== undefined && tag !== 'latest', m);
        check('pullPolicyNotAlways', 'warning', c.imagePullPolicy === 'Always', m);
        if (!init && !BATCH.has(m.kind)) {
          check('readinessProbeMissing', 'warning', c.readinessProbe !== undefined, m);
          check('livenessProbeMissing', 'warning', c.livenessProbe !== undefined, m);
        }
        check('runAsRootAllowed', 'danger', sc.runAsNonRoot === true || (podCtx.runAsNonRoot === true && sc.runAsNonRoot !== false), m);
        check('runAsPrivileged', 'danger', sc.privileged !== true, m);
        check('notReadOnlyRootFilesystem', 'warning', sc.readOnlyRootFilesystem === true, m);
        check('privilegeEscalationAllowed', 'danger', sc.allowPrivilegeEscalation === false, m);
        const add = (Array.isArray(rec(sc.capabilities).add) ? rec(sc.capabilities).add : []) as string[];
        check('dangerousCapabilities', 'danger', !add.some((a) => ['ALL', 'SYS_ADMIN', 'NET_ADMIN'].includes(a)), m);
        check('insecureCapabilities', 'warning', ((rec(sc.capabilities).drop ?? []) as string[]).includes('ALL'), m);
        check('linuxHardening', 'warning', rec(sc.seccompProfile).type !== undefined || rec(podCtx.seccompProfile).type !== undefined
          || ((rec(sc.capabilities).drop ?? []) as string[]).length > 0, m);
        check('hostPortSet', 'warning', !arr(c.ports).some((p) => p.hostPort !== undefined), m);
        check('sensitiveContainerEnvVar', 'danger', !arr(c.env).some((e) => e.value !== undefined && SECRET_NAME.test(String(e.name))), m);
      }
    }
  }
  const total = 2 * passed + warnings.length + 2 * dangers.length;
  return { score: total === 0 ? 0 : Math.floor((2 * passed / total) * 100), passed, warnings, dangers };
}

/** kube-score's default checks (those that apply to berth's kinds), as its CRITICAL and WARNING comments. */
export function kubeScore(stacks: readonly StackManifests[]): LintFinding[] {
  const out: LintFinding[] = [];
  for (const s of stacks) {
    const ms = s.objects.map((o) => o.manifest);
    const hpaTargets = new Set(ms.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((h) => `${rec(rec(h.spec).scaleTargetRef).kind}/${rec(rec(h.spec).scaleTargetRef).name}`));
    const add = (check: string, severity: 'critical' | 'warning', m: Manifest) => out.push({ check, severity, object: `${s.env}/${s.stack} ${m.kind}/${m.metadata.name}` });
    for (const m of ms) {
      if (m.kind === 'CronJob' && typeof rec(m.spec).startingDeadlineSeconds !== 'number') add('cronjob-has-deadline', 'critical', m);
      if (m.kind === 'Service' && rec(m.spec).type === 'NodePort') add('service-type', 'warning', m);
      const pod = podOf(m);
      if (!pod) continue;
      const labels = labelsOf(pod.meta.labels);
      const all = [...pod.inits, ...pod.containers];
      for (const c of all) {
        if (['cpu', 'memory'].some((r) => res(c, 'requests', r) === undefined || res(c, 'limits', r) === undefined)) add('container-resources', 'critical', m);
        if (res(c, 'requests', 'ephemeral-storage') === undefined || res(c, 'limits', 'ephemeral-storage') === undefined) add('container-ephemeral-storage-request-and-limit', 'critical', m);
        const tag = tagOf(c.image);
        if (tag === undefined || tag === 'latest') add('container-image-tag', 'critical', m);
        if (c.imagePullPolicy !== 'Always') add('container-image-pull-policy', 'critical', m);
        const sc = { ...rec(pod.spec.securityContext), ...rec(c.securityContext) };
        if (Number(sc.runAsUser ?? 0) <= 10000 || Number(sc.runAsGroup ?? 0) <= 10000) add('container-security-context-user-group-id', 'critical', m);
        if (rec(c.securityContext).privileged === true) add('container-security-context-privileged', 'critical', m);
        if (rec(c.securityContext).readOnlyRootFilesystem !== true) add('container-security-context-readonlyrootfilesystem', 'critical', m);
      }
      if (!BATCH.has(m.kind) && pod.containers.some((c) => c.readinessProbe !== undefined && c.livenessProbe !== undefined && sameProbe(rec(c.readinessProbe), rec(c.livenessProbe)))) {
        add('pod-probes', 'critical', m);
      }
      const replicas = hpaTargets.has(`${m.kind}/${m.metadata.name}`) ? 2 : Number(rec(m.spec).replicas ?? 1);
      if ((m.kind === 'Deployment' || m.kind === 'StatefulSet') && replicas >= 2) {
        const pdb = ms.some((p) => p.kind === 'PodDisruptionBudget' && matchAll(labelsOf(rec(rec(p.spec).selector).matchLabels), labels));
        if (!pdb) add(`${m.kind.toLowerCase()}-has-poddisruptionbudget`, 'critical', m);
        const anti = arr(rec(rec(pod.spec.affinity).podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution).length
          + arr(rec(rec(pod.spec.affinity).podAntiAffinity).preferredDuringSchedulingIgnoredDuringExecution).length;
        if (anti === 0) add(`${m.kind.toLowerCase()}-has-host-podantiaffinity`, 'warning', m);
      }
      // An empty podSelector (the baseline's default-deny) selects every pod of the namespace.
      const selects = (np: Manifest) => {
        const sel = labelsOf(rec(rec(np.spec).podSelector).matchLabels);
        return Object.keys(sel).length === 0 || matchAll(sel, labels);
      };
      if (!ms.some((np) => np.kind === 'NetworkPolicy' && selects(np))) add('pod-networkpolicy', 'critical', m);
    }
  }
  return out;
}

/** kube-linter's default checks that apply, plus priority-class-name and default-service-account (opt-in). */
export function kubeLinter(stacks: readonly StackManifests[]): LintFinding[] {
  const out: LintFinding[] = [];
  for (const s of stacks) {
    const ms = s.objects.map((o) => o.manifest);
    const accounts = new Set(ms.filter((m) => m.kind === 'ServiceAccount').map((m) => m.metadata.name));
    const add = (check: string, m: Manifest) => out.push({ check, severity: 'warning', object: `${s.env}/${s.stack} ${m.kind}/${m.metadata.name}` });
    for (const m of ms) {
      const pod = podOf(m);
      if (!pod) continue;
      const sa = typeof pod.spec.serviceAccountName === 'string' ? pod.spec.serviceAccountName : 'default';
      if (sa === 'default') add('default-service-account', m);
      else if (!accounts.has(sa)) add('non-existent-service-account', m);
      if (typeof pod.spec.priorityClassName !== 'string') add('priority-class-name', m);
      for (const c of [...pod.inits, ...pod.containers]) {
        const sc = rec(c.securityContext);
        if (res(c, 'requests', 'cpu') === undefined) add('unset-cpu-requirements', m);
        if (res(c, 'requests', 'memory') === undefined || res(c, 'limits', 'memory') === undefined) add('unset-memory-requirements', m);
        if (sc.readOnlyRootFilesystem !== true) add('no-read-only-root-fs', m);
        if (sc.allowPrivilegeEscalation !== false) add('privilege-escalation-container', m);
        if (tagOf(c.image) === undefined || tagOf(c.image) === 'latest') add('latest-tag', m);
        if (arr(c.env).some((e) => e.value !== undefined && /secret/i.test(String(e.name)))) add('env-var-secret', m);
      }
      const replicas = Number(rec(m.spec).replicas ?? (ms.some((h) => h.kind === 'HorizontalPodAutoscaler' && rec(rec(h.spec).scaleTargetRef).name === m.metadata.name) ? 2 : 1));
      if ((m.kind === 'Deployment' || m.kind === 'StatefulSet') && replicas > 1 && rec(rec(pod.spec.affinity).podAntiAffinity).preferredDuringSchedulingIgnoredDuringExecution === undefined
        && rec(rec(pod.spec.affinity).podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution === undefined) add('no-anti-affinity', m);
    }
  }
  return out;
}

/** Findings per check, sorted: what the tests and the report compare. */
export function countByCheck(findings: readonly LintFinding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of [...findings].sort((a, b) => a.check.localeCompare(b.check))) out[f.check] = (out[f.check] ?? 0) + 1;
  return out;
}

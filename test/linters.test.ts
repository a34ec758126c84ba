// The readiness linters' checks (test/linters.ts) over the committed dist/: which findings
// berth leaves, each for a reason docs/validation.md gives, and none of those it meets by
// construction. dist/ equals the synth's output (stacks.test.ts), so this is the output's.
import { loadDistDir } from '../tools/lib/load';
import { countByCheck, kubeLinter, kubeScore, LintFinding, polaris } from './linters';

const stacks = loadDistDir('dist');
const objectsOf = (findings: readonly LintFinding[], check: string) => findings.filter((f) => f.check === check).map((f) => f.object);
const devOnly = (objects: readonly string[]) => objects.every((o) => o.startsWith('dev/'));

describe('Polaris (default checks)', () => {
  const p = polaris(stacks);

  test('no danger but the mutable tags dev runs; the warnings left are the deliberate ones', () => {
    expect(Object.keys(countByCheck(p.dangers))).toEqual(['tagNotSpecified']);
    expect(devOnly(objectsOf(p.dangers, 'tagNotSpecified'))).toBe(true);
    expect(Object.keys(countByCheck(p.warnings))).toEqual([
      // Services with RBAC mount their token to call the API.
      'automountServiceAccountToken',
      // An HPA owns the replica count (no spec.replicas), or the environment runs one pod.
      'deploymentMissingReplicas',
      // app.kubernetes.io/instance is the installation, in every selector (docs/validation.md).
      'metadataAndInstanceMismatched',
      // One pod: a PDB would block every drain.
      'missingPodDisruptionBudget',
      // Dev pulls IfNotPresent, so kind and minikube run local builds.
      'pullPolicyNotAlways',
      // Dev serves plain HTTP.
      'tlsSettingsMissing',
      // One pod has nothing to spread.
      'topologySpreadConstraint',
    ]);
    expect([devOnly(objectsOf(p.warnings, 'pullPolicyNotAlways')), devOnly(objectsOf(p.warnings, 'tlsSettingsMissing'))]).toEqual([true, true]);
    expect(new Set(objectsOf(p.warnings, 'automountServiceAccountToken').map((o) => o.split(' ')[1]))).toEqual(new Set(['Deployment/dataflow', 'Deployment/nexus']));
    expect(p.score).toBeGreaterThanOrEqual(96);
  });
});

describe('kube-score (default checks)', () => {
  const findings = kubeScore(stacks);

  test('met by construction: ephemeral storage, CronJob deadlines, NetworkPolicies, resources', () => {
    const counts = countByCheck(findings);
    for (const check of ['container-ephemeral-storage-request-and-limit', 'cronjob-has-deadline', 'pod-networkpolicy', 'container-resources',
      'container-security-context-privileged', 'container-security-context-readonlyrootfilesystem', 'deployment-has-poddisruptionbudget', 'statefulset-has-poddisruptionbudget']) {
      expect([check, counts[check] ?? 0]).toEqual([check, 0]);
    }
  });

  test('the same readiness and liveness check only where both are TCP connects (PgBouncer, a TCP-only service)', () => {
    const flagged = objectsOf(findings, 'pod-probes');
    expect(flagged.length).toBeGreaterThan(0);
    for (const f of flagged) {
      const [dir, name] = f.split(' ');
      const m = stacks.find((st) => `${st.env}/${st.stack}` === dir)!.objects.map((o) => o.manifest).find((x) => `${x.kind}/${x.metadata.name}` === name)!;
      const containers = (m.spec as { template: { spec: { containers: { readinessProbe?: object; livenessProbe?: object }[] } } }).template.spec.containers;
      expect([f, containers.every((c) => 'tcpSocket' in (c.readinessProbe ?? {}) && 'tcpSocket' in (c.livenessProbe ?? {}))]).toEqual([f, true]);
    }
  });

  test("low user IDs only where an official image's own user owns its data, and pulls and tags only in dev", () => {
    const lowIds = new Set(objectsOf(findings, 'container-security-context-user-group-id').map((o) => o.split(' ')[1].replace(/-[0-9a-f]{10}$/, '')));
    expect([...lowIds].every((w) => /postgres|redis|neo4j|nats|db|smoke-test|todo|frontend|backend|mcp/.test(w))).toBe(true);
    expect([devOnly(objectsOf(findings, 'container-image-pull-policy')), devOnly(objectsOf(findings, 'container-image-tag'))]).toEqual([true, true]);
  });
});

describe('kube-linter (defaults, with priority-class-name and default-service-account)', () => {
  test('every pod has a PriorityClass and its own ServiceAccount, which exists; left: dev tags and spread instead of anti-affinity', () => {
    const counts = countByCheck(kubeLinter(stacks));
    expect(Object.keys(counts)).toEqual(['latest-tag', 'no-anti-affinity']);
    expect(devOnly(objectsOf(kubeLinter(stacks), 'latest-tag'))).toBe(true);
  });
});

import { MigrationJob, MigrationJobProps } from '../constructs/migration-job';
import { Connections, workloadNetworkPolicy } from '../constructs/core/connections';
import { get, jobNamed, namespacedChart, one, synth } from './util';

const HOLD = { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}', 'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyMemoryLimit': '256Mi' };

function template(props: Partial<MigrationJobProps> = {}) {
  const chart = namespacedChart('nexus-prod');
  new MigrationJob(chart, 'migrate', { image: 'nexus/api:1.0.0', command: ['nexus-api', 'migrate', 'up'], ...props });
  return get(jobNamed(synth(chart), 'migrate'), 'spec', 'template');
}

describe('MigrationJob in a mesh', () => {
  test('meshSidecar: false, so the command runs as given and the pod has no proxy annotation', () => {
    const t = template();
    expect(t.metadata.annotations).toBeUndefined();
    expect(t.spec.containers[0].command).toEqual(['nexus-api', 'migrate', 'up']);
  });

  test('meshSidecar: waits for the proxy; the command runs under sh, which stops the sidecar and keeps its exit status', () => {
    const t = template({ meshSidecar: true });
    expect(t.metadata.annotations).toEqual(HOLD);
    const command = t.spec.containers[0].command;
    expect([command[0], command[1], ...command.slice(3)]).toEqual(['/bin/sh', '-c', 'sh', 'nexus-api', 'migrate', 'up']);
    expect(command[2]).toContain('"$@" & pid=$!');
    expect(command[2]).toContain('exit "$rc"');
  });

  test('sidecarQuitTool: curl, or wget for images without curl', () => {
    expect(template({ meshSidecar: true }).spec.containers[0].command[2])
      .toContain('curl -fsS -o /dev/null --max-time 5 -X POST http://127.0.0.1:15020/quitquitquit');
    expect(template({ meshSidecar: true, sidecarQuitTool: 'wget' }).spec.containers[0].command[2])
      .toContain("wget -q -O /dev/null -T 5 --post-data '' http://127.0.0.1:15020/quitquitquit");
  });

  test('sidecarQuitTool needs meshSidecar and must be curl or wget', () => {
    const chart = namespacedChart('nexus-prod');
    const props = { image: 'nexus/api:1.0.0', command: ['nexus-api', 'migrate', 'up'] };
    expect(() => new MigrationJob(chart, 'a', { ...props, sidecarQuitTool: 'wget' })).toThrow(
      "[nexus-prod/a] 'sidecarQuitTool' applies only with meshSidecar: true, received \"wget\"");
    expect(() => new MigrationJob(chart, 'b', { ...props, meshSidecar: true, sidecarQuitTool: 'python' as 'curl' })).toThrow(
      "[nexus-prod/b] 'sidecarQuitTool' must be one of curl, wget, received \"python\"");
  });
});

describe('MigrationJob', () => {
  function job(props: Partial<MigrationJobProps> = {}) {
    const chart = namespacedChart('nexus-prod');
    new MigrationJob(chart, 'migrate', { image: 'nexus/api:1.0.0', command: ['nexus-api', 'migrate', 'up'], ...props });
    return synth(chart);
  }

  test('an Argo CD Sync hook in the migrations wave, recreated on every sync and deleted once it succeeds', () => {
    expect(one(job(), 'Job').metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '4',
    });
  });

  test('defaults: name from the id, 6 retries, a 30-minute deadline, no TTL (a deleted Job would run again on the next apply)', () => {
    const j = jobNamed(job(), 'migrate');
    expect(get(j, 'spec')).toMatchObject({ backoffLimit: 6, activeDeadlineSeconds: 1800 });
    expect(get(j, 'spec').ttlSecondsAfterFinished).toBeUndefined();
    expect(get(j, 'spec', 'template', 'spec', 'restartPolicy')).toBe('Never');
  });

  test('@default contentName: true, the name changes with the spec and only with it', () => {
    const nameOf = (props: Partial<MigrationJobProps> = {}) => one(job(props), 'Job').metadata.name;
    expect(nameOf()).toBe(nameOf());
    expect(nameOf()).toMatch(/^migrate-[0-9a-f]{10}$/);
    const changed = [nameOf({ image: 'nexus/api:1.1.0' }), nameOf({ command: ['nexus-api', 'migrate', 'up', '--all'] }), nameOf({ backoffLimit: 2 }), nameOf({ env: { A: 'b' } })];
    expect(new Set([nameOf(), ...changed]).size).toBe(5);
    // A quantity written another way is the same spec to the API server, so the same name.
    expect(nameOf({ resources: { cpu: { request: '0.1', limit: '0.5' }, memory: { request: '128Mi', limit: '256Mi' } } })).toBe(nameOf());
  });

  test('contentName: false keeps the bare name; jobName is the name either way', () => {
    const chart = namespacedChart('nexus-prod');
    const props = { image: 'nexus/api:1.0.0', command: ['nexus-api', 'migrate', 'up'] };
    const bare = new MigrationJob(chart, 'migrate', { ...props, contentName: false });
    const named = new MigrationJob(chart, 'other', props);
    expect([bare.jobName, bare.job.name]).toEqual(['migrate', 'migrate']);
    expect(named.jobName).toBe(named.job.name);
    expect(named.jobName).toMatch(/^other-[0-9a-f]{10}$/);
  });

  test("defaults: 'small' resources, UID/GID 10001, restricted, no API token", () => {
    const pod = get(one(job(), 'Job'), 'spec', 'template', 'spec');
    // Ephemeral storage: its logs and /tmp (256Mi).
    const disk = { 'ephemeral-storage': '320Mi' };
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi', ...disk }, limits: { cpu: '500m', memory: '256Mi', ...disk } });
    // Its own identity, never the namespace's default ServiceAccount.
    expect([pod.serviceAccountName, one(job(), 'ServiceAccount')]).toEqual(['migrate', expect.objectContaining({ automountServiceAccountToken: false, metadata: expect.objectContaining({ name: 'migrate' }) })]);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('overrides, env, and a connection that opens both NetworkPolicies', () => {
    const chart = namespacedChart('nexus-prod');
    const db = new Connections({ app: 'db' }, [{ name: 'postgres', port: 5432, targetPort: 5432 }]);
    workloadNetworkPolicy(chart, 'db', { name: 'db', labels: {}, connections: db });
    new MigrationJob(chart, 'm', {
      name: 'schema', image: 'nexus/api:1.0.0', command: ['migrate'], backoffLimit: 2, activeDeadlineSeconds: 600,
      env: { DB_HOST: 'db' }, connectTo: [{ connections: db }],
    });
    const out = synth(chart);
    const j = jobNamed(out, 'schema');
    expect(get(j, 'spec')).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 600 });
    expect(get(j, 'spec', 'template', 'spec', 'containers', 0, 'env')).toEqual([{ name: 'DB_HOST', value: 'db' }]);
    expect(get(one(out, 'NetworkPolicy', 'db'), 'spec', 'ingress')).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'schema', 'app.kubernetes.io/instance': 'nexus-prod' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
  });

  test('bad input', () => {
    expect(() => job({ name: 'Migrate', command: [], backoffLimit: -1, activeDeadlineSeconds: 0, image: 'nexus/api:latest' })).toThrow([
      "[nexus-prod/migrate] 'name' must be a DNS-1123 label (lowercase alphanumerics and -) of at most 52 characters (the content suffix takes 11 more), received \"Migrate\"",
      "[nexus-prod/migrate] 'command' must not be empty, received []",
      "[nexus-prod/migrate] 'backoffLimit' must be an integer >= 0, received -1",
      "[nexus-prod/migrate] 'activeDeadlineSeconds' must be an integer >= 1, received 0",
      "[nexus-prod/migrate] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"nexus/api:latest\"",
    ].join('\n'));
    const long = `m${'x'.repeat(52)}`;
    expect(() => job({ name: long })).toThrow(`[nexus-prod/migrate] 'name' must be a DNS-1123 label (lowercase alphanumerics and -) of at most 52 characters (the content suffix takes 11 more), received "${long}"`);
    expect(() => job({ name: long, contentName: false })).not.toThrow();
  });
});

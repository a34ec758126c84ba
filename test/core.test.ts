import * as k8s from '../imports/k8s';
import { Problems, ValidationError } from '../constructs/core/errors';
import { checkImage, imageVersion, parseImage } from '../constructs/core/image';
import { appLabels } from '../constructs/core/labels';
import { isDns1123Label, isEnvVarName, isHostname, isIanaSvcName } from '../constructs/core/names';
import { Probe, PROBE_DEFAULTS } from '../constructs/core/probes';
import { parseQuantity } from '../constructs/core/quantity';
import { checkResources } from '../constructs/core/resources';
import { volumeNameForPath, writablePaths } from '../constructs/core/security';
import { checkEnv, EnvValue, renderEnv } from '../constructs/core/env';
import { Connections, Peer, workloadNetworkPolicy } from '../constructs/core/connections';
import { MESH_JOB_POD_ANNOTATIONS, withSidecarQuit } from '../constructs/core/mesh';
import { protectFromPrune } from '../constructs/core/prune';
import { spawnSync } from 'child_process';
import { namespacedChart, one, synth } from './util';

function errorsOf(fn: (p: Problems) => void): string[] {
  const p = new Problems('s/x');
  fn(p);
  try {
    p.throwIfAny();
    return [];
  } catch (e) {
    return [...(e as ValidationError).problems];
  }
}

describe('Problems', () => {
  test('formats path, prop and received value, and reports all at once', () => {
    const p = new Problems('giia-prod/auth');
    p.check(false, 'replicas', 'must be >= 1', 0);
    p.check(true, 'name', 'never shown', 'ok');
    p.add('name', 'must be a DNS-1123 label', 'Auth_Svc');
    expect(() => p.throwIfAny()).toThrow(new ValidationError([
      "[giia-prod/auth] 'replicas' must be >= 1, received 0",
      "[giia-prod/auth] 'name' must be a DNS-1123 label, received \"Auth_Svc\"",
    ]));
  });
});

describe('names', () => {
  test.each([
    ['auth', true], ['ddmrp-engine', true], ['Auth', false], ['-a', false], ['a'.repeat(63), true], ['a'.repeat(64), false],
  ])('DNS-1123 label %s → %s', (v, ok) => expect(isDns1123Label(v)).toBe(ok));
  test.each([['http', true], ['grpc-health', true], ['http-metrics-long', false], ['8080', false], ['a--b', false]])(
    'IANA service name %s → %s', (v, ok) => expect(isIanaSvcName(v)).toBe(ok));
  test.each([['DATABASE_URL', true], ['1BAD', false], ['has space', false], ['a.b-c', true]])(
    'env var name %s → %s', (v, ok) => expect(isEnvVarName(v)).toBe(ok));
  test.each([['auth.example.com', true], ['*.example.com', true], ['localhost', false], ['Bad.example.com', false]])(
    'hostname %s → %s', (v, ok) => expect(isHostname(v)).toBe(ok));
});

describe('quantities and resources', () => {
  test.each([['250m', 0.25], ['1', 1], ['1.5', 1.5], ['512Mi', 512 * 2 ** 20], ['1G', 1e9], ['1e3', 1000], ['x', undefined]])(
    '%s → %s', (v, n) => expect(parseQuantity(v)).toBe(n));
  test('a request above its limit and a malformed quantity are reported', () => {
    expect(errorsOf((p) => checkResources(p, 'resources', {
      cpu: { request: '2', limit: '500m' }, memory: { request: 'lots', limit: '1Gi' },
    }))).toEqual([
      "[s/x] 'resources.cpu.request' must not exceed its limit \"500m\", received \"2\"",
      "[s/x] 'resources.memory.request' must be a Kubernetes quantity, received \"lots\"",
    ]);
  });
});

describe('images', () => {
  test('parses registry ports, tags and digests', () => {
    expect(parseImage('localhost:5000/acme/auth:1.2')).toEqual({ repository: 'localhost:5000/acme/auth', tag: '1.2' });
    expect(parseImage('postgres')).toEqual({ repository: 'postgres' });
    expect(imageVersion(`redis@sha256:${'a'.repeat(64)}`)).toBe('aaaaaaaaaaaa');
  });
  test('latest and untagged are rejected unless mutable tags are allowed', () => {
    expect(errorsOf((p) => { checkImage(p, 'image', 'acme/auth:latest', false); checkImage(p, 'image', 'acme/auth', false); })).toEqual([
      "[s/x] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"acme/auth:latest\"",
      "[s/x] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"acme/auth\"",
    ]);
    expect(errorsOf((p) => checkImage(p, 'image', 'acme/auth:latest', true))).toEqual([]);
  });
});

describe('env', () => {
  test('secret-looking literals are refused, references are fine', () => {
    expect(errorsOf((p) => checkEnv(p, 'env', {
      DB_PASSWORD: 'hunter2', PGPASSWORD: 'x', OPENAI_API_KEY: EnvValue.fromSecret('s', 'k'), '9LIVES': 'x',
    }))).toEqual([
      "[s/x] 'env.DB_PASSWORD' looks like a credential: use EnvValue.fromSecret() instead of a literal, received \"<redacted>\"",
      "[s/x] 'env.PGPASSWORD' looks like a credential: use EnvValue.fromSecret() instead of a literal, received \"<redacted>\"",
      "[s/x] 'env' must use valid env var names (letters, digits, _ . -, not starting with a digit), received \"9LIVES\"",
    ]);
  });
  test('renders in declaration order', () => {
    expect(renderEnv({ B: '1', A: EnvValue.fromSecret('db', 'password') })).toEqual([
      { name: 'B', value: '1' },
      { name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ]);
  });
});

describe('probes', () => {
  test('HTTP probe takes role defaults and overrides', () => {
    expect(Probe.http('/healthz', { periodSeconds: 3 }).render(PROBE_DEFAULTS.readiness, { name: 'http', number: 8080 })).toEqual({
      httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http'), scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 3, timeoutSeconds: 2, failureThreshold: 2,
    });
  });
  test('gRPC probe needs a port number, defaulting to the first port', () => {
    expect(Probe.grpc().render(PROBE_DEFAULTS.liveness, { name: 'grpc', number: 9091 }).grpc).toEqual({ port: 9091 });
  });
  test('a path without a leading slash is refused', () => {
    const p = new Problems('s/x');
    Probe.http('healthz').validate(p, 'readinessProbe');
    expect(() => p.throwIfAny()).toThrow("[s/x] 'readinessProbe.path' must start with '/', received \"healthz\"");
  });
});

describe('labels and security', () => {
  test('labels come from the chart; selectors hold only immutable labels', () => {
    const chart = namespacedChart('giia-prod');
    expect(appLabels(chart, { name: 'auth', component: 'api', version: '1.0.0' })).toEqual({
      selector: { 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod' },
      all: {
        'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod', 'app.kubernetes.io/component': 'api',
        'app.kubernetes.io/part-of': 'giia-prod', 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/version': '1.0.0',
      },
    });
  });
  test('writable paths become emptyDir volumes with stable names', () => {
    expect(volumeNameForPath('/var/run/postgresql')).toBe('var-run-postgresql');
    expect(writablePaths(['/tmp', '/tmp']).mounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });
});

describe('connections', () => {
  test('connectTo opens ingress on the callee and egress on the caller, rendered at synth', () => {
    const chart = namespacedChart();
    const web = { connections: new Connections({ app: 'web' }, [{ name: 'http', port: 80, targetPort: 8080 }]) };
    const db = { connections: new Connections({ app: 'db' }, [{ name: 'postgres', port: 5432, targetPort: 5432 }]) };
    workloadNetworkPolicy(chart, 'web', { name: 'web', labels: {}, connections: web.connections });
    workloadNetworkPolicy(chart, 'db', { name: 'db', labels: {}, connections: db.connections });
    web.connections.connectTo(db);
    web.connections.allowFrom(Peer.namespace('ingress-nginx'));
    const out = synth(chart);
    expect(one(out, 'NetworkPolicy', 'db').spec).toEqual({
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    expect(one(out, 'NetworkPolicy', 'web').spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
  });
  test('the internet peer excludes private ranges', () => {
    expect(Peer.internet().policyPeer).toEqual({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } });
  });
});

describe('protectFromPrune', () => {
  test('Argo CD neither prunes nor deletes it; Flux never garbage-collects it', () => {
    const chart = namespacedChart();
    protectFromPrune(new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' } }));
    expect(one(synth(chart), 'ConfigMap').metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
  });
});

describe('Istio sidecars in jobs', () => {
  const script = (quit: string) => [
    `trap 'kill -TERM "$pid" 2>/dev/null' TERM INT`,
    '"$@" & pid=$!',
    'wait "$pid"; rc=$?',
    'while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done',
    `${quit} || echo 'istio sidecar did not answer http://127.0.0.1:15020/quitquitquit' >&2`,
    'exit "$rc"',
  ].join('\n');

  test('the command runs as "$@" under /bin/sh, then POSTs quitquitquit with curl or wget', () => {
    expect(withSidecarQuit(['nexus-api', 'migrate', 'up'], 'curl')).toEqual([
      '/bin/sh', '-c', script('curl -fsS -o /dev/null --max-time 5 -X POST http://127.0.0.1:15020/quitquitquit'),
      'sh', 'nexus-api', 'migrate', 'up',
    ]);
    expect(withSidecarQuit(['/bin/bash', '/scripts/backup.sh'], 'wget')).toEqual([
      '/bin/sh', '-c', script("wget -q -O /dev/null -T 5 --post-data '' http://127.0.0.1:15020/quitquitquit"),
      'sh', '/bin/bash', '/scripts/backup.sh',
    ]);
  });

  test('the wrapper exits with the command\'s status and passes arguments through unquoted', () => {
    // No sidecar listens here: the quit call fails (logged) and the status is still the command's.
    const run = (...command: string[]) => {
      const [sh, ...args] = withSidecarQuit(command, 'curl');
      const r = spawnSync(sh, args, { encoding: 'utf8', timeout: 10_000 });
      return [r.status, r.stdout];
    };
    expect(run('/bin/sh', '-c', 'printf "%s|" "$@"; exit 3', 'x', "it's", '$(HOME) a')).toEqual([3, "it's|$(HOME) a|"]);
    expect(run('/bin/sh', '-c', 'exit 0')).toEqual([0, '']);
  });

  test('pods wait for their proxy before the job starts', () => {
    expect(MESH_JOB_POD_ANNOTATIONS).toEqual({ 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}', 'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyMemoryLimit': '256Mi' });
  });
});

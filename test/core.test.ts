import * as k8s from '../imports/k8s';
import { Problems, ValidationError } from '../constructs/core/errors';
import { checkImage, imageVersion, parseImage } from '../constructs/core/image';
import { Cidr, cidrContains, isPrivateCidr, parseCidr } from '../constructs/core/cidr';
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

  const D = 'a'.repeat(64);
  test.each([
    'postgres:18.6', 'ghcr.io/acme/auth:1.2.0', 'localhost:5000/acme/auth:1', '[::1]:5000/a/b:1', 'registry-1.docker.io/library/redis:8',
    'quay.io/prometheuscommunity/postgres-exporter:v0.19.1', `redis@sha256:${D}`, `a/b:1@sha256:${D}`, 'a__b/c--d/e.f_g:1',
    `a:1@sha512:${'b'.repeat(128)}`, 'My.Registry.example.com/acme/web:1',
  ])('%s is a reference the kubelet can pull', (image) => expect(errorsOf((p) => checkImage(p, 'image', image, false))).toEqual([]));

  test.each([
    ['ghcr.io/acme/web :1.2.0', 'must not contain whitespace'],
    ['ghcr.io/acme/web:1.2.0\n', 'must not contain whitespace'],
    ['ghcr.io/Acme/web:1.2.0', 'must have a lowercase repository path (registries refuse capital letters)'],
    ['Acme/web:1.2.0', 'must have a lowercase repository path (registries refuse capital letters)'],
    ['ghcr.io//web:1.2.0', "must have a repository path of '/'-separated components of lowercase letters and digits, joined by '.', '_', '__' or '-'"],
    ['ghcr.io/acme/web/:1', "must have a repository path of '/'-separated components of lowercase letters and digits, joined by '.', '_', '__' or '-'"],
    ['ghcr.io/acme/-web:1', "must have a repository path of '/'-separated components of lowercase letters and digits, joined by '.', '_', '__' or '-'"],
    ['ghcr.io/acme/web___x:1', "must have a repository path of '/'-separated components of lowercase letters and digits, joined by '.', '_', '__' or '-'"],
    ['ghcr_io.example:5000/acme/web:1', "must have a valid registry host (letters, digits, '-' and '.', optionally ':<port>')"],
    ['ghcr.io:port/acme/web:1', "must have a valid registry host (letters, digits, '-' and '.', optionally ':<port>')"],
    [`${'a'.repeat(256)}:1`, 'must have a repository name of at most 255 characters'],
    [':1.0', 'must name a repository'],
    ['ghcr.io/acme/web:', "must have a valid tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')"],
    ['ghcr.io/acme/web:.1', "must have a valid tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')"],
    [`ghcr.io/acme/web:${'1'.repeat(129)}`, "must have a valid tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')"],
    [`web@sha256:${'A'.repeat(64)}`, "must have a digest such as 'sha256:<64 lowercase hex digits>'"],
    [`web@sha256:${D}@sha256:${D}`, "must have a digest such as 'sha256:<64 lowercase hex digits>'"],
    ['web@md5:0123456789abcdef0123456789abcdef', "must have a digest such as 'sha256:<64 lowercase hex digits>'"],
  ])('%j is refused: %s', (image, message) => {
    expect(errorsOf((p) => checkImage(p, 'image', image, true))).toEqual([`[s/x] 'image' ${message}, received ${JSON.stringify(image)}`]);
  });

  test('an ImageRef is checked part by part, as it is written', () => {
    expect(errorsOf((p) => checkImage(p, 'image', { repository: 'ghcr.io/acme/web:1.2', tag: '1.3' }, false))).toEqual([
      "[s/x] 'image' must have a repository path of '/'-separated components of lowercase letters and digits, joined by '.', '_', '__' or '-', received \"ghcr.io/acme/web:1.2:1.3\"",
    ]);
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
  test('labels come from the chart; selectors hold only immutable labels; only the workload carries the version', () => {
    const chart = namespacedChart('giia-prod');
    const all = {
      'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod', 'app.kubernetes.io/component': 'api',
      'app.kubernetes.io/part-of': 'giia-prod', 'app.kubernetes.io/managed-by': 'berth',
    };
    expect(appLabels(chart, { name: 'auth', component: 'api', version: '1.0.0' })).toEqual({
      selector: { 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod' },
      all,
      versioned: { ...all, 'app.kubernetes.io/version': '1.0.0' },
    });
    expect(appLabels(chart, { name: 'auth', component: 'api' }).versioned).toEqual(all);
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

describe('CIDRs', () => {
  test.each([
    ['10.0.0.0/8', 4, 8], ['0.0.0.0/0', 4, 0], ['172.18.0.0/16', 4, 16], ['10.20.0.5/32', 4, 32], ['fd00::/8', 6, 8], ['::ffff:10.0.0.0/120', 6, 120],
  ])('%s parses', (text, version, prefix) => {
    expect(parseCidr(text)).toMatchObject({ version, prefix });
  });
  test.each([
    ['10.0.0.0/33', 'must have a prefix length from 0 to 32'],
    ['10.0.0.0', 'must be a CIDR such as 10.0.0.0/16 (an address, "/" and a prefix length)'],
    ['10.0.0/8', 'must be a CIDR whose address is an IPv4 or IPv6 address'],
    ['10.0.0.1/8', 'must have no bits set after the prefix (did you mean 10.0.0.0/8?)'],
    [' 10.0.0.0/8', 'must be a CIDR such as 10.0.0.0/16 (an address, "/" and a prefix length)'],
  ])('%j: %s', (text, message) => expect(parseCidr(text)).toBe(message));
  test('private ranges, and containment', () => {
    const of = (t: string) => parseCidr(t) as Cidr;
    expect(['10.1.0.0/16', '192.168.1.0/24', '100.64.0.0/10', 'fd12::/16'].map((t) => isPrivateCidr(of(t)))).toEqual([true, true, true, true]);
    expect(['0.0.0.0/0', '8.8.8.8/32', '172.0.0.0/8', '2001:db8::/32'].map((t) => isPrivateCidr(of(t)))).toEqual([false, false, false, false]);
    expect(cidrContains(of('10.0.0.0/8'), of('10.2.0.0/16'))).toBe(true);
    expect(cidrContains(of('10.0.0.0/16'), of('10.1.0.0/24'))).toBe(false);
    expect(cidrContains(of('10.0.0.0/16'), of('fd00::/8'))).toBe(false);
  });
});

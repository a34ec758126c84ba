import { Chart, Testing } from 'cdk8s';
import { Connections } from '../constructs/core/connections';
import {
  EnvFrom, EnvValue, IRoutable, Peer, Probe, ResourceBounds, ScalingRules, ValidationError, WebService, WebServiceProps,
} from '../constructs';
import { checksum } from '../constructs/core/checksum';
import { Manifest } from '../synth/render';
import { CONTAINER_SECURITY, get, namespacedChart, ofKind, one, synth, problemsOf as validationProblems } from './util';

const IMAGE = 'ghcr.io/acme/auth:1.2.3';
const BASE: WebServiceProps = { image: IMAGE, ports: [{ name: 'http', port: 8080 }] };
const P = '[shop-dev/auth]';

const LABELS = {
  'app.kubernetes.io/name': 'auth',
  'app.kubernetes.io/instance': 'shop-dev',
  'app.kubernetes.io/component': 'api',
  'app.kubernetes.io/part-of': 'shop-dev',
  'app.kubernetes.io/managed-by': 'berth',
};
/** Only the workload and its pod template carry the version: an image bump changes nothing else. */
const VERSIONED = { ...LABELS, 'app.kubernetes.io/version': '1.2.3' };
const SELECTOR = { 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'shop-dev' };
const META = { name: 'auth', namespace: 'shop-dev', labels: LABELS };
/** Logs (64Mi) and the 256Mi `/tmp` on the node's disk. */
const DISK = { 'ephemeral-storage': '320Mi' };
const SMALL = { requests: { cpu: '100m', memory: '128Mi', ...DISK }, limits: { cpu: '500m', memory: '256Mi', ...DISK } };
const TMP_MOUNT = { name: 'tmp', mountPath: '/tmp' };
const SPREAD = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
  maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: SELECTOR },
}));

interface Built {
  readonly web: WebService;
  readonly out: Manifest[];
  readonly deployment: Manifest;
  readonly container: Record<string, unknown>;
  readonly pod: Record<string, unknown>;
}

function build(props: Partial<WebServiceProps> = {}, chart: Chart = namespacedChart(), id = 'auth'): Built {
  const web = new WebService(chart, id, { ...BASE, ...props });
  const out = synth(chart);
  const deployment = one(out, 'Deployment');
  return { web, out, deployment, pod: get(deployment, 'spec', 'template', 'spec'), container: get(deployment, 'spec', 'template', 'spec', 'containers', 0) };
}

/** The problems a bad WebService reports. */
function problemsOf(props: Partial<WebServiceProps>): readonly string[] {
  return validationProblems(() => new WebService(namespacedChart(), 'auth', { ...BASE, ...props }));
}

describe('WebService: what it emits', () => {
  test('a minimal service emits SA, Deployment, Service, PDB and NetworkPolicy, restricted and probed', () => {
    const { out } = build();
    expect(out).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: META, automountServiceAccountToken: false },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { ...META, labels: VERSIONED },
        spec: {
          replicas: 2,
          selector: { matchLabels: SELECTOR },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          minReadySeconds: 5,
          revisionHistoryLimit: 5,
          progressDeadlineSeconds: 600,
          template: {
            metadata: { labels: VERSIONED },
            spec: {
              serviceAccountName: 'auth',
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
              terminationGracePeriodSeconds: 30,
              topologySpreadConstraints: SPREAD,
              containers: [{
                name: 'auth',
                image: IMAGE,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                resources: SMALL,
                securityContext: CONTAINER_SECURITY,
                readinessProbe: {
                  httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
                  initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2,
                },
                livenessProbe: {
                  tcpSocket: { port: 'http' },
                  initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
                },
                lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
                terminationMessagePolicy: 'FallbackToLogsOnError',
                volumeMounts: [TMP_MOUNT],
              }],
              volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: META,
        spec: { type: 'ClusterIP', selector: SELECTOR, ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }] },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: META,
        spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: META,
        spec: { podSelector: { matchLabels: SELECTOR }, policyTypes: ['Ingress', 'Egress'] },
      },
    ]);
  });

  test('exposes wiring values and children, and is routable', () => {
    const { web } = build({ ports: [{ name: 'http', port: 8081 }, { name: 'grpc', port: 9091, targetPort: 19091 }] });
    const routable: IRoutable = web;
    expect({
      serviceName: routable.serviceName, host: web.host, url: web.url, ports: web.ports, grpc: web.port('grpc'),
    }).toEqual({
      serviceName: 'auth',
      host: 'auth.shop-dev.svc.cluster.local',
      url: 'http://auth.shop-dev.svc.cluster.local:8081',
      ports: [
        { name: 'http', port: 8081, targetPort: 8081, protocol: 'TCP' },
        { name: 'grpc', port: 9091, targetPort: 19091, protocol: 'TCP' },
      ],
      grpc: { name: 'grpc', port: 9091, targetPort: 19091, protocol: 'TCP' },
    });
    expect([web.deployment, web.service, web.serviceAccount, web.networkPolicy, web.pdb].map((o) => o?.kind))
      .toEqual(['Deployment', 'Service', 'ServiceAccount', 'NetworkPolicy', 'PodDisruptionBudget']);
    expect([web.configMap, web.role, web.roleBinding, web.hpa, web.vpa, web.serviceMonitor]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  test('port(name) names the prop when the port is missing', () => {
    const { web } = build();
    expect(() => web.port('metrics')).toThrow(new ValidationError([`${P} 'ports' has no port named "metrics" (ports: http), received "metrics"`]));
  });

  test('host falls back to the default namespace in a chart without one', () => {
    const { web } = build({}, Testing.chart());
    expect(web.host).toBe('auth.default.svc.cluster.local');
  });
});

describe('WebService: defaults (one test each)', () => {
  const hpaOf = (a: WebServiceProps['autoscaling']) => get(one(build({ autoscaling: a }).out, 'HorizontalPodAutoscaler'), 'spec');
  const cpu = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });
  const mem = (n: number) => ({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: n } } });
  const METRICS_PORTS = [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }];
  const monitorOf = (m: Partial<WebServiceProps['metrics']> = {}) =>
    one(build({ ports: METRICS_PORTS, metrics: { port: 'metrics', serviceMonitor: true, ...m } }).out, 'ServiceMonitor');

  test('@default name: the construct id', () => {
    expect(build({}, namespacedChart(), 'catalog').out.map((m) => m.metadata.name)).toEqual(['catalog', 'catalog', 'catalog', 'catalog', 'catalog']);
    expect(build({ name: 'auth-v2' }).out.map((m) => m.metadata.name)).toEqual(['auth-v2', 'auth-v2', 'auth-v2', 'auth-v2', 'auth-v2']);
  });
  test('@default podAnnotations: none (the template carries only config checksums)', () => {
    expect(get(one(build().out, 'Deployment'), 'spec', 'template', 'metadata', 'annotations')).toBeUndefined();
    const { out } = build({ podAnnotations: { 'proxy.istio.io/config': '{"terminationDrainDuration":"130s"}' }, config: { A: '1' } });
    const annotations = get(one(out, 'Deployment'), 'spec', 'template', 'metadata', 'annotations');
    expect(Object.keys(annotations).sort()).toEqual(['checksum.berth.dev/auth', 'proxy.istio.io/config']);
    expect(annotations['proxy.istio.io/config']).toBe('{"terminationDrainDuration":"130s"}');
    expect(problemsOf({ podAnnotations: { 'checksum.berth.dev/x': 'y', 'bad key!': 'z' } })).toEqual([
      `${P} 'podAnnotations' must have keys of the form [prefix/]name (DNS subdomain prefix, name at most 63 characters), not under checksum.berth.dev/, received "checksum.berth.dev/x"`,
      `${P} 'podAnnotations' must have keys of the form [prefix/]name (DNS subdomain prefix, name at most 63 characters), not under checksum.berth.dev/, received "bad key!"`,
    ]);
  });
  test("@default component: 'api'", () => {
    expect(build().deployment.metadata.labels?.['app.kubernetes.io/component']).toBe('api');
    expect(build({ component: 'frontend' }).deployment.metadata.labels?.['app.kubernetes.io/component']).toBe('frontend');
  });
  test('@default allowMutableImageTags: false', () => {
    expect(problemsOf({ image: 'acme/auth:latest' })).toEqual([
      `${P} 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received "acme/auth:latest"`,
    ]);
    const { container, deployment } = build({ image: 'acme/auth:latest', allowMutableImageTags: true });
    expect([container.image, deployment.metadata.labels?.['app.kubernetes.io/version']]).toEqual(['acme/auth:latest', 'latest']);
  });
  test('@default imagePullSecrets: none', () => {
    expect(build().pod.imagePullSecrets).toBeUndefined();
    expect(build({ imagePullSecrets: ['ghcr'] }).pod.imagePullSecrets).toEqual([{ name: 'ghcr' }]);
  });
  test("@default command: the image's entrypoint", () => {
    expect(build().container.command).toBeUndefined();
    expect(build({ command: ['/app/server'] }).container.command).toEqual(['/app/server']);
  });
  test("@default args: the image's arguments", () => {
    expect(build().container.args).toBeUndefined();
    expect(build({ args: ['--port', '8080'] }).container.args).toEqual(['--port', '8080']);
  });
  test('@default ports[].targetPort: the port', () => {
    const { container } = build({ ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000 }] });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'admin', containerPort: 9000, protocol: 'TCP' },
    ]);
  });
  test("@default ports[].protocol: 'TCP'", () => {
    const { out } = build({ ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    expect(get(one(out, 'Service'), 'spec', 'ports')).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
    ]);
  });
  test('@default env: none', () => {
    expect(build().container.env).toBeUndefined();
  });
  test('@default envFrom: none', () => {
    expect(build().container.envFrom).toBeUndefined();
  });
  test('@default config: none (no ConfigMap, no checksum)', () => {
    const { out, deployment } = build();
    expect([ofKind(out, 'ConfigMap'), get(deployment, 'spec', 'template', 'metadata', 'annotations')]).toEqual([[], undefined]);
  });
  test("@default resources: 'small'", () => {
    expect(build().container.resources).toEqual(SMALL);
    expect(build({ resources: { cpu: { request: '1', limit: '2' }, memory: { request: '1Gi', limit: '1Gi' } } }).container.resources)
      .toEqual({ requests: { cpu: '1', memory: '1Gi', ...DISK }, limits: { cpu: '2', memory: '1Gi', ...DISK } });
  });
  test('ephemeral storage: logs plus every disk-backed emptyDir the container mounts, request = limit', () => {
    const { container } = build({ writablePaths: ['/cache'], writableSizeLimit: '1Gi' });
    // 64Mi of logs, 1Gi /tmp, 1Gi /cache.
    expect(container.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '2112Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '2112Mi' },
    });
  });
  test('@default initContainers: none', () => {
    expect(build().pod.initContainers).toBeUndefined();
  });
  test('@default runAs: UID and GID 10001', () => {
    expect([get(build().pod, 'securityContext', 'runAsUser'), get(build().container, 'securityContext', 'runAsGroup')]).toEqual([10001, 10001]);
    const { pod, container } = build({ runAs: { uid: 101, gid: 101, fsGroup: 101 } });
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, fsGroup: 101, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({ ...CONTAINER_SECURITY, runAsUser: 101, runAsGroup: 101 });
  });
  test('@default writablePaths: none besides /tmp', () => {
    expect([build().pod.volumes, build().container.volumeMounts]).toEqual([[{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }], [TMP_MOUNT]]);
    const { pod, container } = build({ writablePaths: ['/var/cache/nginx', '/tmp'] });
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'var-cache-nginx', emptyDir: { sizeLimit: '256Mi' } },
    ]);
    expect(container.volumeMounts).toEqual([TMP_MOUNT, { name: 'var-cache-nginx', mountPath: '/var/cache/nginx' }]);
  });
  test("@default writableSizeLimit: '256Mi'", () => {
    expect(get(build().pod, 'volumes', 0, 'emptyDir')).toEqual({ sizeLimit: '256Mi' });
    expect(build({ writablePaths: ['/cache'], writableSizeLimit: '1Gi' }).pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
    ]);
  });
  test("@default healthPath: '/healthz'", () => {
    expect(get(build().container, 'readinessProbe', 'httpGet', 'path')).toBe('/healthz');
    const { container } = build({ healthPath: '/' });
    // Liveness never uses it: the path may check dependencies.
    expect([get(container, 'readinessProbe', 'httpGet', 'path'), get(container, 'livenessProbe', 'httpGet')]).toEqual(['/', undefined]);
  });
  test('@default readinessProbe: HTTP GET healthPath on the first port, or gRPC when it is grpc', () => {
    expect(build().container.readinessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2,
    });
    expect(build({ ports: [{ name: 'grpc', port: 9091 }, { name: 'http', port: 8081 }] }).container.readinessProbe).toEqual({
      grpc: { port: 9091 }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2,
    });
    expect(get(build({ ports: [{ name: 'grpc-api', port: 9000, targetPort: 19000 }] }).container, 'readinessProbe', 'grpc')).toEqual({ port: 19000 });
  });
  test('@default livenessProbe: a TCP connect to the first port, with liveness timing', () => {
    expect(build().container.livenessProbe).toEqual({
      tcpSocket: { port: 'http' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
    });
    expect(build({ ports: [{ name: 'grpc', port: 9091 }] }).container.livenessProbe).toEqual({
      tcpSocket: { port: 'grpc' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
    });
    expect(build({ livenessProbe: Probe.http('/livez') }).container.livenessProbe).toEqual({
      httpGet: { path: '/livez', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
    });
  });
  test('@default Probe checksDependencies: false', () => {
    expect([Probe.http('/x').checksDependencies, Probe.grpc().checksDependencies, Probe.exec(['true']).checksDependencies, Probe.tcp().checksDependencies])
      .toEqual([false, false, false, false]);
    expect(Probe.http('/ready', { checksDependencies: true }).checksDependencies).toBe(true);
  });
  test('liveness never checks dependencies: a probe declared to, or the readiness check itself, is refused', () => {
    expect(problemsOf({ livenessProbe: Probe.http('/ready', { checksDependencies: true }) })).toEqual([
      `${P} 'livenessProbe' must not check dependencies: while one is down, every pod would be restarted and none would come back (readinessProbe may check them), received "HTTP GET /ready"`,
    ]);
    expect(problemsOf({ livenessProbe: Probe.http('/healthz', { periodSeconds: 30 }) })).toEqual([
      `${P} 'livenessProbe' must not be the readiness check (HTTP GET /healthz), which may cover dependencies: use Probe.tcp() or an endpoint that checks only the process, received "HTTP GET /healthz"`,
    ]);
    expect(problemsOf({ readinessProbe: Probe.exec(['check']), livenessProbe: Probe.exec(['check'], { failureThreshold: 5 }) })).toEqual([
      `${P} 'livenessProbe' must not be the readiness check (exec check), which may cover dependencies: use Probe.tcp() or an endpoint that checks only the process, received "exec check"`,
    ]);
    // Two TCP connects are the same check, but no dependency can fail either.
    expect(get(build({ readinessProbe: Probe.tcp(), livenessProbe: Probe.tcp({ periodSeconds: 20 }) }).container, 'livenessProbe', 'tcpSocket')).toEqual({ port: 'http' });
    expect(get(build({ readinessProbe: Probe.http('/ready', { checksDependencies: true }), livenessProbe: Probe.http('/healthz') }).container, 'livenessProbe', 'httpGet', 'path'))
      .toBe('/healthz');
  });
  test('@default startupProbe: none', () => {
    expect(build().container.startupProbe).toBeUndefined();
  });
  test('@default replicas: 2', () => {
    expect(get(build().deployment, 'spec', 'replicas')).toBe(2);
    expect(get(build({ replicas: 4 }).deployment, 'spec', 'replicas')).toBe(4);
  });
  test('@default autoscaling: none', () => {
    expect(ofKind(build().out, 'HorizontalPodAutoscaler')).toEqual([]);
  });
  test('@default verticalAutoscaling: none', () => {
    expect(ofKind(build().out, 'VerticalPodAutoscaler')).toEqual([]);
  });
  test("@default maxSurge: '25%'", () => {
    expect(get(build().deployment, 'spec', 'strategy', 'rollingUpdate', 'maxSurge')).toBe('25%');
    expect(get(build({ maxSurge: 1 }).deployment, 'spec', 'strategy', 'rollingUpdate', 'maxSurge')).toBe(1);
  });
  test('@default maxUnavailable: 0', () => {
    expect(get(build().deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable')).toBe(0);
    expect(get(build({ maxUnavailable: '50%' }).deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable')).toBe('50%');
  });
  test('@default minReadySeconds: 5', () => {
    expect(get(build().deployment, 'spec', 'minReadySeconds')).toBe(5);
    expect(get(build({ minReadySeconds: 0 }).deployment, 'spec', 'minReadySeconds')).toBe(0);
  });
  test('@default revisionHistoryLimit: 5', () => {
    expect(get(build().deployment, 'spec', 'revisionHistoryLimit')).toBe(5);
    expect(get(build({ revisionHistoryLimit: 10 }).deployment, 'spec', 'revisionHistoryLimit')).toBe(10);
  });
  test('@default progressDeadlineSeconds: 600', () => {
    expect(get(build().deployment, 'spec', 'progressDeadlineSeconds')).toBe(600);
    expect(get(build({ progressDeadlineSeconds: 120 }).deployment, 'spec', 'progressDeadlineSeconds')).toBe(120);
  });
  test('@default terminationGracePeriodSeconds: 30', () => {
    expect(build().pod.terminationGracePeriodSeconds).toBe(30);
    expect(build({ terminationGracePeriodSeconds: 60 }).pod.terminationGracePeriodSeconds).toBe(60);
  });
  test('@default preStopSleepSeconds: 5; 0 disables the pause', () => {
    expect(build().container.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(build({ preStopSleepSeconds: 15 }).container.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '15'] } } });
    expect(build({ preStopSleepSeconds: 0 }).container.lifecycle).toBeUndefined();
  });
  test("@default sessionAffinity: 'None'", () => {
    const spec = get(one(build().out, 'Service'), 'spec');
    expect([spec.sessionAffinity, spec.sessionAffinityConfig]).toEqual([undefined, undefined]);
  });
  test('@default sessionAffinityTimeoutSeconds: 10800', () => {
    expect(get(one(build({ sessionAffinity: 'ClientIP' }).out, 'Service'), 'spec', 'sessionAffinityConfig')).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });
  test('@default rbac: none (no Role, no token)', () => {
    const { out, pod } = build();
    expect([ofKind(out, 'Role'), ofKind(out, 'RoleBinding'), pod.automountServiceAccountToken, one(out, 'ServiceAccount').automountServiceAccountToken])
      .toEqual([[], [], false, false]);
  });
  test('@default metrics: none (no ServiceMonitor, no scraper admitted)', () => {
    const { out } = build();
    expect([ofKind(out, 'ServiceMonitor'), get(one(out, 'NetworkPolicy'), 'spec', 'ingress')]).toEqual([[], undefined]);
  });
  test("@default clusterDomain: 'cluster.local'", () => {
    expect(build().web.host).toBe('auth.shop-dev.svc.cluster.local');
    expect(build({ clusterDomain: 'corp.internal' }).web.host).toBe('auth.shop-dev.svc.corp.internal');
  });
  test('@default ports[].internalOnly: false (every port is on the Service)', () => {
    expect(get(one(build({ ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }] }).out, 'Service'), 'spec', 'ports').map((p: { name: string }) => p.name))
      .toEqual(['http', 'grpc']);
  });
  test('@default metrics.port: 9090, a port of its own named metrics, on the container and the Service', () => {
    const { out, container, web } = build({ metrics: { serviceMonitor: true } });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
    expect(get(one(out, 'Service'), 'spec', 'ports')).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(get(one(out, 'ServiceMonitor'), 'spec', 'endpoints')).toEqual([{ port: 'metrics', path: '/metrics' }]);
    // Callers that connectTo() the service get its app ports, never the metrics port.
    expect([web.metricsPort, web.ports.map((p) => p.name)]).toEqual(['metrics', ['http']]);
  });
  test('@default meshSidecar: false (no proxy annotations, no mTLS exception, no DestinationRule)', () => {
    const { out, deployment } = build({ metrics: {}, sessionAffinity: 'ClientIP' });
    expect([get(deployment, 'spec', 'template', 'metadata').annotations, ofKind(out, 'PeerAuthentication'), ofKind(out, 'DestinationRule')])
      .toEqual([undefined, [], []]);
  });
  test('@default memoryAtIdle: the request (no annotation)', () => {
    expect(build().deployment.metadata.annotations).toBeUndefined();
  });

  test('@default autoscaling.cpuUtilization: 80, unless only memoryUtilization is set', () => {
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5 }).metrics).toEqual([cpu(80)]);
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5, memoryUtilization: 75 }).metrics).toEqual([mem(75)]);
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5, cpuUtilization: 70, memoryUtilization: 80 }).metrics).toEqual([cpu(70), mem(80)]);
  });
  test('@default autoscaling.memoryUtilization: none', () => {
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5, cpuUtilization: 60 }).metrics).toEqual([cpu(60)]);
  });
  test("@default autoscaling.behavior: Kubernetes' defaults (left out)", () => {
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5 }).behavior).toBeUndefined();
  });
  test("@default behavior.scaleUp / scaleDown: Kubernetes' defaults (left out)", () => {
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } }).behavior)
      .toEqual({ scaleDown: { stabilizationWindowSeconds: 600 } });
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 30 } } }).behavior)
      .toEqual({ scaleUp: { stabilizationWindowSeconds: 30 } });
  });
  test.each<[string, ScalingRules, Record<string, unknown>]>([
    ['stabilizationWindowSeconds', { selectPolicy: 'Min' }, { selectPolicy: 'Min' }],
    ['policies', { stabilizationWindowSeconds: 60 }, { stabilizationWindowSeconds: 60 }],
    ['selectPolicy', { policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, { policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }],
  ])("@default ScalingRules.%s: Kubernetes' default (left out)", (_field, rules, rendered) => {
    expect(hpaOf({ minReplicas: 2, maxReplicas: 5, behavior: { scaleUp: rules } }).behavior).toEqual({ scaleUp: rendered });
  });
  test("@default verticalAutoscaling.updateMode: 'Off'", () => {
    expect(get(one(build({ verticalAutoscaling: {} }).out, 'VerticalPodAutoscaler'), 'spec')).toEqual({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth' },
      updatePolicy: { updateMode: 'Off' },
    });
  });
  test('@default verticalAutoscaling.minAllowed: no floor', () => {
    expect(get(one(build({ verticalAutoscaling: { maxAllowed: { cpu: '2' } } }).out, 'VerticalPodAutoscaler'), 'spec', 'resourcePolicy'))
      .toEqual({ containerPolicies: [{ containerName: 'auth', maxAllowed: { cpu: '2' } }] });
  });
  test('@default verticalAutoscaling.maxAllowed: no ceiling', () => {
    expect(get(one(build({ verticalAutoscaling: { minAllowed: { memory: '64Mi' } } }).out, 'VerticalPodAutoscaler'), 'spec', 'resourcePolicy'))
      .toEqual({ containerPolicies: [{ containerName: 'auth', minAllowed: { memory: '64Mi' } }] });
  });
  test('@default ResourceBounds.cpu / memory: no bound (left out)', () => {
    const policy = (b: ResourceBounds) => get(one(build({ verticalAutoscaling: { minAllowed: b } }).out, 'VerticalPodAutoscaler'), 'spec', 'resourcePolicy', 'containerPolicies', 0, 'minAllowed');
    expect([policy({ cpu: '10m' }), policy({ memory: '32Mi' })]).toEqual([{ cpu: '10m' }, { memory: '32Mi' }]);
  });
  test("@default metrics.path: '/metrics'", () => {
    expect(get(monitorOf(), 'spec', 'endpoints', 0, 'path')).toBe('/metrics');
    expect(get(monitorOf({ path: '/prom' }), 'spec', 'endpoints', 0, 'path')).toBe('/prom');
  });
  test("@default metrics.scraperNamespace: 'monitoring'", () => {
    expect(get(one(build({ ports: METRICS_PORTS, metrics: { port: 'metrics' } }).out, 'NetworkPolicy'), 'spec', 'ingress')).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
  });
  test('@default metrics.serviceMonitor: false', () => {
    expect(ofKind(build({ ports: METRICS_PORTS, metrics: { port: 'metrics' } }).out, 'ServiceMonitor')).toEqual([]);
  });
  test('@default metrics.serviceMonitorLabels: none', () => {
    expect(monitorOf().metadata.labels).toEqual(LABELS);
  });
  test("@default metrics.interval: the Prometheus' own (left out)", () => {
    expect(get(monitorOf(), 'spec', 'endpoints')).toEqual([{ port: 'metrics', path: '/metrics' }]);
  });
  test("@default rbac[].apiGroups: [''] (core)", () => {
    expect(get(one(build({ rbac: [{ resources: ['configmaps'], verbs: ['get'], resourceNames: ['a'] }] }).out, 'Role'), 'rules', 0, 'apiGroups')).toEqual(['']);
  });
  test('@default rbac[].resourceNames: every object (left out), where RBAC could not name them anyway', () => {
    expect(get(one(build({ rbac: [{ resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }, { resources: ['leases'], verbs: ['create'] }] }).out, 'Role'), 'rules')).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['leases'], verbs: ['create'] },
    ]);
  });
  test('rbac: objects are named wherever RBAC can name them', () => {
    expect(problemsOf({ rbac: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }] })).toEqual([
      `${P} 'rbac[0].resourceNames' must name the objects: get, update can be limited to named leases (create, list, watch and deletecollection can't: give them a rule of their own), received undefined`,
    ]);
    expect(problemsOf({ rbac: [{ resources: ['configmaps'], verbs: ['list', 'update'] }] })).toEqual([
      `${P} 'rbac[0].resourceNames' must name the objects: update can be limited to named configmaps (create, list, watch and deletecollection can't: give them a rule of their own), received undefined`,
    ]);
    expect(problemsOf({ rbac: [{ resources: ['leases'], verbs: ['create', 'get'], resourceNames: ['lock'] }] })).toEqual([
      `${P} 'rbac[0].verbs' must not include create beside resourceNames: the request has no object name to match, so the API server would refuse every one (give them a rule of their own, without resourceNames), received ["create","get"]`,
    ]);
    expect(problemsOf({ rbac: [{ resources: ['leases'], verbs: ['get'], resourceNames: [] }] })).toEqual([
      `${P} 'rbac[0].resourceNames' must list at least one name (leave it unset for every object), received []`,
    ]);
  });
  test("@default initContainers[].image: the service's image", () => {
    expect(get(build({ initContainers: [{ name: 'migrate' }] }).pod, 'initContainers', 0, 'image')).toBe(IMAGE);
  });
  test("@default initContainers[].command / args: the image's (left out)", () => {
    const init = get(build({ initContainers: [{ name: 'migrate' }] }).pod, 'initContainers', 0);
    expect([init.command, init.args]).toEqual([undefined, undefined]);
  });
  test('@default initContainers[].env: none beyond the inherited env', () => {
    expect(get(build({ initContainers: [{ name: 'migrate' }] }).pod, 'initContainers', 0, 'env')).toBeUndefined();
    expect(get(build({ env: { A: '1' }, initContainers: [{ name: 'migrate' }] }).pod, 'initContainers', 0, 'env')).toEqual([{ name: 'A', value: '1' }]);
  });
  test("@default initContainers[].resources: the service's resources", () => {
    expect(get(build({ resources: 'medium', initContainers: [{ name: 'migrate' }] }).pod, 'initContainers', 0, 'resources')).toEqual({
      requests: { cpu: '250m', memory: '256Mi', ...DISK }, limits: { cpu: '1', memory: '512Mi', ...DISK },
    });
  });
  test('@default initContainers[].inheritEnv: true; false gives only the own env', () => {
    const { pod } = build({
      config: { LOG_LEVEL: 'info' }, envFrom: [EnvFrom.secret('db')],
      initContainers: [{ name: 'seed', env: { MODE: 'seed' } }, { name: 'migrate', inheritEnv: false, env: { MODE: 'up' } }],
    });
    expect(pod.initContainers).toEqual([
      {
        name: 'seed', image: IMAGE, imagePullPolicy: 'IfNotPresent', env: [{ name: 'MODE', value: 'seed' }],
        envFrom: [{ configMapRef: { name: 'auth' } }, { secretRef: { name: 'db' } }],
        resources: SMALL, securityContext: CONTAINER_SECURITY, terminationMessagePolicy: 'FallbackToLogsOnError', volumeMounts: [TMP_MOUNT],
      },
      {
        name: 'migrate', image: IMAGE, imagePullPolicy: 'IfNotPresent', env: [{ name: 'MODE', value: 'up' }],
        resources: SMALL, securityContext: CONTAINER_SECURITY, terminationMessagePolicy: 'FallbackToLogsOnError', volumeMounts: [TMP_MOUNT],
      },
    ]);
  });
  test('@default EnvFrom prefix: none', () => {
    expect(build({ envFrom: [EnvFrom.configMap('ext'), EnvFrom.configMap('ext2', { prefix: 'X_' })] }).container.envFrom)
      .toEqual([{ configMapRef: { name: 'ext' } }, { prefix: 'X_', configMapRef: { name: 'ext2' } }]);
  });
  test('@default EnvFrom optional: false', () => {
    expect(build({ envFrom: [EnvFrom.secret('s'), EnvFrom.secret('t', { optional: true })] }).container.envFrom)
      .toEqual([{ secretRef: { name: 's' } }, { secretRef: { name: 't', optional: true } }]);
  });
});

describe('WebService: features', () => {
  test('env carries literals and typed secret, ConfigMap and field references', () => {
    const { container } = build({
      env: {
        LOG_LEVEL: 'info',
        DATABASE_URL: EnvValue.fromSecret('db', 'url'),
        FEATURE: EnvValue.fromConfigMap('flags', 'feature'),
        POD_NAME: EnvValue.fromField('metadata.name'),
      },
    });
    expect(container.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
      { name: 'FEATURE', valueFrom: { configMapKeyRef: { name: 'flags', key: 'feature' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ]);
  });

  test('config makes a ConfigMap read via envFrom, with a checksum that rolls pods on change', () => {
    const { out, container, deployment, web } = build({ config: { LOG_LEVEL: 'info', REDIS_HOST: 'redis' } });
    expect(one(out, 'ConfigMap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: META, data: { LOG_LEVEL: 'info', REDIS_HOST: 'redis' } });
    expect(web.configMap?.kind).toBe('ConfigMap');
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'auth' } }]);
    const annotations = (d: Manifest) => get(d, 'spec', 'template', 'metadata', 'annotations');
    expect(annotations(deployment)).toEqual({ 'checksum.berth.dev/auth': checksum({ LOG_LEVEL: 'info', REDIS_HOST: 'redis' }) });
    expect(annotations(build({ config: { LOG_LEVEL: 'debug', REDIS_HOST: 'redis' } }).deployment)).not.toEqual(annotations(deployment));
  });

  test('shared config sources are checksummed; external ConfigMaps and Secrets are referenced by name', () => {
    const shared = { configMapName: 'giia-shared', data: { NATS_URL: 'nats://nats:4222' } };
    const { container, deployment } = build({
      config: { LOG_LEVEL: 'info' },
      envFrom: [EnvFrom.configMap(shared), EnvFrom.configMap('platform-config'), EnvFrom.secret('giia-shared'), EnvFrom.configMap(shared, { prefix: 'X_' })],
    });
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'auth' } },
      { configMapRef: { name: 'giia-shared' } },
      { configMapRef: { name: 'platform-config' } },
      { secretRef: { name: 'giia-shared' } },
      { prefix: 'X_', configMapRef: { name: 'giia-shared' } },
    ]);
    expect(get(deployment, 'spec', 'template', 'metadata', 'annotations')).toEqual({
      'checksum.berth.dev/auth': checksum({ LOG_LEVEL: 'info' }),
      'checksum.berth.dev/giia-shared': checksum({ NATS_URL: 'nats://nats:4222' }),
    });
  });

  test('probes can be overridden per role: TCP, exec, HTTPS, and a startup probe', () => {
    const { container } = build({
      ports: [{ name: 'ws', port: 8001 }],
      readinessProbe: Probe.tcp({ periodSeconds: 3 }),
      livenessProbe: Probe.exec(['/bin/health'], { timeoutSeconds: 5 }),
      startupProbe: Probe.http('/ready', { port: 'ws', scheme: 'HTTPS', failureThreshold: 60 }),
    });
    expect([container.readinessProbe, container.livenessProbe, container.startupProbe]).toEqual([
      { tcpSocket: { port: 'ws' }, initialDelaySeconds: 0, periodSeconds: 3, timeoutSeconds: 2, failureThreshold: 2 },
      { exec: { command: ['/bin/health'] }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      { httpGet: { path: '/ready', port: 'ws', scheme: 'HTTPS' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 60 },
    ]);
  });

  test('init containers run a migration under the same security context, with their own image and resources', () => {
    const { pod } = build({
      initContainers: [{
        name: 'migrate', image: 'ghcr.io/acme/auth-migrate:1.2.3', command: ['migrate'], args: ['up'],
        env: { DATABASE_URL: EnvValue.fromSecret('db', 'url') }, inheritEnv: false, resources: 'nano',
      }],
      writablePaths: ['/var/run/app'],
    });
    expect(pod.initContainers).toEqual([{
      name: 'migrate',
      image: 'ghcr.io/acme/auth-migrate:1.2.3',
      imagePullPolicy: 'IfNotPresent',
      command: ['migrate'],
      args: ['up'],
      env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }],
      // Logs plus /tmp and /var/run/app (256Mi each): 576Mi of the node's disk.
      resources: { requests: { cpu: '25m', memory: '32Mi', 'ephemeral-storage': '576Mi' }, limits: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '576Mi' } },
      securityContext: CONTAINER_SECURITY,
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [TMP_MOUNT, { name: 'var-run-app', mountPath: '/var/run/app' }],
    }]);
  });

  test('an HPA owns the replica count: spec.replicas is left out, behavior rendered, PDB from minReplicas', () => {
    const { out, deployment, web } = build({
      autoscaling: {
        minReplicas: 2, maxReplicas: 5, cpuUtilization: 70, memoryUtilization: 80,
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }], selectPolicy: 'Max' },
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
        },
      },
    });
    expect(get(deployment, 'spec', 'replicas')).toBeUndefined();
    expect(one(out, 'HorizontalPodAutoscaler')).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: META,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] },
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
        },
      },
    });
    expect([web.hpa?.kind, ofKind(out, 'PodDisruptionBudget').length]).toEqual(['HorizontalPodAutoscaler', 1]);
  });

  test('a single-replica service gets no PDB and no spread', () => {
    const { out, pod, web } = build({ replicas: 1 });
    expect([ofKind(out, 'PodDisruptionBudget'), pod.topologySpreadConstraints, web.pdb]).toEqual([[], undefined, undefined]);
  });

  test('an HPA from 1 replica gets no PDB, but spread for when it scales out', () => {
    const { out, pod } = build({ autoscaling: { minReplicas: 1, maxReplicas: 3 } });
    expect([ofKind(out, 'PodDisruptionBudget'), pod.topologySpreadConstraints]).toEqual([[], SPREAD]);
  });

  test('a VPA in Initial mode with bounds', () => {
    const { out, web } = build({ verticalAutoscaling: { updateMode: 'Initial', minAllowed: { cpu: '50m' }, maxAllowed: { cpu: '2', memory: '2Gi' } } });
    expect(one(out, 'VerticalPodAutoscaler')).toEqual({
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: META,
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth' },
        updatePolicy: { updateMode: 'Initial' },
        resourcePolicy: { containerPolicies: [{ containerName: 'auth', minAllowed: { cpu: '50m' }, maxAllowed: { cpu: '2', memory: '2Gi' } }] },
      },
    });
    expect(web.vpa?.kind).toBe('VerticalPodAutoscaler');
  });

  test('a recommending VPA may sit beside an HPA', () => {
    const { out } = build({ autoscaling: { minReplicas: 2, maxReplicas: 4 }, verticalAutoscaling: { updateMode: 'Off' } });
    expect([ofKind(out, 'HorizontalPodAutoscaler').length, get(one(out, 'VerticalPodAutoscaler'), 'spec', 'updatePolicy')]).toEqual([1, { updateMode: 'Off' }]);
  });

  test('ClientIP session affinity for WebSockets', () => {
    expect(get(one(build({ sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 3600 }).out, 'Service'), 'spec')).toEqual({
      type: 'ClusterIP',
      selector: SELECTOR,
      ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 3600 } },
    });
  });

  test('rbac rules make a least-privilege Role bound to the service account, and mount the token', () => {
    const { out, pod, web } = build({
      rbac: [
        { resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['leader'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['lock'] },
      ],
    });
    expect(one(out, 'Role')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: META,
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['leader'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['lock'] },
      ],
    });
    expect(one(out, 'RoleBinding')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: META,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'auth' },
      subjects: [{ kind: 'ServiceAccount', name: 'auth', namespace: 'shop-dev' }],
    });
    expect([pod.automountServiceAccountToken, one(out, 'ServiceAccount').automountServiceAccountToken, web.role?.kind, web.roleBinding?.kind])
      .toEqual([true, true, 'Role', 'RoleBinding']);
  });

  test('connectTo opens both ends; allowFrom and allowTo add one-sided rules', () => {
    const chart = namespacedChart();
    const gateway = new WebService(chart, 'gateway', { ...BASE, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    const auth = new WebService(chart, 'auth', { ...BASE, ports: [{ name: 'http', port: 8081 }, { name: 'grpc', port: 9091 }] });
    gateway.connectTo(auth, [auth.port('grpc')]);
    gateway.allowFrom(Peer.namespace('ingress-nginx'));
    auth.allowTo(Peer.cidr('10.0.0.10/32'), [{ name: 'https', port: 443, targetPort: 443 }]);
    const out = synth(chart);
    const pods = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'shop-dev' } } });
    expect(get(one(out, 'NetworkPolicy', 'gateway'), 'spec')).toEqual({
      ...pods('gateway'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      egress: [{ to: [pods('auth')], ports: [{ port: 9091, protocol: 'TCP' }] }],
    });
    expect(get(one(out, 'NetworkPolicy', 'auth'), 'spec')).toEqual({
      ...pods('auth'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [pods('gateway')], ports: [{ port: 9091, protocol: 'TCP' }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 443, protocol: 'TCP' }] }],
    });
  });

  test('connectTo without ports opens all of the callee ports', () => {
    const chart = namespacedChart();
    const a = new WebService(chart, 'a', BASE);
    const b = new WebService(chart, 'b', { ...BASE, ports: [{ name: 'http', port: 8081 }, { name: 'grpc', port: 9091 }] });
    a.connectTo(b);
    expect(get(one(synth(chart), 'NetworkPolicy', 'b'), 'spec', 'ingress', 0, 'ports')).toEqual([{ port: 8081, protocol: 'TCP' }, { port: 9091, protocol: 'TCP' }]);
  });

  test('metrics with a ServiceMonitor, extra labels, interval and a custom scraper namespace', () => {
    const { out, web } = build({
      ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
      metrics: { port: 'metrics', path: '/prom', scraperNamespace: 'observability', serviceMonitor: true, serviceMonitorLabels: { release: 'kps' }, interval: '15s' },
    });
    expect(one(out, 'ServiceMonitor')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { ...META, labels: { ...LABELS, release: 'kps' } },
      spec: { selector: { matchLabels: SELECTOR }, endpoints: [{ port: 'metrics', path: '/prom', interval: '15s' }] },
    });
    expect(get(one(out, 'NetworkPolicy'), 'spec', 'ingress')).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
    expect(web.serviceMonitor?.kind).toBe('ServiceMonitor');
  });

  test('a digest-pinned image is versioned by its digest', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const { container, deployment } = build({ image: { repository: 'ghcr.io/acme/auth', digest } });
    expect([container.image, deployment.metadata.labels?.['app.kubernetes.io/version']]).toEqual([`ghcr.io/acme/auth@${digest}`, 'bbbbbbbbbbbb']);
  });

  test('objects use only Kubernetes 1.28 kinds and versions', () => {
    const { out } = build({
      config: { A: 'b' }, autoscaling: { minReplicas: 2, maxReplicas: 3 }, verticalAutoscaling: {},
      rbac: [{ resources: ['pods'], verbs: ['get'], resourceNames: ['a'] }], metrics: { port: 'http', serviceMonitor: true },
    });
    expect(out.map((m) => `${m.apiVersion} ${m.kind}`).sort()).toEqual([
      'apps/v1 Deployment', 'autoscaling.k8s.io/v1 VerticalPodAutoscaler', 'autoscaling/v2 HorizontalPodAutoscaler',
      'monitoring.coreos.com/v1 ServiceMonitor', 'networking.k8s.io/v1 NetworkPolicy', 'policy/v1 PodDisruptionBudget',
      'rbac.authorization.k8s.io/v1 Role', 'rbac.authorization.k8s.io/v1 RoleBinding',
      'v1 ConfigMap', 'v1 Service', 'v1 ServiceAccount',
    ]);
  });
});

describe('WebService: bad input (exact errors)', () => {
  test.each<[string, Partial<WebServiceProps>, string[]]>([
    ['invalid name', { name: 'Auth_Svc' }, [
      `${P} 'name' must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters), received "Auth_Svc"`,
    ]],
    ['name starting with a digit (invalid for a Service)', { name: '1auth' }, [
      `${P} 'name' must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters), received "1auth"`,
    ]],
    ['no ports', { ports: [] }, [`${P} 'ports' must list at least one port, received []`]],
    ['ports outside 1-65535', { ports: [{ name: 'http', port: 0 }, { name: 'grpc', port: 9091, targetPort: 70000 }] }, [
      `${P} 'ports[0].port' must be an integer between 1 and 65535, received 0`,
      `${P} 'ports[1].targetPort' must be an integer between 1 and 65535, received 70000`,
    ]],
    ['duplicate port names', { ports: [{ name: 'http', port: 8080 }, { name: 'http', port: 8081 }] }, [
      `${P} 'ports[1].name' duplicates ports[0].name, received "http"`,
    ]],
    ['duplicate port numbers', { ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 8080, targetPort: 9000 }] }, [
      `${P} 'ports[1].port' duplicates ports[0].port, received 8080`,
    ]],
    ['duplicate container ports', { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'alt', port: 8080 }] }, [
      `${P} 'ports[1].targetPort' duplicates ports[0].targetPort, received 8080`,
    ]],
    ['port name over 15 characters', { ports: [{ name: 'http-metrics-long', port: 9090 }] }, [
      `${P} 'ports[0].name' must be an IANA service name (at most 15 lowercase letters, digits and '-', with at least one letter), received "http-metrics-long"`,
    ]],
    ['HPA min > max', { autoscaling: { minReplicas: 5, maxReplicas: 3 } }, [
      `${P} 'autoscaling.minReplicas' must not exceed autoscaling.maxReplicas (3), received 5`,
    ]],
    ['utilization outside 1-100', { autoscaling: { minReplicas: 2, maxReplicas: 3, cpuUtilization: 0, memoryUtilization: 101 } }, [
      `${P} 'autoscaling.cpuUtilization' must be an integer percentage between 1 and 100, received 0`,
      `${P} 'autoscaling.memoryUtilization' must be an integer percentage between 1 and 100, received 101`,
    ]],
    ['bad HPA behavior', { autoscaling: { minReplicas: 2, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 7200, policies: [{ type: 'Pods', value: 0, periodSeconds: 3600 }] } } } }, [
      `${P} 'autoscaling.behavior.scaleDown.stabilizationWindowSeconds' must be an integer between 0 and 3600, received 7200`,
      `${P} 'autoscaling.behavior.scaleDown.policies[0].value' must be an integer >= 1, received 0`,
      `${P} 'autoscaling.behavior.scaleDown.policies[0].periodSeconds' must be an integer between 1 and 1800, received 3600`,
    ]],
    ['replicas together with autoscaling', { replicas: 3, autoscaling: { minReplicas: 2, maxReplicas: 4 } }, [
      `${P} 'replicas' must not be set together with autoscaling (the HPA owns the replica count: use autoscaling.minReplicas), received 3`,
    ]],
    ['zero replicas', { replicas: 0 }, [`${P} 'replicas' must be an integer >= 1, received 0`]],
    ['request above limit', { resources: { cpu: { request: '2', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } } }, [
      `${P} 'resources.cpu.request' must not exceed its limit "500m", received "2"`,
    ]],
    ['probe path without a leading slash', { readinessProbe: Probe.http('healthz'), healthPath: 'health' }, [
      `${P} 'healthPath' must start with '/', received "health"`,
      `${P} 'readinessProbe.path' must start with '/', received "healthz"`,
    ]],
    ['probe on an unknown port name', { livenessProbe: Probe.tcp({ port: 'admin' }) }, [
      `${P} 'livenessProbe.port' must name one of ports (http), received "admin"`,
    ]],
    ['probe port number out of range', { readinessProbe: Probe.grpc({ port: 70000 }), livenessProbe: Probe.http('/healthz', { port: 0 }) }, [
      `${P} 'readinessProbe.port' must be an integer in 1-65535, received 70000`,
      `${P} 'livenessProbe.port' must be an integer in 1-65535, received 0`,
    ]],
    ['no grace period', { terminationGracePeriodSeconds: 0, preStopSleepSeconds: 0 }, [
      `${P} 'terminationGracePeriodSeconds' must be an integer >= 1, received 0`,
    ]],
    ['invalid env var name', { env: { '9LIVES': 'x' } }, [
      `${P} 'env' must use valid env var names (letters, digits, _ . -, not starting with a digit), received "9LIVES"`,
    ]],
    ['env var set twice (env and config)', { config: { LOG_LEVEL: 'info' }, env: { LOG_LEVEL: 'debug' } }, [
      `${P} 'env.LOG_LEVEL' duplicates an env var already set by config, received "LOG_LEVEL"`,
    ]],
    ['env var set twice (two ConfigMaps, with a prefix)', {
      envFrom: [
        EnvFrom.configMap({ configMapName: 'a', data: { DB_HOST: 'x' } }),
        EnvFrom.configMap({ configMapName: 'b', data: { HOST: 'y' } }, { prefix: 'DB_' }),
      ],
    }, [`${P} 'envFrom[1].DB_HOST' duplicates an env var already set by envFrom[0] (ConfigMap "a"), received "DB_HOST"`]],
    ['config keys that are not env var names', { config: { 'log level': 'info' } }, [
      `${P} 'config' must have keys that are valid env var names, received "log level"`,
    ]],
    ['literal secret-looking env vars', { env: { DB_PASSWORD: 'hunter2', JWT_SECRET: 's', GITHUB_TOKEN: 't', OPENAI_API_KEY: 'k' } }, [
      `${P} 'env.DB_PASSWORD' looks like a credential: use EnvValue.fromSecret() instead of a literal, received "<redacted>"`,
      `${P} 'env.JWT_SECRET' looks like a credential: use EnvValue.fromSecret() instead of a literal, received "<redacted>"`,
      `${P} 'env.GITHUB_TOKEN' looks like a credential: use EnvValue.fromSecret() instead of a literal, received "<redacted>"`,
      `${P} 'env.OPENAI_API_KEY' looks like a credential: use EnvValue.fromSecret() instead of a literal, received "<redacted>"`,
    ]],
    ['a credential in ConfigMap data', { config: { BETTER_AUTH_SECRET: 'x' } }, [
      `${P} 'config.BETTER_AUTH_SECRET' looks like a credential: a ConfigMap is plaintext, use a Secret, received "<redacted>"`,
    ]],
    ['bad envFrom names and prefix', { envFrom: [EnvFrom.secret('Bad_Name', { prefix: '1X' })] }, [
      `${P} 'envFrom[0].name' must be a Secret name (DNS-1123 subdomain), received "Bad_Name"`,
      `${P} 'envFrom[0].prefix' must be a valid env var name prefix, received "1X"`,
    ]],
    ['mutable image tag', { image: 'acme/auth' }, [
      `${P} 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received "acme/auth"`,
    ]],
    ['VPA acting beside an HPA', { autoscaling: { minReplicas: 2, maxReplicas: 4 }, verticalAutoscaling: { updateMode: 'Recreate', maxAllowed: { memory: 'lots' } } }, [
      `${P} 'verticalAutoscaling.updateMode' must be 'Off' together with autoscaling (the VPA and the HPA would both act on CPU and memory), received "Recreate"`,
      `${P} 'verticalAutoscaling.maxAllowed.memory' must be a Kubernetes quantity, received "lots"`,
    ]],
    ['a rollout that cannot progress', { maxSurge: 0, maxUnavailable: '0%' }, [
      `${P} 'maxUnavailable' must not be 0 when maxSurge is 0 (the rollout could never progress), received "0%"`,
    ]],
    ['malformed surge', { maxSurge: '150%', maxUnavailable: -1 }, [
      `${P} 'maxSurge' must be an integer >= 0 or a percentage such as '25%', received "150%"`,
      `${P} 'maxUnavailable' must be an integer >= 0 or a percentage such as '25%', received -1`,
    ]],
    ['progress deadline not above minReadySeconds', { minReadySeconds: 60, progressDeadlineSeconds: 60 }, [
      `${P} 'progressDeadlineSeconds' must be greater than minReadySeconds (60), received 60`,
    ]],
    ['preStop pause not shorter than the grace period', { terminationGracePeriodSeconds: 10, preStopSleepSeconds: 10 }, [
      `${P} 'preStopSleepSeconds' must be less than terminationGracePeriodSeconds (10), received 10`,
    ]],
    ['affinity timeout without ClientIP', { sessionAffinityTimeoutSeconds: 600 }, [
      `${P} 'sessionAffinityTimeoutSeconds' needs sessionAffinity 'ClientIP', received 600`,
    ]],
    ['affinity timeout out of range', { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 100000 }, [
      `${P} 'sessionAffinityTimeoutSeconds' must be an integer between 1 and 86400, received 100000`,
    ]],
    ['wildcard RBAC', { rbac: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }] }, [
      `${P} 'rbac[0].apiGroups' must not use '*' (grant only what the service needs), received ["*"]`,
      `${P} 'rbac[0].resources' must not use '*' (grant only what the service needs), received ["*"]`,
    ]],
    ['empty RBAC', { rbac: [] }, [`${P} 'rbac' must list at least one rule (leave it unset for no API access), received []`]],
    ['metrics on an unknown port', { metrics: { port: 'metrics', path: 'metrics', scraperNamespace: 'Mon', interval: '30 seconds', serviceMonitorLabels: { release: 'kube prometheus' } } }, [
      `${P} 'metrics.port' must name one of ports that is on the Service (http), or be a port number of its own, received "metrics"`,
      `${P} 'metrics.path' must start with '/', received "metrics"`,
      `${P} 'metrics.scraperNamespace' must be a namespace name (DNS-1123 label), received "Mon"`,
      `${P} 'metrics.serviceMonitorLabels.release' must be a label value (at most 63 characters, alphanumeric at both ends), received "kube prometheus"`,
      `${P} 'metrics.interval' must be a Prometheus duration such as 30s or 1m, received "30 seconds"`,
    ]],
    ['bad init containers', { initContainers: [{ name: 'auth', image: 'migrate:latest', resources: 'huge' as 'small' }, { name: 'Seed' }] }, [
      `${P} 'initContainers[0].name' must be unique among the pod's containers, received "auth"`,
      `${P} 'initContainers[0].image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received "migrate:latest"`,
      `${P} 'initContainers[0].resources' must be one of nano, micro, small, medium, large, xlarge, received "huge"`,
      `${P} 'initContainers[1].name' must be a DNS-1123 label, received "Seed"`,
    ]],
    ['the reserved init container name', { initContainers: [{ name: 'check-values' }] }, [
      `${P} 'initContainers[0].name' is reserved for the provided-values check berth adds, received "check-values"`,
    ]],
    ['init container credential literal', { initContainers: [{ name: 'migrate', env: { DB_PASSWORD: 'x' } }] }, [
      `${P} 'initContainers[0].env.DB_PASSWORD' looks like a credential: use EnvValue.fromSecret() instead of a literal, received "<redacted>"`,
    ]],
    ['bad writable paths and size', { writablePaths: ['var/cache', '/var-cache', '/var/cache'], writableSizeLimit: 'big' }, [
      `${P} 'writablePaths[0]' must be an absolute path other than /, received "var/cache"`,
      `${P} 'writablePaths[2]' maps to the same volume name as "/var-cache", received "/var/cache"`,
      `${P} 'writableSizeLimit' must be a Kubernetes quantity, received "big"`,
    ]],
    ['root UID', { runAs: { uid: 0, gid: 0 } }, [`${P} 'runAs.uid' must be an integer >= 1, received 0`]],
    ['bad labels, pull secrets and cluster domain', { component: '-api', imagePullSecrets: ['Ghcr'], clusterDomain: 'Cluster.Local' }, [
      `${P} 'component' must be a label value (at most 63 characters, alphanumeric at both ends), received "-api"`,
      `${P} 'imagePullSecrets[0]' must be a Secret name (DNS-1123 subdomain), received "Ghcr"`,
      `${P} 'clusterDomain' must be a DNS name, received "Cluster.Local"`,
    ]],
  ])('%s', (_case, props, expected) => {
    expect(problemsOf(props)).toEqual(expected);
  });

  test('every problem is reported at once, in one ValidationError, before any child is built', () => {
    const chart = namespacedChart();
    expect(() => new WebService(chart, 'auth', { image: 'acme/auth:latest', ports: [{ name: 'http', port: 0 }], replicas: 0 })).toThrow(new ValidationError([
      `${P} 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received "acme/auth:latest"`,
      `${P} 'ports[0].port' must be an integer between 1 and 65535, received 0`,
      `${P} 'replicas' must be an integer >= 1, received 0`,
    ]));
    expect(synth(chart)).toEqual([]);
  });
});

describe('WebService: what a 1.28 API server accepts', () => {
  test('with every feature on, the output passes the schema, the API-server rules and Pod Security restricted', () => {
    const chart = namespacedChart();
    new WebService(chart, 'auth', {
      ...BASE,
      ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }, { name: 'metrics', port: 9100 }],
      config: { LOG_LEVEL: 'info' },
      env: { DB_PASSWORD: EnvValue.fromSecret('db', 'password') },
      initContainers: [{ name: 'migrate', command: ['/app/migrate'] }],
      startupProbe: Probe.http('/healthz', { failureThreshold: 30 }),
      autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70, memoryUtilization: 80, behavior: { scaleUp: { stabilizationWindowSeconds: 30 } } },
      verticalAutoscaling: {},
      sessionAffinity: 'ClientIP',
      rbac: [{ resources: ['configmaps'], verbs: ['get'], resourceNames: ['flags'] }],
      metrics: { port: 'metrics', serviceMonitor: true },
      podAnnotations: { 'example.com/owner': 'team-a' },
      writablePaths: ['/var/cache/app'],
    });
    expect(chart).toBeValidKubernetes();
    expect(chart).toPassRestricted();
  });
});

describe('WebService: what runs', () => {
  test('an internal-only port is served by the pod and is on no Service, so nothing connects to it', () => {
    const { out, container, web } = build({ ports: [{ name: 'http', port: 8080 }, { name: 'debug', port: 9229, internalOnly: true }] });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'debug', containerPort: 9229, protocol: 'TCP' }]);
    expect(get(one(out, 'Service'), 'spec', 'ports').map((p: { name: string }) => p.name)).toEqual(['http']);
    expect(() => web.port('debug')).toThrow(ValidationError);
  });

  test('meshSidecar: sized proxy, a PERMISSIVE metrics port with an ALLOW rule for GET /metrics, a consistent hash for ClientIP', () => {
    const { out, deployment } = build({ meshSidecar: true, metrics: { port: 9100 }, sessionAffinity: 'ClientIP', podAnnotations: { 'proxy.istio.io/config': '{}' } });
    expect(get(deployment, 'spec', 'template', 'metadata', 'annotations')).toEqual({
      'proxy.istio.io/config': '{}',
      'sidecar.istio.io/proxyCPU': '50m',
      'sidecar.istio.io/proxyCPULimit': '500m',
      'sidecar.istio.io/proxyMemory': '64Mi',
      'sidecar.istio.io/proxyMemoryLimit': '256Mi',
    });
    const selector = { matchLabels: SELECTOR };
    expect(one(out, 'PeerAuthentication')).toEqual({
      apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { ...META, name: 'auth-metrics' },
      spec: { selector, portLevelMtls: { 9100: { mode: 'PERMISSIVE' } } },
    });
    expect(one(out, 'AuthorizationPolicy', 'auth-metrics').spec).toEqual({
      selector, action: 'ALLOW', rules: [{ to: [{ operation: { ports: ['9100'], methods: ['GET'], paths: ['/metrics'] } }] }],
    });
    // Its own policy admits its declared callers: here only the scraper's namespace, on the metrics port.
    expect(one(out, 'AuthorizationPolicy', 'auth').spec).toEqual({
      selector, action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { ports: ['9100'] } }] }],
    });
    expect(one(out, 'DestinationRule').spec).toEqual({
      host: 'auth.shop-dev.svc.cluster.local', trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } },
    });
  });

  test('memoryAtIdle and the pools of connection-limited stores are on the Deployment, not the pod template', () => {
    const chart = namespacedChart();
    // A connection-limited callee, as a postgres StatefulStore is.
    const store = { connections: new Connections({ 'app.kubernetes.io/name': 'db' }, [{ name: 'postgres', port: 5432, targetPort: 5432 }], 'db') };
    const web = new WebService(chart, 'auth', { ...BASE, memoryAtIdle: '96Mi' });
    web.connectTo(store);
    web.connectTo(store, { pool: 12 });
    expect(one(synth(chart), 'Deployment').metadata.annotations).toEqual({ 'berth.dev/connection-pools': 'db=12', 'berth.dev/memory-at-idle': '96Mi' });
  });

  test('bad input of the runtime props, all at once', () => {
    expect(problemsOf({
      ports: [{ name: 'http', port: 8080, internalOnly: true }, { name: 'metrics', port: 9090 }],
      metrics: { port: 9090 },
      memoryAtIdle: 'lots',
    })).toEqual([
      `${P} 'metrics.port' must differ from the ports' numbers and the name "metrics" (ports[1] is "metrics"), received 9090`,
      `${P} 'memoryAtIdle' must be a Kubernetes quantity such as 200Mi, received "lots"`,
      `${P} 'ports[0].internalOnly' must not be set on the first port: it is the service's url and default route, received true`,
    ]);
    expect(problemsOf({ meshSidecar: true, metrics: { port: 'http' } })).toEqual([
      `${P} 'metrics.port' must be a port of its own (a number) with meshSidecar: an mTLS exception for the scraper on an app port would open that port to plaintext, received "http"`,
    ]);
    const web = new WebService(namespacedChart(), 'auth', BASE);
    expect(() => web.connectTo(web, { pool: 0 })).toThrow(new ValidationError([`${P} 'connectTo.pool' must be an integer >= 1, received 0`]));
  });
});


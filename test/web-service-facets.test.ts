// The facets WebService is wired from (constructs/web-service/), each on its own: what it
// renders and what it reports. test/web-service.test.ts covers the service as a whole.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { checksum } from '../constructs/core/checksum';
import { Connections, Peer, workloadNetworkPolicy } from '../constructs/core/connections';
import { EnvValue } from '../constructs/core/env';
import { EnvFrom } from '../constructs/core/env-from';
import { Problems, ValidationError } from '../constructs/core/errors';
import { appLabels } from '../constructs/core/labels';
import { MESH_PROXY_RESOURCES } from '../constructs/core/mesh';
import { Probe } from '../constructs/core/probes';
import { checkInt } from '../constructs/web-service/common';
import { checkEnvSources, configChecksums, envSources, ownConfigMap } from '../constructs/web-service/config';
import { checkContainers, ContainerSettings, renderContainers } from '../constructs/web-service/container';
import { affinityDestinationRule, sidecarAnnotations } from '../constructs/web-service/mesh';
import { checkMetrics, dedicatedMetricsPort, resolveMetrics, serviceMonitor } from '../constructs/web-service/metrics';
import { checkPorts, checkSessionAffinity, clusterService, servedPorts } from '../constructs/web-service/network';
import { checkPeer } from '../constructs/core/prop-shapes';
import { allowApiServer, checkRbac, role, roleBinding } from '../constructs/web-service/rbac';
import { checkScaling, checkScalingIntent, horizontalAutoscaler, resolveScaling, verticalAutoscaler } from '../constructs/web-service/scaling';
import { Manifest } from '../synth/render';
import { CONTAINER_SECURITY, get, namespacedChart, one, synth } from './util';

const P = '[shop-dev/auth]';
const LABELS = {
  'app.kubernetes.io/name': 'auth',
  'app.kubernetes.io/instance': 'shop-dev',
  'app.kubernetes.io/component': 'api',
  'app.kubernetes.io/part-of': 'shop-dev',
  'app.kubernetes.io/managed-by': 'berth',
};
const SELECTOR = { 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'shop-dev' };
const META = { name: 'auth', labels: LABELS };
const RENDERED_META = { name: 'auth', namespace: 'shop-dev', labels: LABELS };
const HTTP = { name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' as const };

/** The scope a facet's objects go under, as a WebService is: `shop-dev/auth`. */
function scope(): Construct {
  return new Construct(namespacedChart(), 'auth');
}

/** The manifests of the chart `s` is in. */
function synthOf(s: Construct): Manifest[] {
  return synth(Chart.of(s));
}

/** Messages `fn` records on a fresh Problems of `shop-dev/auth`. */
function reported(fn: (problems: Problems) => unknown): readonly string[] {
  const problems = new Problems('shop-dev/auth');
  fn(problems);
  return problems.messages;
}

describe('web-service/container', () => {
  const SETTINGS: ContainerSettings = {
    name: 'auth',
    image: 'ghcr.io/acme/auth:1.2.3',
    pullPolicy: 'IfNotPresent',
    env: {},
    resources: 'small',
    initContainers: [],
    runAs: { uid: 10001, gid: 10001 },
    writablePaths: [],
    writableSizeLimit: '256Mi',
    healthPath: '/healthz',
    preStopSleepSeconds: 5,
  };
  const asJson = (containers: readonly k8s.Container[]) => containers.map((c) => k8s.toJson_Container(c));

  test('the service container: probes on the first port, the preStop pause, /tmp writable; no init containers', () => {
    const pod = renderContainers(SETTINGS, { ports: [{ name: 'http', port: 8080 }] }, [HTTP], undefined, []);
    expect({ containers: asJson(pod.containers), initContainers: pod.initContainers, volumes: pod.volumes.map((v) => k8s.toJson_Volume(v)) }).toEqual({
      containers: [{
        name: 'auth',
        image: 'ghcr.io/acme/auth:1.2.3',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        securityContext: CONTAINER_SECURITY,
        readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
        livenessProbe: { tcpSocket: { port: 'http' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
        lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      }],
      initContainers: [],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
    });
  });

  test('a gRPC first port, a metrics port of its own, env, envFrom, a startup probe and no preStop pause', () => {
    const grpc = { name: 'grpc', port: 9090, targetPort: 19090, protocol: 'TCP' as const };
    const metrics = { name: 'metrics', port: 9464, targetPort: 9464, protocol: 'TCP' as const };
    const pod = renderContainers(
      { ...SETTINGS, env: { LOG_LEVEL: 'info' }, preStopSleepSeconds: 0, writablePaths: ['/var/cache'], writableSizeLimit: '1Gi' },
      { ports: [{ name: 'grpc', port: 9090, targetPort: 19090 }], command: ['/app'], args: ['serve'], startupProbe: Probe.tcp() },
      [grpc], metrics, [EnvFrom.configMap('shared')],
    );
    const c = asJson(pod.containers)[0]!;
    expect({
      command: c.command, args: c.args, ports: c.ports, env: c.env, envFrom: c.envFrom, readinessProbe: c.readinessProbe,
      startupProbe: c.startupProbe, lifecycle: c.lifecycle, volumeMounts: c.volumeMounts, volumes: pod.volumes.map((v) => k8s.toJson_Volume(v)),
    }).toEqual({
      command: ['/app'],
      args: ['serve'],
      ports: [{ name: 'grpc', containerPort: 19090, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }],
      env: [{ name: 'LOG_LEVEL', value: 'info' }],
      envFrom: [{ configMapRef: { name: 'shared' } }],
      readinessProbe: { grpc: { port: 19090 }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
      startupProbe: { tcpSocket: { port: 'grpc' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 30 },
      lifecycle: undefined,
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'var-cache', mountPath: '/var/cache' }],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }, { name: 'var-cache', emptyDir: { sizeLimit: '1Gi' } }],
    });
  });

  test('init containers: the provided-values check first, then each with the inherited env, envFrom and resources', () => {
    const requirement = { secretName: 'auth-provided', key: 'api-key', hint: 'npm run secrets' };
    const pod = renderContainers(
      {
        ...SETTINGS,
        env: { MODE: 'api' },
        initContainers: [
          { name: 'migrate', command: ['/migrate'], env: { API_KEY: EnvValue.fromProvided('auth-provided', 'api-key', requirement) } },
          { name: 'warm', image: 'ghcr.io/acme/warm:2.0.0', inheritEnv: false, resources: 'nano' },
        ],
      },
      { ports: [{ name: 'http', port: 8080 }] }, [HTTP], undefined, [EnvFrom.secret('auth-env')],
    );
    const [check, migrate, warm] = asJson(pod.initContainers);
    expect([check?.name, migrate, warm]).toEqual([
      'check-values',
      {
        name: 'migrate',
        image: 'ghcr.io/acme/auth:1.2.3',
        imagePullPolicy: 'IfNotPresent',
        command: ['/migrate'],
        env: [{ name: 'MODE', value: 'api' }, { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'auth-provided', key: 'api-key', optional: true } } }],
        envFrom: [{ secretRef: { name: 'auth-env' } }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        securityContext: CONTAINER_SECURITY,
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
      {
        name: 'warm',
        image: 'ghcr.io/acme/warm:2.0.0',
        imagePullPolicy: 'IfNotPresent',
        resources: { requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        securityContext: CONTAINER_SECURITY,
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ]);
  });

  test('checkContainers reports the settings, then the probes, then liveness against readiness', () => {
    expect(reported((problems) => checkContainers(problems, {
      ...SETTINGS,
      initContainers: [{ name: 'auth' }],
      runAs: { uid: 0, gid: 10001 },
      writablePaths: ['/'],
      writableSizeLimit: 'lots',
      healthPath: 'healthz',
    }, {
      ports: [{ name: 'http', port: 8080 }],
      livenessProbe: Probe.http('healthz'),
      startupProbe: Probe.tcp({ port: 'admin' }),
    }, ['http'], false))).toEqual([
      `${P} 'initContainers[0].name' must be unique among the pod's containers, received "auth"`,
      `${P} 'runAs.uid' must be an integer >= 1, received 0`,
      `${P} 'writablePaths[0]' must be an absolute path other than /, received "/"`,
      `${P} 'writableSizeLimit' must be a Kubernetes quantity, received "lots"`,
      `${P} 'healthPath' must start with '/', received "healthz"`,
      `${P} 'livenessProbe.path' must start with '/', received "healthz"`,
      `${P} 'startupProbe.port' must name one of ports (http), received "admin"`,
      `${P} 'livenessProbe' must not be the readiness check (HTTP GET healthz), which may cover dependencies: use Probe.tcp() or an endpoint that checks only the process, received "HTTP GET healthz"`,
    ]);
  });
});

describe('web-service/config', () => {
  test('envSources: the own config first, then envFrom as given (not copied without config)', () => {
    const shared = [EnvFrom.configMap('shared'), EnvFrom.secret('auth-env')];
    const sources = envSources('auth', { A: '1' }, shared);
    expect(sources.map((s) => [s.kind, s.name, s.data])).toEqual([['ConfigMap', 'auth', { A: '1' }], ['ConfigMap', 'shared', undefined], ['Secret', 'auth-env', undefined]]);
    expect(envSources('auth', undefined, shared)).toBe(shared);
  });

  test('configChecksums: one annotation per ConfigMap whose data is known', () => {
    const data = { A: '1' };
    expect(configChecksums([EnvFrom.configMap({ configMapName: 'auth', data }), EnvFrom.configMap('shared'), EnvFrom.secret('auth-env')]))
      .toEqual({ 'checksum.berth.dev/auth': checksum(data) });
  });

  test('ownConfigMap: the ConfigMap <name> with the config as its data', () => {
    const s = scope();
    ownConfigMap(s, META, { A: '1', B: 'two' });
    expect(synthOf(s)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: RENDERED_META, data: { A: '1', B: 'two' } }]);
  });

  test('checkEnvSources: a var set by two sources names the first', () => {
    expect(reported((problems) => checkEnvSources(problems, { A: 'env' }, [EnvFrom.configMap({ configMapName: 'shared', data: { A: 'shared' } })], { A: 'own' }))).toEqual([
      `${P} 'envFrom[0].A' duplicates an env var already set by config, received "A"`,
      `${P} 'env.A' duplicates an env var already set by config, received "A"`,
    ]);
  });
});

describe('web-service/network', () => {
  test('servedPorts: the container port and protocol filled in', () => {
    expect(servedPorts([{ name: 'http', port: 80, targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP', internalOnly: true }])).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ]);
  });

  test('clusterService: the ports by container port name, a metrics port of its own last, ClientIP affinity', () => {
    const s = scope();
    const service = clusterService(s, META, SELECTOR, [HTTP], { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }, { timeoutSeconds: 600 });
    expect(one(synthOf(s), 'Service')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: RENDERED_META,
      spec: {
        type: 'ClusterIP',
        selector: SELECTOR,
        ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      },
    });
    expect(service.node.id).toBe('service');
  });

  test('checkPorts and checkSessionAffinity: duplicates per protocol, a timeout without ClientIP', () => {
    expect(reported((problems) => {
      checkPorts(problems, [{ name: 'http', port: 8080 }, { name: 'http', port: 8080 }, { name: 'dns', port: 8080, protocol: 'UDP' }]);
      checkSessionAffinity(problems, 'None', 0, 0);
    })).toEqual([
      `${P} 'ports[1].name' duplicates ports[0].name, received "http"`,
      `${P} 'ports[1].port' duplicates ports[0].port, received 8080`,
      `${P} 'sessionAffinityTimeoutSeconds' needs sessionAffinity 'ClientIP', received 0`,
      `${P} 'sessionAffinityTimeoutSeconds' must be an integer between 1 and 86400, received 0`,
    ]);
  });

  test("checkPeer throws for a CIDR the API server would refuse, naming the method's argument", () => {
    expect(() => checkPeer(scope(), 'allowTo', Peer.cidr('10.0.0.0/33'), [HTTP]))
      .toThrow(new ValidationError([`${P} 'allowTo(peer).cidr' must have a prefix length from 0 to 32, received "10.0.0.0/33"`]));
  });
});

describe('web-service/scaling', () => {
  const INTENT = { min: 2, max: 9, cpu: 70 };

  test('resolveScaling: fixed replicas where the environment does not autoscale, else an HPA with its maximum divided', () => {
    expect([
      resolveScaling(INTENT, { autoscaling: false, replicas: 1, maxReplicasDivisor: 1 }),
      resolveScaling({ ...INTENT, fixed: 3 }, { autoscaling: false, replicas: 1, maxReplicasDivisor: 1 }),
      resolveScaling(INTENT, { autoscaling: true, replicas: 1, maxReplicasDivisor: 4 }),
      resolveScaling({ min: 2, max: 3 }, { autoscaling: true, replicas: 1, maxReplicasDivisor: 4 }),
      resolveScaling({ ...INTENT, memory: 80 }, undefined),
    ]).toEqual([
      { replicas: 1 },
      { replicas: 3 },
      { autoscaling: { minReplicas: 2, maxReplicas: 3, cpuUtilization: 70 } },
      { autoscaling: { minReplicas: 2, maxReplicas: 2 } },
      { autoscaling: { minReplicas: 2, maxReplicas: 9, cpuUtilization: 70, memoryUtilization: 80 } },
    ]);
  });

  test('horizontalAutoscaler: CPU at 80 % by default, memory when asked, the behavior as given', () => {
    const s = scope();
    horizontalAutoscaler(s, META, {
      minReplicas: 2, maxReplicas: 6, memoryUtilization: 75,
      behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }], selectPolicy: 'Min' } },
    });
    expect(one(synthOf(s), 'HorizontalPodAutoscaler').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    });
    const t = scope();
    horizontalAutoscaler(t, META, { minReplicas: 1, maxReplicas: 3 });
    expect(get(one(synthOf(t), 'HorizontalPodAutoscaler'), 'spec', 'metrics'))
      .toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  test('verticalAutoscaler: Off unless told, bounds only for the resources given', () => {
    const s = scope();
    verticalAutoscaler(s, META, { minAllowed: { cpu: '50m' }, maxAllowed: { cpu: '2', memory: '2Gi' } });
    expect(one(synthOf(s), 'VerticalPodAutoscaler')).toEqual({
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: RENDERED_META,
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth' },
        updatePolicy: { updateMode: 'Off' },
        resourcePolicy: { containerPolicies: [{ containerName: 'auth', minAllowed: { cpu: '50m' }, maxAllowed: { cpu: '2', memory: '2Gi' } }] },
      },
    });
  });

  test('checkScalingIntent and checkScaling: the intent beside replicas, the VPA acting with the HPA', () => {
    expect(reported((problems) => {
      expect(checkScalingIntent(problems, { min: 3, max: 2 })).toBe(false);
      checkScaling(problems, { scaling: INTENT, replicas: 2 }, 2, { minReplicas: 2, maxReplicas: 4 }, { updateMode: 'Recreate' });
    })).toEqual([
      `${P} 'scaling.min' must not exceed scaling.max (2): the fewest pods can't be more than the most, received 3`,
      `${P} 'scaling' must not be set together with replicas or autoscaling (scaling is the intent; those say exactly what to render), received {"replicas":2}`,
      `${P} 'replicas' must not be set together with autoscaling (the HPA owns the replica count: use autoscaling.minReplicas), received 2`,
      `${P} 'verticalAutoscaling.updateMode' must be 'Off' together with autoscaling (the VPA and the HPA would both act on CPU and memory), received "Recreate"`,
    ]);
  });
});

describe('web-service/metrics', () => {
  test("resolveMetrics: the props', else the platform policy's, else 9090, /metrics, monitoring and no ServiceMonitor", () => {
    expect([
      resolveMetrics({}, {}),
      resolveMetrics({ interval: '30s' }, { metrics: { scraperNamespace: 'prometheus', serviceMonitor: true } }),
      resolveMetrics({ port: 'http', path: '/stats', scraperNamespace: 'obs', serviceMonitor: false }, { metrics: { scraperNamespace: 'prometheus', serviceMonitor: true } }),
    ]).toEqual([
      { port: 9090, path: '/metrics', scraperNamespace: 'monitoring', serviceMonitor: false },
      { interval: '30s', port: 9090, path: '/metrics', scraperNamespace: 'prometheus', serviceMonitor: true },
      { port: 'http', path: '/stats', scraperNamespace: 'obs', serviceMonitor: false },
    ]);
  });

  test('dedicatedMetricsPort: a port number of its own is the port `metrics`; a name is none', () => {
    expect([dedicatedMetricsPort(resolveMetrics({ port: 9464 }, {})), dedicatedMetricsPort(resolveMetrics({ port: 'http' }, {}))])
      .toEqual([{ name: 'metrics', port: 9464, targetPort: 9464, protocol: 'TCP' }, undefined]);
  });

  test("serviceMonitor: the Service's metrics port and path, the extra labels, the interval", () => {
    const s = scope();
    serviceMonitor(s, 'auth', appLabels(s, { name: 'auth', component: 'api' }), resolveMetrics({ serviceMonitorLabels: { release: 'kube-prometheus' }, interval: '15s' }, {}), 'metrics');
    expect(one(synthOf(s), 'ServiceMonitor')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { ...RENDERED_META, labels: { ...LABELS, release: 'kube-prometheus' } },
      spec: { selector: { matchLabels: SELECTOR }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }] },
    });
  });

  test('checkMetrics: a named port in the mesh, a bad path, namespace and interval', () => {
    expect(reported((problems) => checkMetrics(
      problems, resolveMetrics({ port: 'http', path: 'metrics', scraperNamespace: 'Monitoring', interval: '30 s' }, {}), [{ name: 'http', port: 8080 }], ['http'], true,
    ))).toEqual([
      `${P} 'metrics.port' must be a port of its own (a number) with meshSidecar: an mTLS exception for the scraper on an app port would open that port to plaintext, received "http"`,
      `${P} 'metrics.path' must start with '/', received "metrics"`,
      `${P} 'metrics.scraperNamespace' must be a namespace name (DNS-1123 label), received "Monitoring"`,
      `${P} 'metrics.interval' must be a Prometheus duration such as 30s or 1m, received "30 s"`,
    ]);
  });
});

describe('web-service/mesh', () => {
  test('sidecarAnnotations: the proxy sized like every berth sidecar, draining 5 s short of the grace period (at least 5 s)', () => {
    expect([sidecarAnnotations(30), sidecarAnnotations(8)]).toEqual([
      { ...MESH_PROXY_RESOURCES, 'proxy.istio.io/config': '{"terminationDrainDuration":"25s"}' },
      { ...MESH_PROXY_RESOURCES, 'proxy.istio.io/config': '{"terminationDrainDuration":"5s"}' },
    ]);
  });

  test("affinityDestinationRule: a consistent hash on the source IP in the host's DestinationRule", () => {
    const s = scope();
    affinityDestinationRule(s, { serviceName: 'auth', host: 'auth.shop-dev.svc.cluster.local' }, LABELS);
    expect(one(synthOf(s), 'DestinationRule')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: RENDERED_META,
      spec: { host: 'auth.shop-dev.svc.cluster.local', trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } },
    });
  });
});

describe('web-service/rbac', () => {
  test('role and roleBinding: the rules with the core group by default, bound to the ServiceAccount <name>', () => {
    const s = scope();
    role(s, META, [{ resources: ['configmaps'], verbs: ['get'], resourceNames: ['flags'] }, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }]);
    roleBinding(s, META, 'shop-dev');
    expect(synthOf(s)).toEqual([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: RENDERED_META,
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['flags'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: RENDERED_META,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'auth' },
        subjects: [{ kind: 'ServiceAccount', name: 'auth', namespace: 'shop-dev' }],
      },
    ]);
  });

  test("allowApiServer: egress to the policy's API server address and port", () => {
    const s = scope();
    const connections = new Connections(SELECTOR, [HTTP]);
    allowApiServer(connections, { cidr: '10.96.0.1/32', port: 6443 });
    workloadNetworkPolicy(s, 'network-policy', { ...META, connections });
    expect(get(one(synthOf(s), 'NetworkPolicy'), 'spec', 'egress')).toEqual([{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] }]);
  });

  test('checkRbac: no rules is no API access, said by leaving rbac unset', () => {
    expect(reported((problems) => checkRbac(problems, []))).toEqual([`${P} 'rbac' must list at least one rule (leave it unset for no API access), received []`]);
  });
});

describe('web-service/common', () => {
  test('checkInt: an integer at least min, at most max when there is one', () => {
    expect(reported((problems) => {
      expect([checkInt(problems, 'a', 1.5, 1), checkInt(problems, 'b', 0, 1, 9), checkInt(problems, 'c', 9, 1, 9)]).toEqual([false, false, true]);
    })).toEqual([`${P} 'a' must be an integer >= 1, received 1.5`, `${P} 'b' must be an integer between 1 and 9, received 0`]);
  });
});

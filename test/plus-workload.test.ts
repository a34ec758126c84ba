import { ApiObject, Chart, Cron, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { MigrationJob, NamespaceBaseline, Peer, StatefulStore, WebService } from '../constructs';
import { isPlusWorkload, PlusWorkload } from '../constructs/plus-workload';
import { formatFinding } from '../synth/finding';
import { findingsOf } from '../synth/testing';
import { canonicalValidator, podSecurityValidator, safetyNet } from '../synth/validate';
import { Manifest } from '../synth/render';
import { get, namespacedChart, one, problemsOf, synth } from './util';

/** What cdk8s-plus leaves out and berth's bar needs, in cdk8s-plus's own props. */
const RESTRICTED: kplus.ContainerSecurityContextProps = {
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  capabilities: { drop: [kplus.Capability.ALL] },
};

interface Stack {
  readonly chart: Chart;
  readonly api: WebService;
  readonly db: StatefulStore;
  readonly worker: kplus.Deployment;
  readonly job: kplus.Job;
  readonly cron: kplus.CronJob;
}

/**
 * What berth's hardening also asks of every pod (synth/validate/hardening.ts), in cdk8s-plus's
 * own props: a ServiceAccount of its own, and ephemeral storage on every container.
 */
const HARDENED = (chart: Chart, name: string): Partial<kplus.DeploymentProps> => ({
  serviceAccount: new kplus.ServiceAccount(chart, `${name}-sa`, { metadata: { name }, automountToken: false }),
});
const DISK: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
  // cdk8s-plus writes ephemeral storage in whole gibibytes only.
  ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
};

/** A berth chart with a service and a store, and a cdk8s-plus Deployment, Job and CronJob beside them. */
function stack(security?: kplus.ContainerSecurityContextProps, replicas?: number, hardened = false): Stack {
  const chart = namespacedChart();
  new NamespaceBaseline(chart, 'baseline', {});
  const api = new WebService(chart, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }] });
  const db = new StatefulStore(chart, 'postgres', {
    engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true, postgres: { database: 'shop', username: 'shop' },
  });
  const container = (image: string, more: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
    image, ...(security ? { securityContext: security } : {}), ...(hardened ? { resources: DISK } : {}), ...more,
  });
  const own = (name: string) => (hardened ? HARDENED(chart, name) : {});
  const worker = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, ...own('worker'), ...(replicas !== undefined ? { replicas } : {}), containers: [container('ghcr.io/acme/worker:2.1.0', { portNumber: 9000 })] });
  const job = new kplus.Job(chart, 'job', { metadata: { name: 'reindex' }, ...own('reindex'), containers: [container('ghcr.io/acme/reindex:1.0.0')] });
  const cron = new kplus.CronJob(chart, 'cron', { metadata: { name: 'report' }, ...own('report'), schedule: Cron.daily(), containers: [container('ghcr.io/acme/report:3.0.0')] });
  return { chart, api, db, worker, job, cron };
}

const WORKER_ADDR = { 'cdk8s.io/metadata.addr': 'shop-dev-worker-c8904705' };
const JOB_ADDR = { 'cdk8s.io/metadata.addr': 'shop-dev-job-c872b1f0' };
const API_PODS = { 'app.kubernetes.io/instance': 'shop-dev', 'app.kubernetes.io/name': 'api' };
const POSTGRES_PODS = { 'app.kubernetes.io/instance': 'shop-dev', 'app.kubernetes.io/name': 'postgres' };
/** berth's labels; the version only on the workload and its pods. */
const labelsOf = (name: string, component: string, version?: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': 'shop-dev',
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': 'shop-dev',
  'app.kubernetes.io/managed-by': 'berth',
  ...(version !== undefined ? { 'app.kubernetes.io/version': version } : {}),
});
const policy = (out: Manifest[], name: string) => one(out, 'NetworkPolicy', name);

describe('PlusWorkload: cdk8s-plus workloads next to berth constructs', () => {
  test('connectTo wires a berth service to a cdk8s-plus Deployment and the Deployment to a store, at both ends', () => {
    const { chart, api, db, worker } = stack();
    api.connectTo(worker);
    PlusWorkload.of(worker).connectTo(db);
    const out = synth(chart);
    expect(policy(out, 'worker')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'worker', namespace: 'shop-dev', labels: labelsOf('worker', 'worker') },
      spec: {
        podSelector: { matchLabels: WORKER_ADDR },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: API_PODS } }], ports: [{ port: 9000, protocol: 'TCP' }] }],
        egress: [{ to: [{ podSelector: { matchLabels: POSTGRES_PODS } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
      },
    });
    expect(get(policy(out, 'api'), 'spec', 'egress')).toEqual([{ to: [{ podSelector: { matchLabels: WORKER_ADDR } }], ports: [{ port: 9000, protocol: 'TCP' }] }]);
    expect(get(policy(out, 'postgres'), 'spec', 'ingress')).toEqual([{ from: [{ podSelector: { matchLabels: WORKER_ADDR } }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
  });

  test('a cdk8s-plus Job calls a berth service: egress on the Job, ingress on the service', () => {
    const { chart, api, job } = stack();
    PlusWorkload.of(job).connectTo(api);
    const out = synth(chart);
    expect(get(policy(out, 'reindex'), 'spec')).toEqual({
      podSelector: { matchLabels: JOB_ADDR },
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: API_PODS } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    });
    expect(get(policy(out, 'api'), 'spec', 'ingress')).toEqual([{ from: [{ podSelector: { matchLabels: JOB_ADDR } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  test('the workload and its pods get berth\'s labels; the selector stays cdk8s-plus\'s', () => {
    const { chart, worker, cron } = stack();
    PlusWorkload.of(worker);
    PlusWorkload.of(cron);
    const out = synth(chart);
    const deployment = one(out, 'Deployment', 'worker');
    expect(deployment.metadata.labels).toEqual(labelsOf('worker', 'worker', '2.1.0'));
    expect(get(deployment, 'spec', 'template', 'metadata', 'labels')).toEqual({ ...labelsOf('worker', 'worker', '2.1.0'), ...WORKER_ADDR });
    expect(get(deployment, 'spec', 'selector')).toEqual({ matchLabels: WORKER_ADDR });
    expect(one(out, 'CronJob', 'report').metadata.labels).toEqual(labelsOf('report', 'job', '3.0.0'));
  });

  test('the workload and what cdk8s-plus puts under it render as the API server stores them', () => {
    const { chart, worker } = stack();
    PlusWorkload.of(worker);
    worker.exposeViaService({ name: 'worker' });
    const out = synth(chart);
    const container = get(one(out, 'Deployment', 'worker'), 'spec', 'template', 'spec', 'containers', 0);
    expect([container.resources, container.ports]).toEqual([
      { limits: { cpu: '1500m', memory: '2Gi' }, requests: { cpu: '1', memory: '512Mi' } }, // cdk8s-plus writes 2048Mi and 1000m
      [{ containerPort: 9000, protocol: 'TCP' }],
    ]);
    expect(Object.keys(get(one(out, 'Service', 'worker'), 'spec'))).not.toContain('externalIPs'); // cdk8s-plus writes []
    // The Job and the CronJob, not adopted here, are refused in cdk8s-plus's form.
    expect([...new Set(findingsOf(chart, [canonicalValidator()]).map((f) => `${f.kind}/${f.name}`))]).toEqual(['Job/reindex', 'CronJob/report']);
  });

  test('component: job for a Job or CronJob, worker otherwise, or as given', () => {
    const { worker, job, cron } = stack();
    const component = (w: PlusWorkload) => w.apiObject.metadata.getLabel('app.kubernetes.io/component');
    expect([component(PlusWorkload.of(worker)), component(PlusWorkload.of(job)), component(PlusWorkload.of(cron))]).toEqual(['worker', 'job', 'job']);
    const other = new kplus.StatefulSet(namespacedChart(), 'queue', { containers: [{ image: 'nats:2.10.0', portNumber: 4222 }] });
    expect(component(PlusWorkload.of(other, { component: 'messaging' }))).toEqual('messaging');
  });

  test('one view per workload: the first call makes it, later ones return it', () => {
    const { worker } = stack();
    const first = PlusWorkload.of(worker, { component: 'consumer' });
    expect(PlusWorkload.of(worker)).toBe(first);
    expect(first.apiObject).toBe(ApiObject.of(worker));
    expect(first.name).toEqual('worker');
  });

  test('pools to a connection-limited store: 5 per pod for a Deployment, 1 for a Job, or as given', () => {
    const { chart, db, worker, job, cron } = stack();
    PlusWorkload.of(worker).connectTo(db);
    PlusWorkload.of(job).connectTo(db);
    PlusWorkload.of(cron).connectTo(db, { pool: 3 });
    const out = synth(chart);
    const pools = (kind: string, name: string) => one(out, kind, name).metadata.annotations?.['berth.dev/connection-pools'];
    expect([pools('Deployment', 'worker'), pools('Job', 'reindex'), pools('CronJob', 'report')]).toEqual(['postgres=5', 'postgres=1', 'postgres=3']);
  });

  test('a cdk8s-plus workload goes where berth takes a workload (a MigrationJob\'s connectTo)', () => {
    const { chart, worker } = stack();
    new MigrationJob(chart, 'migrate', { image: 'ghcr.io/acme/migrate:1.0.0', command: ['migrate'], connectTo: [PlusWorkload.of(worker)] });
    expect(get(policy(synth(chart), 'worker'), 'spec', 'ingress')).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'shop-dev', 'app.kubernetes.io/name': 'migrate' } } }], ports: [{ port: 9000, protocol: 'TCP' }] },
    ]);
  });

  test('named and UDP container ports keep their names and protocol', () => {
    const chart = namespacedChart();
    const dns = new kplus.Deployment(chart, 'dns', { containers: [{ image: 'coredns/coredns:1.11.1', ports: [{ number: 5353, name: 'dns', protocol: kplus.Protocol.UDP }, { number: 9153 }] }] });
    expect(PlusWorkload.of(dns).connections.ports).toEqual([
      { name: 'dns', port: 5353, targetPort: 5353, protocol: 'UDP' },
      { name: 'port-9153', port: 9153, targetPort: 9153 },
    ]);
  });

  test('allowTo an address range outside berth: an egress rule on the workload\'s policy', () => {
    const { chart, worker } = stack();
    PlusWorkload.of(worker).allowTo(Peer.cidr('10.20.0.0/16'), [{ name: 'https', port: 443, targetPort: 443 }]);
    expect(get(policy(synth(chart), 'worker'), 'spec', 'egress')).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 443, protocol: 'TCP' }] }]);
  });

  test('isPlusWorkload: cdk8s-plus workloads only', () => {
    const { api, worker, job } = stack();
    const service = new kplus.Service(namespacedChart('other'), 'svc', { ports: [{ port: 80 }] });
    expect([isPlusWorkload(worker), isPlusWorkload(job), isPlusWorkload(api), isPlusWorkload(service), isPlusWorkload({})]).toEqual([true, true, false, false, false]);
  });
});

describe('PlusWorkload: the safety net', () => {
  test('cdk8s-plus\'s defaults fall short of restricted: each container is refused with the construct path and the fix in cdk8s-plus\'s API', () => {
    const { chart, worker } = stack();
    PlusWorkload.of(worker);
    const c0 = 'spec.template.spec.containers[0].securityContext';
    expect(findingsOf(chart, [podSecurityValidator()]).filter((f) => f.name === 'worker').map(formatFinding)).toEqual([
      `test/shop-dev Deployment/worker [shop-dev/worker/Resource] ${c0}.seccompProfile.type: must be RuntimeDefault or Localhost here or in the pod's securityContext, received undefined (Pod Security Standards restricted) (hint: cdk8s-plus sets no seccomp profile: give container "main" securityContext: { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } })`,
      `test/shop-dev Deployment/worker [shop-dev/worker/Resource] ${c0}.capabilities.drop: must include ALL, received undefined (Pod Security Standards restricted) (hint: cdk8s-plus drops no capabilities: give container "main" securityContext: { capabilities: { drop: [kplus.Capability.ALL] } })`,
    ]);
  });

  test('a CronJob\'s pods are checked too, at their own path', () => {
    const { chart } = stack();
    expect(findingsOf(chart, [podSecurityValidator()]).filter((f) => f.kind === 'CronJob').map((f) => `${f.constructPath} ${f.field}`)).toEqual([
      'shop-dev/cron/Resource spec.jobTemplate.spec.template.spec.containers[0].securityContext.seccompProfile.type',
      'shop-dev/cron/Resource spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.drop',
    ]);
  });

  test('with the two settings (and, for the hardening, a ServiceAccount and ephemeral storage each), cdk8s-plus workloads wired to berth pass every check', () => {
    const { chart, api, db, worker, job, cron } = stack(RESTRICTED, undefined, true);
    api.connectTo(worker);
    PlusWorkload.of(worker).connectTo(db);
    PlusWorkload.of(job).connectTo(api);
    PlusWorkload.of(cron).connectTo(db);
    expect(chart).toPassSafetyNet({ plaintextSecretEnvs: ['test'] });
  });

  test('the namespace baseline holds for them: a cdk8s-plus Service nobody connects to is a dead port', () => {
    const { chart, api, worker } = stack(RESTRICTED, undefined, true);
    worker.exposeViaService({ name: 'worker' });
    PlusWorkload.of(worker);
    const net = safetyNet({ plaintextSecretEnvs: ['test'], mutableTagEnvs: [] });
    const workerLines = () => findingsOf(chart, net).filter((f) => f.name === 'worker').map(formatFinding);
    expect(workerLines()).toEqual([
      'test/shop-dev Service/worker [shop-dev/worker/workerService/Resource] spec.ports[0]: exposes 9000 (pod port 9000) of Deployment/worker, but no NetworkPolicy admits anyone on it and no route reaches it: the port is dead (hint: connectTo() it from its callers, route it through the gateway, or mark it internalOnly so it is not on the Service)',
    ]);
    api.connectTo(worker);
    expect(workerLines()).toEqual([]);
  });

  test('the connection budget counts a cdk8s-plus Deployment\'s peak pods', () => {
    const { chart, db, worker } = stack(RESTRICTED, 10);
    PlusWorkload.of(worker).connectTo(db, { pool: 20 });
    expect(findingsOf(chart, safetyNet({ plaintextSecretEnvs: ['test'], mutableTagEnvs: [] })).filter((f) => f.kind === 'ConfigMap').map((f) => f.message)).toEqual([
      'allows 97 connections (max_connections 100 less 3 reserved = 97), but its clients may open 260 at their peak: Deployment/worker 20 × 13 (10 replicas + 3 surge) = 260',
    ]);
  });
});

describe('PlusWorkload: bad input', () => {
  test('connectTo a workload that serves no port is refused: an empty port list would open every port', () => {
    const { api, job } = stack();
    expect(problemsOf(() => api.connectTo(job))).toEqual([
      "[shop-dev/api] 'connectTo(other)' has no port to connect to: give one of its containers a port (portNumber or ports), or pass the ports, received <Job shop-dev/job>",
    ]);
  });

  test('PlusWorkload.of refuses anything but a cdk8s-plus workload', () => {
    const { api } = stack();
    const service = new kplus.Service(namespacedChart('other'), 'svc', { ports: [{ port: 80 }] });
    expect(problemsOf(() => PlusWorkload.of(api as never))).toEqual([
      "[PlusWorkload] 'PlusWorkload.of(workload)' must be a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob, received <WebService shop-dev/api>",
    ]);
    expect(problemsOf(() => PlusWorkload.of(service as never))).toEqual([
      "[PlusWorkload] 'PlusWorkload.of(workload)' must be a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob, received <Service other/svc>",
    ]);
  });

  test('a malformed peer or pool is refused as for a WebService', () => {
    const { db, worker } = stack();
    expect(problemsOf(() => PlusWorkload.of(worker).allowFrom(Peer.cidr('10.0.0.5/24')))).toEqual([
      "[shop-dev/worker] 'allowFrom(peer).cidr' must have no bits set after the prefix (did you mean 10.0.0.0/24?), received \"10.0.0.5/24\"",
    ]);
    expect(problemsOf(() => PlusWorkload.of(worker).connectTo(db, { pool: 0 }))).toEqual(["[shop-dev/worker] 'connectTo.pool' must be an integer >= 1, received 0"]);
  });

  test('an SCTP port is refused', () => {
    const w = new kplus.Deployment(namespacedChart(), 'sig', { containers: [{ image: 'ghcr.io/acme/sig:1.0.0', ports: [{ number: 2905, protocol: kplus.Protocol.SCTP }] }] });
    expect(problemsOf(() => PlusWorkload.of(w))).toEqual([
      "[shop-dev/sig] 'containers[0].ports[0].protocol' must be TCP or UDP for berth's NetworkPolicies, received \"SCTP\"",
    ]);
  });

  test('WebService.connectTo names both kinds of workload it takes', () => {
    const { api } = stack();
    expect(problemsOf(() => api.connectTo({ host: 'db.example.com' } as never))).toEqual([
      "[shop-dev/api] 'connectTo(other)' must be a berth workload (a WebService, a StatefulStore, …) or a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob, received {\"host\":\"db.example.com\"}",
    ]);
  });
});

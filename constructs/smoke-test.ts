import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { Connections, workloadNetworkPolicy } from './core/connections';
import { Problems } from './core/errors';
import { platformPolicy, priorityClassOf, pullPolicyOf } from './core/policy';
import { checkImage, formatImage, Image, imageVersion, parseImage } from './core/image';
import { appLabels } from './core/labels';
import { isDns1123Label } from './core/names';
import { IMAGE, RESOURCES, ROUTABLE } from './core/prop-shapes';
import { arrayOf, bool, checkProps, num, object, opt, propsOf, req, str } from './core/props';
import { IRoutable } from './core/routable';
import { checkResources, Resources, resolveResources, toK8sResources } from './core/resources';
import { contentName, hookAnnotations, MAX_JOB_BASE_NAME } from './core/job-name';
import { meshPrincipal } from './core/mesh';
import { jobPodTemplate, serviceAccount } from './core/workload';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

/** One endpoint the smoke test calls. */
export interface SmokeTarget {
  /** The service to call through cluster DNS. */
  readonly service: IRoutable;
  /** One of its port names. */
  readonly port: string;
  /** An HTTP path that answers 2xx when healthy, such as `/healthz`. */
  readonly path: string;
}

export interface SmokeTestProps {
  /**
   * The Job's base name: its labels, its NetworkPolicy and, with `contentName`, the start of
   * its name.
   * @default 'smoke-test'
   */
  readonly name?: string;
  /**
   * Name the Job `<name>-<hash of its spec>`, so a changed test (other targets, another
   * image) is a new object: its pod template is immutable, and `kubectl apply` and Flux would
   * refuse to change it in place. Turn it off only if something needs the bare name; then
   * delete the old Job before applying a changed one.
   * @default true
   */
  readonly contentName?: boolean;
  /** What to check, in order. */
  readonly targets: readonly SmokeTarget[];
  /**
   * An image with `curl` and `sh` that runs as a non-root user.
   * @default 'curlimages/curl:8.10.1'
   */
  readonly image?: Image;
  /**
   * Accept `latest` and untagged images.
   * @default - the chart's platform policy (a berth chart: the environment's setting), else false
   */
  readonly allowMutableImageTags?: boolean;
  /**
   * Attempts per target, 5 s apart, before the test fails.
   * @default 12
   */
  readonly attempts?: number;
  /**
   * @default 'nano'
   */
  readonly resources?: Resources;
  /**
   * The pod gets an Istio sidecar (its namespace is in the mesh): the test waits for the
   * proxy to start and, pass or fail, tells it to exit (with `curl`), or the Job never ends.
   * @default - the chart's platform policy (a berth chart: whether the stack is in the mesh), else false
   */
  readonly meshSidecar?: boolean;
}

/** UID of the `curl_user` in curlimages/curl. */
const CURL_UID = 100;

/**
 * A post-deploy check, like `helm test`: a Job that calls each target's health endpoint
 * through cluster DNS and fails if any stays unhealthy. It runs as an Argo CD PostSync
 * hook (recreated on every sync, deleted once it passes); under `kubectl apply` and Flux it
 * is an ordinary Job in the last wave, named after its content, so it runs once per version
 * of its spec and stays (no TTL, which would make the next apply run it again). Its own
 * NetworkPolicy lets it reach the targets and nothing else.
 */
export class SmokeTest extends Construct {
  public readonly job: k8s.KubeJob;
  /** The Job's name: `<name>-<hash>`, or `name` without `contentName`. */
  public readonly jobName: string;
  public readonly connections: Connections;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The job's own identity, `<name>`, without an API token: never the namespace's `default`. */
  public readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    checkProps(new Problems(this), SMOKE_TEST_PROPS, props);
    const name = props.name ?? 'smoke-test';
    const contentNamed = props.contentName ?? true;
    const image = props.image ?? 'curlimages/curl:8.10.1';
    const attempts = props.attempts ?? 12;
    const resources = props.resources ?? 'nano';
    const policy = platformPolicy(this);
    const meshSidecar = props.meshSidecar ?? policy.meshSidecar ?? false;
    const allowMutableImageTags = props.allowMutableImageTags ?? policy.images?.allowMutableTags ?? false;

    const problems = new Problems(this);
    const maxName = contentNamed ? MAX_JOB_BASE_NAME : 63;
    problems.check(isDns1123Label(name) && name.length <= maxName, 'name',
      `must be a DNS-1123 label (lowercase alphanumerics and -) of at most ${maxName} characters${contentNamed ? ' (the content suffix takes 11 more)' : ''}`, name);
    problems.check(props.targets.length > 0, 'targets', 'must name at least one service', props.targets.length);
    props.targets.forEach((t, i) => {
      problems.check(t.path.startsWith('/'), `targets[${i}].path`, "must start with '/'", t.path);
      problems.check(t.service.connections.ports.some((p) => p.name === t.port), `targets[${i}].port`,
        `must name a port of service '${t.service.serviceName}' (${t.service.connections.ports.map((p) => p.name).join(', ')})`, t.port);
    });
    problems.check(Number.isInteger(attempts) && attempts >= 1, 'attempts', 'must be an integer >= 1', attempts);
    checkImage(problems, 'image', image, allowMutableImageTags);
    checkResources(problems, 'resources', resources);
    problems.throwIfAny();

    const labels = appLabels(this, { name, component: 'test', version: imageVersion(image) });
    const namespace = Chart.of(this).namespace ?? 'default';
    this.serviceAccount = serviceAccount(this, 'service-account', { name, labels: labels.all, automountToken: false });
    this.connections = new Connections(labels.selector, [], undefined, meshPrincipal(namespace, name));
    const urls = props.targets.map((t) => {
      const port = t.service.connections.ports.find((p) => p.name === t.port)!;
      this.connections.connectTo(t.service, [port]);
      return `http://${t.service.host}:${port.port}${t.path}`;
    });
    // Each URL gets `attempts` tries; the script exits non-zero on the first that never answers.
    const script = [
      'set -eu',
      `for url in ${urls.join(' ')}; do`,
      `  n=0; until curl -fsS -o /dev/null --max-time 5 "$url"; do n=$((n+1)); [ "$n" -ge ${attempts} ] && { echo "FAIL $url"; exit 1; }; sleep 5; done`,
      '  echo "ok $url"',
      'done',
    ].join('\n');
    const runAs = { uid: CURL_UID, gid: CURL_UID };

    const spec: k8s.JobSpec = {
      backoffLimit: 0,
      activeDeadlineSeconds: attempts * 10 * props.targets.length + 60,
      template: jobPodTemplate({
        labels: labels.all,
        serviceAccountName: name,
        priorityClassName: priorityClassOf(this, 'job'),
        runAs,
        meshSidecar,
        container: {
          name: 'smoke',
          image: formatImage(parseImage(image)),
          pullPolicy: pullPolicyOf(this),
          command: ['/bin/sh', '-c', script],
          resources: toK8sResources(resolveResources(resources)),
        },
      }),
    };
    this.jobName = contentNamed ? contentName(name, spec) : name;
    this.job = new kinds.KubeJob(this, 'job', {
      metadata: { name: this.jobName, labels: labels.versioned, annotations: hookAnnotations('PostSync') },
      spec,
    });
    syncWave(this.job, Wave.TESTS);
    this.networkPolicy = workloadNetworkPolicy(this, 'network-policy', { name, labels: labels.all, connections: this.connections });
  }
}

const SMOKE_TEST_PROPS = propsOf<SmokeTestProps>('SmokeTest', {
  name: opt(str),
  contentName: opt(bool),
  targets: req(arrayOf(object<SmokeTarget>('SmokeTarget', { service: req(ROUTABLE), port: req(str), path: req(str) }))),
  image: opt(IMAGE),
  allowMutableImageTags: opt(bool),
  attempts: opt(num),
  resources: opt(RESOURCES),
  meshSidecar: opt(bool),
});

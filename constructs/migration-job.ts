import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { DEFAULT_JOB_POOL } from './core/connection-budget';
import { Connections, IConnectable, ServicePort, workloadNetworkPolicy } from './core/connections';
import { checkEnv, EnvMap, renderEnv } from './core/env';
import { EnvFrom } from './core/env-from';
import { Problems } from './core/errors';
import { valueCheckContainer } from './core/value-check';
import { platformPolicy, priorityClassOf, pullPolicyOf } from './core/policy';
import { checkImage, formatImage, Image, imageVersion, parseImage } from './core/image';
import { appLabels } from './core/labels';
import { meshPrincipal, SIDECAR_QUIT_TOOLS, SidecarQuitTool } from './core/mesh';
import { isDns1123Label } from './core/names';
import { CONNECTABLE, ENV_FROM, ENV_MAP, IMAGE, RESOURCES, RUN_AS, STRINGS } from './core/prop-shapes';
import { arrayOf, bool, checkProps, num, opt, propsOf, req, str, text } from './core/props';
import { checkResources, Resources, resolveResources, toK8sResources } from './core/resources';
import { DEFAULT_UID, RunAs } from './core/security';
import { contentName, hookAnnotations, MAX_JOB_BASE_NAME } from './core/job-name';
import { jobPodTemplate, serviceAccount } from './core/workload';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

export interface MigrationJobProps {
  /**
   * The Job's base name: its labels, its NetworkPolicy and, with `contentName`, the start of
   * its name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Name the Job `<name>-<hash of its spec>`, so a changed Job (a new image, command or env)
   * is a new object: its pod template is immutable, and `kubectl apply` and Flux would refuse
   * to change it in place. Turn it off only if something needs the bare name; then delete
   * the old Job before applying a changed one.
   * @default true
   */
  readonly contentName?: boolean;
  /** The image that holds the migrations (usually the service's own). */
  readonly image: Image;
  /** The command that applies them, such as `['alembic', 'upgrade', 'head']`. */
  readonly command: readonly string[];
  /**
   * Env vars, such as a store's `connectionEnv()`.
   * @default - none
   */
  readonly env?: EnvMap;
  /**
   * Whole ConfigMaps or Secrets as env vars.
   * @default - none
   */
  readonly envFrom?: readonly EnvFrom[];
  /**
   * Stores (or services) the migration talks to: both ends' NetworkPolicies open.
   * @default - none
   */
  readonly connectTo?: readonly IConnectable[];
  /**
   * Accept `latest` and untagged images.
   * @default - the chart's platform policy (a berth chart: the environment's setting), else false
   */
  readonly allowMutableImageTags?: boolean;
  /**
   * Retries before the Job fails; the store may still be starting on a first deploy.
   * @default 6
   */
  readonly backoffLimit?: number;
  /**
   * The longest the Job may run, retries included, before it fails: a hung migration must
   * fail the sync (Argo CD has no operation timeout of its own) rather than hold it forever.
   * @default 1800
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * @default 'small'
   */
  readonly resources?: Resources;
  /**
   * @default - UID and GID 10001
   */
  readonly runAs?: RunAs;
  /**
   * The pod gets an Istio sidecar (its namespace is in the mesh): the migration waits for
   * the proxy to start, and `command` then runs under `/bin/sh`, which tells the sidecar to
   * exit when it ends (keeping its exit status), or the Job never completes. The image must
   * then have `/bin/sh` and the `sidecarQuitTool`.
   * @default - the chart's platform policy (a berth chart: whether the stack is in the mesh), else false
   */
  readonly meshSidecar?: boolean;
  /**
   * The HTTP client in the image that tells the sidecar to exit (with `meshSidecar`).
   * @default 'curl'
   */
  readonly sidecarQuitTool?: SidecarQuitTool;
}

/**
 * Schema migrations as a Job that runs before the services roll. Under Argo CD it is a
 * `Sync` hook in the migrations wave: recreated on every sync, after config, secrets and
 * stores exist (a `PreSync` hook would run before the namespace and the database exist on
 * a first sync), and deleted once it succeeds. Under `kubectl apply` and Flux it is an
 * ordinary Job whose file sorts before the Deployments: named after its content, it runs
 * once per version of its spec and stays until that version leaves the output (no TTL: a
 * Job deleted by its TTL would be created, and run, again by the next apply or reconcile).
 */
export class MigrationJob extends Construct {
  public readonly job: k8s.KubeJob;
  /** The Job's name: `<name>-<hash>`, or `name` without `contentName`. */
  public readonly jobName: string;
  public readonly connections: Connections;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The job's own identity, `<name>`, without an API token: never the namespace's `default`. */
  public readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    checkProps(new Problems(this), MIGRATION_JOB_PROPS, props);
    const name = props.name ?? id;
    const contentNamed = props.contentName ?? true;
    const env = props.env ?? {};
    const envFrom = props.envFrom ?? [];
    const backoffLimit = props.backoffLimit ?? 6;
    const activeDeadlineSeconds = props.activeDeadlineSeconds ?? 1800;
    const resources = props.resources ?? 'small';
    const runAs = props.runAs ?? { uid: DEFAULT_UID, gid: DEFAULT_UID };
    const policy = platformPolicy(this);
    const meshSidecar = props.meshSidecar ?? policy.meshSidecar ?? false;
    const allowMutableImageTags = props.allowMutableImageTags ?? policy.images?.allowMutableTags ?? false;
    const sidecarQuitTool = props.sidecarQuitTool ?? 'curl';

    const problems = new Problems(this);
    const maxName = contentNamed ? MAX_JOB_BASE_NAME : 63;
    problems.check(isDns1123Label(name) && name.length <= maxName, 'name',
      `must be a DNS-1123 label (lowercase alphanumerics and -) of at most ${maxName} characters${contentNamed ? ' (the content suffix takes 11 more)' : ''}`, name);
    problems.check(props.command.length > 0, 'command', 'must not be empty', props.command);
    problems.check(Number.isInteger(backoffLimit) && backoffLimit >= 0, 'backoffLimit', 'must be an integer >= 0', backoffLimit);
    problems.check(Number.isInteger(activeDeadlineSeconds) && activeDeadlineSeconds >= 1, 'activeDeadlineSeconds', 'must be an integer >= 1', activeDeadlineSeconds);
    problems.check(runAs.uid > 0, 'runAs.uid', 'must be non-zero (Pod Security restricted)', runAs.uid);
    problems.check(SIDECAR_QUIT_TOOLS.includes(sidecarQuitTool), 'sidecarQuitTool', `must be one of ${SIDECAR_QUIT_TOOLS.join(', ')}`, sidecarQuitTool);
    problems.check(meshSidecar || props.sidecarQuitTool === undefined, 'sidecarQuitTool', 'applies only with meshSidecar: true', props.sidecarQuitTool);
    checkImage(problems, 'image', props.image, allowMutableImageTags);
    checkEnv(problems, 'env', env);
    checkResources(problems, 'resources', resources);
    problems.throwIfAny();

    const labels = appLabels(this, { name, component: 'migration', version: imageVersion(props.image) });
    const namespace = Chart.of(this).namespace ?? 'default';
    this.serviceAccount = serviceAccount(this, 'service-account', { name, labels: labels.all, automountToken: false });
    this.connections = new Connections(labels.selector, [] as ServicePort[], undefined, meshPrincipal(namespace, name));
    for (const target of props.connectTo ?? []) this.connections.connectTo(target, undefined, DEFAULT_JOB_POOL);

    const spec: k8s.JobSpec = {
      backoffLimit,
      activeDeadlineSeconds,
      template: jobPodTemplate({
        initContainers: [valueCheckContainer(env, runAs, pullPolicyOf(this))].filter((c): c is k8s.Container => c !== undefined),
        labels: labels.versioned,
        serviceAccountName: name,
        priorityClassName: priorityClassOf(this, 'job'),
        runAs,
        meshSidecar,
        sidecarQuitTool,
        container: {
          name: 'migrate',
          image: formatImage(parseImage(props.image)),
          pullPolicy: pullPolicyOf(this),
          command: props.command,
          env: renderEnv(env),
          envFrom: envFrom.map((e) => e.render()),
          resources: toK8sResources(resolveResources(resources)),
        },
      }),
    };
    this.jobName = contentNamed ? contentName(name, spec) : name;
    this.job = new kinds.KubeJob(this, 'job', {
      metadata: { name: this.jobName, labels: labels.versioned, annotations: { ...this.connections.poolsAnnotation(), ...hookAnnotations('Sync') } },
      spec,
    });
    syncWave(this.job, Wave.MIGRATIONS);
    this.networkPolicy = workloadNetworkPolicy(this, 'network-policy', { name, labels: labels.all, connections: this.connections });
  }
}

const MIGRATION_JOB_PROPS = propsOf<MigrationJobProps>('MigrationJob', {
  name: opt(str),
  contentName: opt(bool),
  image: req(IMAGE),
  command: req(STRINGS),
  env: opt(ENV_MAP),
  envFrom: opt(ENV_FROM),
  connectTo: opt(arrayOf(CONNECTABLE)),
  allowMutableImageTags: opt(bool),
  backoffLimit: opt(num),
  activeDeadlineSeconds: opt(num),
  resources: opt(RESOURCES),
  runAs: opt(RUN_AS),
  meshSidecar: opt(bool),
  sidecarQuitTool: opt(text<SidecarQuitTool>()),
});

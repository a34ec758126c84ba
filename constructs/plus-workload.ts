// cdk8s-plus workloads next to berth's constructs: berth's labels, a NetworkPolicy of berth's
// kind, and `connectTo` at both ends. Only the types of cdk8s-plus are imported: a stack that
// uses none never loads it (it is an optional peer dependency of the package).
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as k8s from '../imports/k8s';
import { canonicalize, kindShape } from './core/canonical';
import { DEFAULT_JOB_POOL, DEFAULT_SERVICE_POOL } from './core/connection-budget';
import { ConnectOptions, Connections, IConnectable, NetworkPeer, ServicePort, workloadNetworkPolicy } from './core/connections';
import { Problems } from './core/errors';
import { imageVersion } from './core/image';
import { appLabels } from './core/labels';
import { isPlusWorkload, plusObjectOf, PlusWorkloadLike } from './core/plus';
import { checkPeer, CONNECT_OPTIONS, CONNECTABLE_OR_PLUS } from './core/prop-shapes';
import { checkShape } from './core/props';

export { isPlusWorkload } from './core/plus';
export type { PlusWorkloadLike } from './core/plus';

/** What `connectTo` accepts: a berth workload, or a cdk8s-plus one. */
export type Connectable = IConnectable | PlusWorkloadLike;

/** How berth labels a cdk8s-plus workload. */
export interface PlusWorkloadOptions {
  /**
   * `app.kubernetes.io/component` of the workload and its pods.
   * @default 'job' for a Job or CronJob, else 'worker'
   */
  readonly component?: string;
}

const RUN_TO_COMPLETION = new Set(['Job', 'CronJob']);
/** The label cdk8s-plus gives every pod it makes (`Pod.ADDRESS_LABEL`): the construct's address, which never changes. */
const ADDRESS_LABEL = 'cdk8s.io/metadata.addr';
const adopted = new WeakMap<object, PlusWorkload>();
const renderingStored = new WeakSet<ApiObject>();

/**
 * Renders `o` as the API server stores it (quantities as the server prints them, defaulted list
 * keys set, no empty lists), as berth's own kinds render (core/rendered.ts), so it reads back
 * unchanged under server-side apply. cdk8s-plus's generated classes give no other hook than
 * the object's own toJson, so that is wrapped, once, on this instance only.
 */
function renderStored(o: ApiObject): void {
  if (renderingStored.has(o) || kindShape(o.apiVersion, o.kind) === undefined) return;
  renderingStored.add(o);
  const toJson = o.toJson.bind(o);
  o.toJson = () => {
    const json = toJson() as Record<string, unknown>;
    canonicalize(json);
    return json;
  };
}

/**
 * berth's view of a cdk8s-plus workload (`PlusWorkload.of(worker)`), made once per workload:
 *
 * - the workload and its pods get berth's `app.kubernetes.io/*` labels (name: the object's
 *   name; the version, its first image's tag, on those two only); its pods are selected as
 *   cdk8s-plus selects them, by `cdk8s.io/metadata.addr` (the construct's address, which never
 *   changes);
 * - a NetworkPolicy of its own, named after it, selecting its pods, with the ingress and
 *   egress rules `connectTo` declares at both ends (rendered at synth time, like a
 *   WebService's). The namespace baseline denies everything else;
 * - its pool sizes to connection-limited stores, on the workload object, for the safety net;
 * - it and the objects cdk8s-plus puts under it (a Service) render in the API server's stored
 *   form, as berth's own objects do.
 *
 * It is an `IConnectable`, so it goes wherever berth takes one (a MigrationJob's `connectTo`,
 * `StatefulStore.allowFrom(PlusWorkload.of(w).connections.peer)`), and `WebService.connectTo`
 * takes the cdk8s-plus workload itself. The containers' ports are read on the first call: add
 * containers before it.
 */
export class PlusWorkload implements IConnectable {
  /** berth's view of `workload`, made on the first call (with `options`) and returned after. */
  public static of(workload: PlusWorkloadLike, options: PlusWorkloadOptions = {}): PlusWorkload {
    const known = adopted.get(workload);
    if (known !== undefined) return known;
    const made = new PlusWorkload(workload, options);
    adopted.set(workload, made);
    return made;
  }

  /** `other` as a connection end: itself, or berth's view of a cdk8s-plus workload. */
  public static connectable(other: Connectable): IConnectable {
    return isPlusWorkload(other) ? PlusWorkload.of(other) : other;
  }

  /** The cdk8s-plus workload. */
  public readonly workload: PlusWorkloadLike;
  /** Its Kubernetes object (`ApiObject.of(workload)`). */
  public readonly apiObject: ApiObject;
  /** Its `metadata.name`. */
  public readonly name: string;
  /** Its pods as a connection end: the container ports it serves, by name (`port-<n>` when unnamed). */
  public readonly connections: Connections;
  /** The workload's own NetworkPolicy. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Its pool size to a connection-limited store when `connectTo` declares none: 1 for a Job or CronJob, else 5. */
  public readonly defaultPool: number;

  private constructor(workload: PlusWorkloadLike, options: PlusWorkloadOptions) {
    const apiObject = plusObjectOf(workload);
    const problems = new Problems(apiObject !== undefined ? workload : 'PlusWorkload');
    if (apiObject === undefined) {
      problems.add('PlusWorkload.of(workload)', 'must be a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob', workload);
      problems.throwIfAny();
    }
    const obj = apiObject!;
    const runsToCompletion = RUN_TO_COMPLETION.has(obj.kind);
    const component = options.component ?? (runsToCompletion ? 'job' : 'worker');
    // cdk8s-plus labels every pod with its construct address (a Job selects nothing itself).
    const address = workload.podMetadata.getLabel(ADDRESS_LABEL);
    const selector = address !== undefined ? { [ADDRESS_LABEL]: address } : workload.matchLabels;
    problems.check(Object.keys(selector).length > 0, 'podMetadata.labels',
      `must hold a label that selects the pods (cdk8s-plus adds ${ADDRESS_LABEL}; or call select())`, workload.matchLabels);
    const ports: ServicePort[] = [];
    workload.containers.forEach((c, i) => c.ports.forEach((p, j) => {
      const protocol: string = p.protocol ?? 'TCP';
      if (protocol !== 'TCP' && protocol !== 'UDP') {
        problems.add(`containers[${i}].ports[${j}].protocol`, 'must be TCP or UDP for berth\'s NetworkPolicies', protocol);
        return;
      }
      ports.push({ name: p.name ?? `port-${p.number}`, port: p.number, targetPort: p.number, ...(protocol === 'UDP' ? { protocol } : {}) });
    }));
    problems.throwIfAny();

    this.workload = workload;
    this.apiObject = obj;
    this.name = obj.name;
    this.defaultPool = runsToCompletion ? DEFAULT_JOB_POOL : DEFAULT_SERVICE_POOL;
    let version: string | undefined;
    try {
      version = workload.containers[0] !== undefined ? imageVersion(workload.containers[0].image) : undefined;
    } catch {
      version = undefined; // an image berth can't parse: the safety net reports it, not the labels
    }
    const labels = appLabels(workload, { name: this.name, component, ...(version !== undefined ? { version } : {}) });
    for (const [k, v] of Object.entries(labels.versioned)) {
      obj.metadata.addLabel(k, v);
      workload.podMetadata.addLabel(k, v);
    }
    renderStored(obj);
    // What cdk8s-plus adds under the workload later (a Service from exposeViaService()) too:
    // validation runs before any object is rendered, in app.synth() and in berth's synth alike.
    workload.node.addValidation({
      validate: () => {
        for (const c of workload.node.findAll()) if (c instanceof ApiObject) renderStored(c);
        return [];
      },
    });
    this.connections = new Connections(selector, ports);
    for (const [k, v] of Object.entries(this.connections.poolsAnnotation())) obj.metadata.addAnnotation(k, v);
    this.networkPolicy = workloadNetworkPolicy(workload, 'network-policy', {
      name: this.name, labels: labels.all, connections: this.connections,
    });
  }

  /**
   * Lets this workload call `other` (a berth workload or another cdk8s-plus one; all its
   * ports, or `ports`): opens both ends' policies. To a connection-limited store, each pod's
   * `pool` counts against its limit (default `defaultPool`).
   */
  public connectTo(other: Connectable, options?: readonly ServicePort[] | ConnectOptions): void {
    connect(this.workload, this.connections, other, options, this.defaultPool);
  }

  /** Admits `peer` on `ports`. @default all of this workload's container ports */
  public allowFrom(peer: NetworkPeer, ports?: readonly ServicePort[]): void {
    checkPeer(this.workload, 'allowFrom', peer, ports);
    this.connections.allowFrom(peer, ports);
  }

  /** Lets this workload call `peer` (a CIDR, another namespace) on `ports`. */
  public allowTo(peer: NetworkPeer, ports: readonly ServicePort[]): void {
    checkPeer(this.workload, 'allowTo', peer, ports);
    this.connections.allowTo(peer, ports);
  }
}

/** A peer's CIDR as the API server checks it, and ports of the right shape, as WebService checks them. */
/**
 * `caller` calls `other` on its ports (all, or those given), with `pool` connections per pod
 * to a limited store: what `connectTo` does for a WebService and a cdk8s-plus workload alike.
 * Refuses a callee without ports: an empty port list in a NetworkPolicy rule would open every port.
 */
export function connect(
  scope: IConstruct,
  caller: Connections,
  other: Connectable,
  options: readonly ServicePort[] | ConnectOptions | undefined,
  defaultPool: number,
): void {
  const shapes = new Problems(scope);
  checkShape(CONNECTABLE_OR_PLUS, other, 'connectTo(other)', shapes);
  if (options !== undefined) checkShape(CONNECT_OPTIONS, options, 'connectTo(options)', shapes);
  shapes.throwIfAny();
  const o: ConnectOptions = Array.isArray(options) ? { ports: options as readonly ServicePort[] } : (options as ConnectOptions | undefined) ?? {};
  const pool = o.pool ?? defaultPool;
  const problems = new Problems(scope);
  problems.check(Number.isInteger(pool) && pool >= 1, 'connectTo.pool', 'must be an integer >= 1', pool);
  const callee = PlusWorkload.connectable(other);
  const ports = o.ports ?? callee.connections.ports;
  problems.check(ports.length > 0, 'connectTo(other)', 'has no port to connect to: give one of its containers a port (portNumber or ports), or pass the ports', other);
  problems.throwIfAny();
  caller.connectTo(callee, ports, pool);
}

// Run-time shapes of the prop types several constructs share (see props.ts).
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkPeerCidr } from './cidr';
import { ConnectOptions, Connections, IConnectable, NetworkPeer, ServicePort } from './connections';
import { Problems } from './errors';
import { EnvMap, EnvValue } from './env';
import { EnvFrom, EnvFromOptions } from './env-from';
import { Image, ImageRef } from './image';
import { ExecProbeOptions, GrpcProbeOptions, HttpProbeOptions, PortProbeOptions, Probe, ProbeTiming } from './probes';
import { anyOf, arrayOf, bool, checkShape, instanceOf, like, num, object, oneOf, opt, recordOf, req, Shape, str, text } from './props';
import { ResourceSpec, Resources, SizePreset } from './resources';
import { isPlusWorkload, PlusWorkloadLike } from './plus';
import { holdsData, IRoutable } from './routable';
import { RunAs } from './security';

export const STRINGS: Shape<readonly string[]> = arrayOf(str);
export const STRING_MAP: Shape<Readonly<Record<string, string>>> = recordOf(str);

export const IMAGE_REF: Shape<ImageRef> = object<ImageRef>('ImageRef', {
  repository: req(str),
  tag: opt(str),
  digest: opt(str),
});
export const IMAGE: Shape<Image> = anyOf(str, IMAGE_REF);

const CPU_AND_MEMORY = object<ResourceSpec['cpu']>('{ request, limit }', { request: req(str), limit: req(str) });
export const RESOURCE_SPEC: Shape<ResourceSpec> = object<ResourceSpec>('ResourceSpec', {
  cpu: req(CPU_AND_MEMORY),
  memory: req(CPU_AND_MEMORY),
});
/** A preset name (checked by `checkResources`) or explicit values. */
export const RESOURCES: Shape<Resources> = anyOf(text<SizePreset>(), RESOURCE_SPEC);

/** An env var's value: a string (a number is refused: the kubelet needs a string), or an EnvValue. */
export const ENV_MAP: Shape<EnvMap> = recordOf(anyOf(str, instanceOf(EnvValue, 'an EnvValue', (v, at, p) => {
  // EnvValue.fromValue(8080) from JavaScript: written as it is, the env var would have no value.
  if (v.source.value !== undefined && typeof v.source.value !== 'string') p.add(at, 'must hold a string (EnvValue.fromValue)', v.source.value);
})));

const ENV_FROM_OPTIONS = object<EnvFromOptions>('EnvFromOptions', { prefix: opt(str), optional: opt(bool) });
/** `EnvFrom.configMap(…, options)` / `.secret(…, options)`: the options are checked where they are used. */
export const ENV_FROM: Shape<readonly EnvFrom[]> = arrayOf(instanceOf(EnvFrom, 'an EnvFrom (EnvFrom.configMap() or EnvFrom.secret())',
  (v, at, p) => checkShape(ENV_FROM_OPTIONS, v.options, at, p)));

export const RUN_AS: Shape<RunAs> = object<RunAs>('RunAs', { uid: req(num), gid: req(num), fsGroup: opt(num) });

const TIMING = { initialDelaySeconds: opt(num), periodSeconds: opt(num), timeoutSeconds: opt(num), failureThreshold: opt(num) };
/** The options each Probe factory takes: a misspelt one (`periodSecond`) would be dropped. */
const PROBE_OPTIONS: {
  readonly http: Shape<HttpProbeOptions>; readonly tcp: Shape<PortProbeOptions>; readonly grpc: Shape<GrpcProbeOptions>; readonly exec: Shape<ExecProbeOptions>;
} = {
  http: object<HttpProbeOptions>('HttpProbeOptions', { ...TIMING, port: opt(anyOf(str, num)), scheme: opt(oneOf('HTTP', 'HTTPS')), checksDependencies: opt(bool) }),
  tcp: object<PortProbeOptions>('PortProbeOptions', { ...TIMING, port: opt(anyOf(str, num)) }),
  grpc: object<GrpcProbeOptions>('GrpcProbeOptions', { ...TIMING, port: opt(num), service: opt(str), checksDependencies: opt(bool) }),
  exec: object<ExecProbeOptions>('ExecProbeOptions', { ...TIMING, checksDependencies: opt(bool) }),
};
export const PROBE: Shape<Probe> = instanceOf(Probe, 'a Probe (Probe.http(), .tcp(), .grpc() or .exec())', (v, at, p) => {
  if (v.check.kind === 'http') checkShape(str, v.check.path, `${at}.path`, p);
  if (v.check.kind === 'exec') checkShape(STRINGS, v.check.command, `${at}.command`, p);
  const options: Shape<ProbeTiming> = PROBE_OPTIONS[v.check.kind];
  checkShape(options, v.timing, at, p);
});
export const DURATION: Shape<Duration> = instanceOf(Duration, 'a Duration (Duration.seconds() and the like)');

const hasConnections = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (v as { connections?: unknown }).connections instanceof Connections;

/** A berth workload: something with `connections` (a WebService, a StatefulStore, a Job). */
export const CONNECTABLE: Shape<IConnectable> = like<IConnectable>('a berth workload (a WebService, a StatefulStore, …)', hasConnections);

/** What `connectTo` takes: a berth workload, or a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob. */
export const CONNECTABLE_OR_PLUS: Shape<IConnectable | PlusWorkloadLike> = like<IConnectable | PlusWorkloadLike>(
  'a berth workload (a WebService, a StatefulStore, …) or a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob',
  (v) => hasConnections(v) || isPlusWorkload(v));

/**
 * A service a route or a test can call: a WebService. A StatefulStore is refused: routed,
 * its port would be public (and it serves no HTTP).
 */
export const ROUTABLE: Shape<IRoutable> = like<IRoutable>('a service such as a WebService (a StatefulStore is never routed: its port would be reachable from outside)',
  (v) => hasConnections(v) && typeof (v as { serviceName?: unknown }).serviceName === 'string' && !holdsData(v));

/** Ports as `allowTo`/`allowFrom`/`connectTo` take them (a workload's `ports`, or literals). */
export const SERVICE_PORTS: Shape<readonly ServicePort[]> = arrayOf(object<ServicePort>('ServicePort', {
  name: req(str), port: req(num), targetPort: req(num), protocol: opt(oneOf('TCP', 'UDP')),
}));

/**
 * `allowFrom(peer, ports)` / `allowTo(peer, ports)` of any workload construct: a peer's CIDR as the API server
 * checks it, and ports of the right shape (written as given, they would fail at apply). Throws at once.
 */
export function checkPeer(scope: IConstruct, method: string, peer: NetworkPeer, ports: readonly ServicePort[] | undefined): void {
  const problems = new Problems(scope);
  checkPeerCidr(problems, `${method}(peer)`, peer);
  if (ports !== undefined) checkShape(SERVICE_PORTS, ports, `${method}(ports)`, problems);
  problems.throwIfAny();
}

/** `connectTo(other, ports)` or `connectTo(other, { ports, pool })`. */
export const CONNECT_OPTIONS: Shape<readonly ServicePort[] | ConnectOptions> = anyOf(SERVICE_PORTS,
  object<ConnectOptions>('ConnectOptions', { ports: opt(SERVICE_PORTS), pool: opt(num) }));

// The WebService's containers: the service container (image, command, ports, env, resources,
// probes, the preStop pause, writable paths) and the init containers ahead of it, the
// provided-values check first. Siblings in constructs/web-service/: config.ts (the env sources
// and their checksums), network.ts, scaling.ts, metrics.ts, mesh.ts, rbac.ts, common.ts;
// constructs/web-service.ts holds the props and wires the facets into the Deployment.
import * as k8s from '../../imports/k8s';
import type { ServicePort } from '../core/connections';
import { checkEnv, EnvMap, renderEnv } from '../core/env';
import type { EnvFrom } from '../core/env-from';
import { Problems } from '../core/errors';
import { checkImage, formatImage, Image, parseImage } from '../core/image';
import { isDns1123Label } from '../core/names';
import type { PullPolicy } from '../core/policy';
import { Probe, PROBE_DEFAULTS } from '../core/probes';
import { isQuantity } from '../core/quantity';
import { checkResources, resolveResources, Resources, toK8sResources } from '../core/resources';
import { restrictedContainerSecurityContext, RunAs, volumeNameForPath, writablePaths } from '../core/security';
import { VALUE_CHECK_NAME, valueCheckContainer } from '../core/value-check';
import type { InitContainerProps, WebServiceProps } from '../web-service';
import { checkInt, MAX_PORT } from './common';

/** What the containers are made of, with WebService's defaults resolved. */
export interface ContainerSettings {
  /** The service container's name: the service's. */
  readonly name: string;
  /** The service's image, as resolved (the release's version in a berth chart). */
  readonly image: Image;
  readonly pullPolicy: PullPolicy;
  readonly env: EnvMap;
  readonly resources: Resources;
  readonly initContainers: readonly InitContainerProps[];
  readonly runAs: RunAs;
  /** Writable paths besides `/tmp`, which always is. */
  readonly writablePaths: readonly string[];
  readonly writableSizeLimit: string;
  readonly healthPath: string;
  /** 0: no preStop pause. */
  readonly preStopSleepSeconds: number;
}

/** The props the containers take as given (they have no default to resolve). */
export type ContainerProps = Pick<WebServiceProps, 'ports' | 'command' | 'args' | 'readinessProbe' | 'livenessProbe' | 'startupProbe'>;

/** The pod spec's container fields. */
export interface PodContainers {
  readonly containers: k8s.Container[];
  /** The provided-values check (where a value must come from an operator), then the props' init containers; may be empty. */
  readonly initContainers: k8s.Container[];
  /** The writable paths' emptyDirs. */
  readonly volumes: k8s.Volume[];
}

/** The readiness check when none is given: gRPC health on a `grpc`/`grpc-…` first port, else HTTP GET `healthPath`. */
function defaultReadiness(firstPortName: string, healthPath: string): Probe {
  return /^grpc(-|$)/.test(firstPortName) ? Probe.grpc() : Probe.http(healthPath);
}

/** Checks the containers' settings and probes, in the order WebService reports them. `portNames`: of `props.ports`. */
export function checkContainers(problems: Problems, c: ContainerSettings, props: ContainerProps, portNames: readonly string[], allowMutableImageTags: boolean): void {
  checkResources(problems, 'resources', c.resources);
  checkInitContainers(problems, c.name, c.initContainers, allowMutableImageTags);
  checkRunAs(problems, c.runAs);
  checkWritablePaths(problems, c.writablePaths);
  problems.check(isQuantity(c.writableSizeLimit), 'writableSizeLimit', 'must be a Kubernetes quantity', c.writableSizeLimit);
  problems.check(c.healthPath.startsWith('/'), 'healthPath', "must start with '/'", c.healthPath);
  for (const [prop, probe] of [['readinessProbe', props.readinessProbe], ['livenessProbe', props.livenessProbe], ['startupProbe', props.startupProbe]] as const) {
    if (!probe) continue;
    probe.validate(problems, prop);
    const port = probe.check.kind === 'http' || probe.check.kind === 'tcp' || probe.check.kind === 'grpc' ? probe.check.port : undefined;
    if (typeof port === 'string') problems.check(portNames.includes(port), `${prop}.port`, `must name one of ports (${portNames.join(', ')})`, port);
    if (typeof port === 'number') problems.check(Number.isInteger(port) && port >= 1 && port <= MAX_PORT, `${prop}.port`, `must be an integer in 1-${MAX_PORT}`, port);
  }
  const firstPort = props.ports[0] && { name: props.ports[0].name, number: props.ports[0].targetPort ?? props.ports[0].port };
  if (props.livenessProbe && firstPort) {
    const readiness = props.readinessProbe ?? defaultReadiness(firstPort.name, c.healthPath);
    problems.check(!props.livenessProbe.checksDependencies, 'livenessProbe',
      'must not check dependencies: while one is down, every pod would be restarted and none would come back (readinessProbe may check them)', props.livenessProbe.describe());
    problems.check(props.livenessProbe.check.kind === 'tcp' || !props.livenessProbe.sameCheckAs(readiness, firstPort), 'livenessProbe',
      `must not be the readiness check (${readiness.describe()}), which may cover dependencies: use Probe.tcp() or an endpoint that checks only the process`, props.livenessProbe.describe());
  }
}

/**
 * The pod's containers. `served`: every port the container serves (`internalOnly` ones too),
 * the first being the probes' default; `dedicatedMetrics`: a metrics port of its own;
 * `envFrom`: the env sources in the order the kubelet applies them (config.ts).
 */
export function renderContainers(
  c: ContainerSettings, props: ContainerProps, served: readonly ServicePort[], dedicatedMetrics: ServicePort | undefined, envFrom: readonly EnvFrom[],
): PodContainers {
  const writable = writablePaths(['/tmp', ...c.writablePaths], c.writableSizeLimit);
  const securityContext = restrictedContainerSecurityContext(c.runAs);
  const renderedEnvFrom = envFrom.map((s) => s.render());
  const first = served[0];
  const probePort = { name: first.name, number: first.targetPort };
  const container: k8s.Container = {
    name: c.name,
    image: formatImage(parseImage(c.image)),
    imagePullPolicy: c.pullPolicy,
    ...(props.command ? { command: [...props.command] } : {}),
    ...(props.args ? { args: [...props.args] } : {}),
    ports: [...served, ...(dedicatedMetrics ? [dedicatedMetrics] : [])].map((p) => ({ name: p.name, containerPort: p.targetPort, protocol: p.protocol })),
    ...(Object.keys(c.env).length ? { env: renderEnv(c.env) } : {}),
    ...(renderedEnvFrom.length ? { envFrom: renderedEnvFrom } : {}),
    resources: toK8sResources(resolveResources(c.resources)),
    securityContext,
    readinessProbe: (props.readinessProbe ?? defaultReadiness(first.name, c.healthPath)).render(PROBE_DEFAULTS.readiness, probePort),
    // A TCP connect: whatever the health endpoint covers, no dependency can fail it.
    livenessProbe: (props.livenessProbe ?? Probe.tcp()).render(PROBE_DEFAULTS.liveness, probePort),
    ...(props.startupProbe ? { startupProbe: props.startupProbe.render(PROBE_DEFAULTS.startup, probePort) } : {}),
    ...(c.preStopSleepSeconds > 0
      // The `sleep` preStop action is alpha in 1.28, so exec the image's own sleep.
      ? { lifecycle: { preStop: { exec: { command: ['sleep', String(c.preStopSleepSeconds)] } } } }
      : {}),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: writable.mounts,
  };
  // First of all: a pod that lacks a value only an operator can supply says which, and how.
  const valueCheck = valueCheckContainer({ ...c.env, ...Object.assign({}, ...c.initContainers.map((i) => i.env ?? {})) }, c.runAs, c.pullPolicy);
  const inits: k8s.Container[] = c.initContainers.map((i) => {
    const inherit = i.inheritEnv ?? true;
    const initEnv = { ...(inherit ? c.env : {}), ...(i.env ?? {}) };
    return {
      name: i.name,
      image: formatImage(parseImage(i.image ?? c.image)),
      imagePullPolicy: c.pullPolicy,
      ...(i.command ? { command: [...i.command] } : {}),
      ...(i.args ? { args: [...i.args] } : {}),
      ...(Object.keys(initEnv).length ? { env: renderEnv(initEnv) } : {}),
      ...(inherit && renderedEnvFrom.length ? { envFrom: renderedEnvFrom } : {}),
      resources: toK8sResources(resolveResources(i.resources ?? c.resources)),
      securityContext,
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: writable.mounts,
    };
  });
  return { containers: [container], initContainers: valueCheck ? [valueCheck, ...inits] : inits, volumes: writable.volumes };
}

function checkInitContainers(problems: Problems, mainName: string, inits: readonly InitContainerProps[], allowMutableImageTags: boolean): void {
  const seen = new Set([mainName]);
  inits.forEach((c, i) => {
    const at = `initContainers[${i}]`;
    if (problems.check(isDns1123Label(c.name), `${at}.name`, 'must be a DNS-1123 label', c.name)) {
      problems.check(!seen.has(c.name), `${at}.name`, 'must be unique among the pod\'s containers', c.name);
      problems.check(c.name !== VALUE_CHECK_NAME, `${at}.name`, 'is reserved for the provided-values check berth adds', c.name);
      seen.add(c.name);
    }
    if (c.image !== undefined) checkImage(problems, `${at}.image`, c.image, allowMutableImageTags);
    if (c.env) checkEnv(problems, `${at}.env`, c.env);
    if (c.resources !== undefined) checkResources(problems, `${at}.resources`, c.resources);
  });
}

function checkRunAs(problems: Problems, runAs: RunAs): void {
  checkInt(problems, 'runAs.uid', runAs.uid, 1);
  checkInt(problems, 'runAs.gid', runAs.gid, 0);
  if (runAs.fsGroup !== undefined) checkInt(problems, 'runAs.fsGroup', runAs.fsGroup, 0);
}

function checkWritablePaths(problems: Problems, paths: readonly string[]): void {
  const volumes = new Map<string, string>([['tmp', '/tmp']]);
  paths.forEach((p, i) => {
    const prop = `writablePaths[${i}]`;
    if (!problems.check(p.startsWith('/') && p.length > 1, prop, 'must be an absolute path other than /', p)) return;
    const volume = volumeNameForPath(p);
    const prev = volumes.get(volume);
    if (prev !== undefined && prev !== p) problems.add(prop, `maps to the same volume name as ${JSON.stringify(prev)}`, p);
    else volumes.set(volume, p);
  });
}

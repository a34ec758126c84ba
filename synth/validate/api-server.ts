// What the Kubernetes API server rejects beyond the OpenAPI schema
// (k8s.io/kubernetes/pkg/apis/*/validation): names, labels and annotations, containers,
// volumes and workload selectors.
import { formatValue } from '../../constructs/core/errors';
import { isDns1123Label, isDns1123Subdomain, isEnvVarName, isIanaSvcName, isLabelValue } from '../../constructs/core/names';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { Container, containersOf, LabelSelector, labelsOf, list, PodTemplate, podTemplateOf, Probe, record, records } from './model';
import { formatPath, Path } from './paths';
import { perObject, Report } from './report';
import { isEmptySelector, selectorMatches } from './selectors';

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** The name rule of each kind, as the API server applies it. */
function checkName(report: Report, o: RenderedObject): void {
  const { kind, metadata } = o.manifest;
  const name = metadata?.name;
  if (typeof name !== 'string' || name === '') {
    report.add(o, ['metadata', 'name'], 'is required', 'set metadata.name explicitly');
    return;
  }
  const shown = formatValue(name);
  const field = ['metadata', 'name'];
  switch (kind) {
    case 'Namespace':
      if (!isDns1123Label(name)) report.add(o, field, `must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters), received ${shown}`);
      return;
    case 'Service':
      if (!(name.length <= 63 && DNS1035_LABEL.test(name))) {
        report.add(o, field, `must be a DNS-1035 label (a lowercase letter first, then letters, digits and '-', at most 63 characters), received ${shown}`);
      }
      return;
    case 'Role': case 'ClusterRole': case 'RoleBinding': case 'ClusterRoleBinding':
      if (name === '.' || name === '..' || /[/%]/.test(name)) report.add(o, field, `must be a valid path segment (no '/', '%', '.' or '..'), received ${shown}`);
      return;
    default:
      break;
  }
  if (!isDns1123Subdomain(name)) {
    report.add(o, field, `must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters), received ${shown}`);
    return;
  }
  const max: Readonly<Record<string, [number, string]>> = {
    CronJob: [52, 'the CronJob controller appends an 11-character suffix to name its Jobs'],
    Job: [63, "the name becomes the pods' job-name label, which is at most 63 characters"],
    StatefulSet: [52, "the controller-revision-hash label adds an 11-character suffix to a 63-character label value"],
  };
  const limit = max[kind];
  if (limit && name.length > limit[0]) report.add(o, field, `must be at most ${limit[0]} characters for a ${kind}, received ${shown} (${name.length})`, limit[1]);
}

/** `[prefix/]name` as labels, annotations and selector keys use. */
function qualifiedNameProblemOf(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || !isDns1123Subdomain(prefix))) return 'its prefix must be a DNS-1123 subdomain';
  if (name === '' || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "its name must be 1-63 characters of letters, digits, '-', '_' and '.', alphanumeric at both ends";
  }
  return undefined;
}

// The same few label keys and values recur on every object: remember each verdict.
const keyVerdicts = new Map<string, string | undefined>();
const valueVerdicts = new Map<string, boolean>();

function qualifiedNameProblem(key: string): string | undefined {
  if (keyVerdicts.has(key)) return keyVerdicts.get(key);
  const p = qualifiedNameProblemOf(key);
  if (keyVerdicts.size < 10_000) keyVerdicts.set(key, p);
  return p;
}

function labelValueOk(value: string): boolean {
  let ok = valueVerdicts.get(value);
  if (ok === undefined) {
    ok = isLabelValue(value);
    if (valueVerdicts.size < 10_000) valueVerdicts.set(value, ok);
  }
  return ok;
}

function checkLabelMap(report: Report, o: RenderedObject, path: Path, map: unknown, what: string): void {
  for (const k in record(map)) {
    const v = (map as Record<string, unknown>)[k];
    const p = qualifiedNameProblem(k);
    if (p) report.add(o, [...path, k], `is not a valid ${what} key: ${p}`);
    if (typeof v === 'string' && !labelValueOk(v)) {
      report.add(o, [...path, k], `must be a valid ${what} value (at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends), received ${formatValue(v)}`);
    }
  }
}

function checkAnnotations(report: Report, o: RenderedObject, path: Path, map: unknown): void {
  let bytes = 0;
  for (const [k, v] of Object.entries(record(map))) {
    const p = qualifiedNameProblem(k.toLowerCase());
    if (p) report.add(o, [...path, k], `is not a valid annotation key: ${p}`);
    bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) report.add(o, path, `must total at most 256 KiB, received ${bytes} bytes`);
}

function checkExpressions(report: Report, o: RenderedObject, path: Path, exprs: unknown): void {
  records(exprs).forEach((e, i) => {
    const key = e.key;
    if (typeof key === 'string') {
      const p = qualifiedNameProblem(key);
      if (p) report.add(o, [...path, i, 'key'], `is not a valid label key: ${p}`);
    }
    const values = list(e.values);
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) {
      report.add(o, [...path, i, 'values'], `must not be empty for operator ${e.operator}`);
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) {
      report.add(o, [...path, i, 'values'], `must be empty for operator ${e.operator}`);
    }
    values.forEach((v, j) => {
      if (typeof v === 'string' && !isLabelValue(v)) report.add(o, [...path, i, 'values', j], `must be a valid label value, received ${formatValue(v)}`);
    });
  });
}

/**
 * Labels and annotations wherever they occur: every `metadata` (the object's, pod
 * templates', embedded templates of custom resources), every `matchLabels` and
 * `matchExpressions`, and a Service's map selector.
 */
/** Subtrees that hold no metadata and no selector: the walk skips them (most of a pod spec). */
const NO_LABELS_BELOW = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function checkLabelsEverywhere(report: Report, o: RenderedObject): void {
  // One mutable path for the walk; a finding copies it.
  const path: (string | number)[] = [];
  const walk = (v: object): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (item === null || typeof item !== 'object') continue;
        path.push(i);
        walk(item);
        path.pop();
      }
      return;
    }
    for (const k in v) {
      const child: unknown = (v as Record<string, unknown>)[k];
      if (child === null || typeof child !== 'object' || NO_LABELS_BELOW.has(k)) continue;
      path.push(k);
      if (k === 'metadata') {
        const meta = child as Record<string, unknown>;
        if (meta.labels !== undefined) checkLabelMap(report, o, [...path, 'labels'], meta.labels, 'label');
        if (meta.annotations !== undefined) checkAnnotations(report, o, [...path, 'annotations'], meta.annotations);
      } else if (k === 'matchLabels') {
        checkLabelMap(report, o, [...path], child, 'label');
      } else if (k === 'matchExpressions') {
        checkExpressions(report, o, [...path], child);
      }
      walk(child);
      path.pop();
    }
  };
  walk(o.manifest);
  const m = o.manifest;
  if (m.kind === 'Service' && m.apiVersion === 'v1') checkLabelMap(report, o, ['spec', 'selector'], record(m.spec).selector, 'label');
}

function checkProbePort(report: Report, o: RenderedObject, c: Container, path: Path, key: 'livenessProbe' | 'readinessProbe' | 'startupProbe'): void {
  const probe = record(c[key]) as Probe;
  for (const action of ['httpGet', 'tcpSocket'] as const) {
    const port = record(probe[action]).port;
    if (typeof port !== 'string') continue;
    const field = [...path, key, action, 'port'];
    if (!isIanaSvcName(port)) report.add(o, field, `must be a port number or an IANA service name, received ${formatValue(port)}`);
    else if (!list(c.ports).some((p) => record(p).name === port)) {
      report.add(o, field, `names port ${formatValue(port)}, which the container does not declare`, 'the kubelet resolves named probe ports against the container\'s ports; add it to ports or use the number');
    }
  }
}

function checkContainer(report: Report, o: RenderedObject, c: Container, path: Path, isEphemeral: boolean, volumes: ReadonlySet<string>): void {
  if (typeof c.name === 'string' && !isDns1123Label(c.name)) {
    report.add(o, [...path, 'name'], `must be a DNS-1123 label, received ${formatValue(c.name)}`);
  }
  if (!isEphemeral && (typeof c.image !== 'string' || c.image.trim() === '')) report.add(o, [...path, 'image'], 'is required');
  const portNames = new Set<string>();
  list(c.ports).forEach((raw, i) => {
    const port = record(raw);
    const p = [...path, 'ports', i];
    if (typeof port.name === 'string') {
      if (!isIanaSvcName(port.name)) {
        report.add(o, [...p, 'name'], `must be an IANA service name (at most 15 lowercase letters, digits and '-', with a letter, no '--'), received ${formatValue(port.name)}`);
      } else if (portNames.has(port.name)) report.add(o, [...p, 'name'], `duplicates port name ${formatValue(port.name)}`);
      portNames.add(port.name);
    }
    if (typeof port.containerPort === 'number' && (port.containerPort < 1 || port.containerPort > 65535)) {
      report.add(o, [...p, 'containerPort'], `must be in 1-65535, received ${port.containerPort}`);
    }
  });
  const envNames = new Set<string>();
  list(c.env).forEach((raw, i) => {
    const name = record(raw).name;
    if (typeof name !== 'string') return;
    if (!isEnvVarName(name)) {
      report.add(o, [...path, 'env', i, 'name'], `must be a valid env var name (letters, digits, '_', '-' and '.', not starting with a digit), received ${formatValue(name)}`);
    } else if (envNames.has(name)) {
      report.add(o, [...path, 'env', i, 'name'], `duplicates env var ${formatValue(name)}`, 'server-side apply rejects duplicate keys, and only the last value would take effect');
    }
    envNames.add(name);
  });
  for (const key of ['volumeMounts', 'volumeDevices'] as const) {
    const paths = new Set<string>();
    list(c[key]).forEach((raw, i) => {
      const mount = record(raw);
      const p = [...path, key, i];
      if (typeof mount.name === 'string' && !volumes.has(mount.name)) {
        report.add(o, [...p, 'name'], `names volume ${formatValue(mount.name)}, which the pod does not define`, `define it under ${formatPath([...path.slice(0, -2), 'volumes'])}`);
      }
      const target = key === 'volumeMounts' ? mount.mountPath : mount.devicePath;
      if (typeof target === 'string') {
        if (paths.has(target)) report.add(o, [...p, key === 'volumeMounts' ? 'mountPath' : 'devicePath'], `must be unique within the container, received ${formatValue(target)}`);
        paths.add(target);
      }
    });
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) checkProbePort(report, o, c, path, probe);
}

function checkPod(report: Report, t: PodTemplate): void {
  const o = t.object;
  const volumes = new Set<string>();
  // A StatefulSet's containers also mount its volumeClaimTemplates by name.
  if (o.manifest.kind === 'StatefulSet') {
    for (const c of list(record(o.manifest.spec).volumeClaimTemplates)) {
      const name = record(record(c).metadata).name;
      if (typeof name === 'string') volumes.add(name);
    }
  }
  list(t.spec.volumes).forEach((raw, i) => {
    const name = record(raw).name;
    if (typeof name !== 'string') return;
    const p = [...t.specPath, 'volumes', i, 'name'];
    if (!isDns1123Label(name)) report.add(o, p, `must be a DNS-1123 label, received ${formatValue(name)}`);
    else if (volumes.has(name)) report.add(o, p, `duplicates volume ${formatValue(name)}`);
    volumes.add(name);
  });
  const names = new Set<string>();
  for (const { container, path } of containersOf(t)) {
    if (typeof container.name === 'string') {
      if (names.has(container.name)) report.add(o, [...path, 'name'], `duplicates container name ${formatValue(container.name)} (names are unique across all containers of a pod)`);
      names.add(container.name);
    }
    checkContainer(report, o, container, path, path[path.length - 2] === 'ephemeralContainers', volumes);
  }
}

const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

function checkWorkloadSelector(report: Report, t: PodTemplate): void {
  const o = t.object;
  if (!SELECTOR_KINDS.has(o.manifest.kind)) return;
  const selector = record(record(o.manifest.spec).selector) as LabelSelector;
  if (isEmptySelector(selector)) {
    report.add(o, ['spec', 'selector'], 'must not be empty', 'select the pods by their stable labels (app.kubernetes.io/name and instance)');
  } else if (!selectorMatches(selector, t.labels)) {
    const missing = Object.entries(labelsOf(selector.matchLabels)).filter(([k, v]) => t.labels[k] !== v).map(([k, v]) => `${k}=${v}`);
    report.add(o, ['spec', 'selector'], "does not match the pod template's labels",
      missing.length > 0 ? `add ${missing.join(', ')} to ${formatPath([...t.metaPath, 'labels'])}` : `make ${formatPath([...t.metaPath, 'labels'])} satisfy matchExpressions`);
  }
}

function checkService(report: Report, o: RenderedObject): void {
  const ports = records(record(o.manifest.spec).ports);
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((raw, i) => {
    const port = record(raw);
    const p = ['spec', 'ports', i];
    if (typeof port.name === 'string' && port.name !== '') {
      if (!isDns1123Label(port.name)) report.add(o, [...p, 'name'], `must be a DNS-1123 label, received ${formatValue(port.name)}`);
      else if (names.has(port.name)) report.add(o, [...p, 'name'], `duplicates port name ${formatValue(port.name)}`);
      names.add(port.name);
    } else if (ports.length > 1) {
      report.add(o, [...p, 'name'], 'is required when a Service has more than one port');
    }
    const key = `${String(port.port)}/${String(port.protocol ?? 'TCP')}`;
    if (typeof port.port === 'number') {
      if (port.port < 1 || port.port > 65535) report.add(o, [...p, 'port'], `must be in 1-65535, received ${port.port}`);
      else if (numbers.has(key)) report.add(o, [...p, 'port'], `duplicates port ${key}`);
      numbers.add(key);
    }
    const target = port.targetPort;
    if (typeof target === 'number' && (target < 1 || target > 65535)) report.add(o, [...p, 'targetPort'], `must be in 1-65535, received ${target}`);
    if (typeof target === 'string' && !isIanaSvcName(target)) {
      report.add(o, [...p, 'targetPort'], `must be a port number or an IANA service name, received ${formatValue(target)}`);
    }
  });
}

function checkAutoscaler(report: Report, o: RenderedObject): void {
  const spec = record(o.manifest.spec);
  const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
  if (typeof spec.minReplicas === 'number' && spec.minReplicas < 1) report.add(o, ['spec', 'minReplicas'], `must be >= 1, received ${spec.minReplicas}`);
  if (typeof spec.maxReplicas === 'number' && spec.maxReplicas < min) {
    report.add(o, ['spec', 'maxReplicas'], `must be >= minReplicas (${min}), received ${spec.maxReplicas}`);
  }
}

function checkPdb(report: Report, o: RenderedObject): void {
  const spec = record(o.manifest.spec);
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    report.add(o, ['spec'], 'must set minAvailable or maxUnavailable, not both');
  }
}

function checkIngress(report: Report, o: RenderedObject): void {
  records(record(o.manifest.spec).rules).forEach((rule, i) => {
    records(record(record(rule).http).paths).forEach((raw, j) => {
      const p = record(raw);
      if (p.pathType !== 'ImplementationSpecific' && typeof p.path === 'string' && !p.path.startsWith('/')) {
        report.add(o, ['spec', 'rules', i, 'http', 'paths', j, 'path'], `must be an absolute path, received ${formatValue(p.path)}`);
      }
    });
  });
}

/** Names, labels, annotations, containers, volumes, selectors and a few per-kind rules. */
export function apiServerValidator(): Validator {
  return perObject((report, o) => {
    checkName(report, o);
    const ns = o.manifest.metadata?.namespace;
    if (typeof ns === 'string' && !isDns1123Label(ns)) report.add(o, ['metadata', 'namespace'], `must be a DNS-1123 label, received ${formatValue(ns)}`);
    checkLabelsEverywhere(report, o);
    const t = podTemplateOf(o);
    if (t) {
      checkPod(report, t);
      checkWorkloadSelector(report, t);
    }
    const { kind, apiVersion } = o.manifest;
    if (kind === 'Service' && apiVersion === 'v1') checkService(report, o);
    if (kind === 'HorizontalPodAutoscaler') checkAutoscaler(report, o);
    if (kind === 'PodDisruptionBudget') checkPdb(report, o);
    if (kind === 'Ingress' && apiVersion === 'networking.k8s.io/v1') checkIngress(report, o);
  });
}

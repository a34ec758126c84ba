// Resources that fit what runs: an HPA memory target that a pod's idle memory already
// exceeds pins the HPA at its maximum (memory doesn't drop when pods are added), and a JVM
// whose heap, page cache and native memory exceed the container's limit is OOM-killed.
import { formatValue } from '../../constructs/core/errors';
import { jvmOverheadBytes, parseJvmSize } from '../../constructs/core/jvm';
import { parseQuantity } from '../../constructs/core/quantity';
import { MEMORY_AT_IDLE_ANNOTATION } from '../../constructs/core/resources';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { containersOf, PodTemplate, record, records } from './model';
import { namespaceOf, networkOf } from './network';
import { perStack, Report } from './report';
import { indexOf, StackIndex } from './stack-index';

const MiB = 2 ** 20;
/** Istio's injected proxy requests this much memory unless the pod's annotation says otherwise. */
const ISTIO_DEFAULT_PROXY_MEMORY = 128 * MiB;

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

const mib = (bytes: number) => `${Math.round(bytes / MiB)}Mi`;

function memoryOf(c: Readonly<Record<string, unknown>>, kind: 'requests' | 'limits'): number | undefined {
  const v = record(record(c.resources)[kind]).memory;
  return typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
}

function checkHpaMemory(report: Report, idx: StackIndex): void {
  const net = networkOf(idx);
  for (const hpa of idx.ofKind('HorizontalPodAutoscaler')) {
    const spec = record(hpa.manifest.spec);
    const ref = record(spec.scaleTargetRef);
    const target = typeof ref.kind === 'string' && typeof ref.name === 'string' ? idx.get(ref.kind, ref.name) : undefined;
    const pod = target && namespaceOf(target) === namespaceOf(hpa) ? idx.podOf.get(target) : undefined;
    if (!target || !pod) continue;
    records(spec.metrics).forEach((metric, i) => {
      const resource = record(metric.type === 'ContainerResource' ? metric.containerResource : metric.resource);
      const utilization = record(resource.target).averageUtilization;
      if (resource.name !== 'memory' || typeof utilization !== 'number') return;
      const app = records(pod.spec.containers).filter((c) => metric.type !== 'ContainerResource' || c.name === resource.container);
      const requested = app.reduce((n, c) => n + (memoryOf(c, 'requests') ?? memoryOf(c, 'limits') ?? 0), 0);
      if (requested === 0) return;
      const declared = target.manifest.metadata?.annotations?.[MEMORY_AT_IDLE_ANNOTATION];
      const idle = declared !== undefined ? parseQuantity(declared) ?? requested : requested;
      // A Resource metric averages over every container of the pod, the injected proxy too.
      const sidecar = metric.type === 'Resource' && net.meshed(pod) ? sidecarMemory(pod) : 0;
      const atIdle = Math.round(((idle + sidecar) * 100) / (requested + sidecar));
      if (atIdle < utilization) return;
      const basis = declared !== undefined ? `${MEMORY_AT_IDLE_ANNOTATION} ${declared}` : 'its request, as no memory at idle is declared';
      report.add(hpa, ['spec', 'metrics', i, metric.type === 'ContainerResource' ? 'containerResource' : 'resource', 'target', 'averageUtilization'],
        `targets ${utilization} % memory, but an idle pod of ${describe(target)} already uses ${atIdle} % (${mib(idle)} from ${basis}${sidecar ? `, plus the ${mib(sidecar)} sidecar` : ''}, of ${mib(requested + sidecar)} requested): the HPA scales to its maximum and stays there, received ${formatValue(utilization)}`,
        'declare memoryAtIdle and request enough memory that idle use stays well under the target, or drop the memory target and scale on CPU');
    });
  }
}

function sidecarMemory(pod: PodTemplate): number {
  const annotated = pod.annotations['sidecar.istio.io/proxyMemory'];
  return annotated !== undefined ? parseQuantity(annotated) ?? ISTIO_DEFAULT_PROXY_MEMORY : ISTIO_DEFAULT_PROXY_MEMORY;
}

/** A container's env, literal values and the keys of the stack's ConfigMaps it reads whole. */
function envOf(idx: StackIndex, pod: PodTemplate, c: Readonly<Record<string, unknown>>): Map<string, string> {
  const env = new Map<string, string>();
  for (const src of records(c.envFrom)) {
    const cm = idx.get('ConfigMap', String(record(src.configMapRef).name));
    if (!cm || namespaceOf(cm) !== namespaceOf(pod.object)) continue;
    for (const [k, v] of Object.entries(record(cm.manifest.data))) if (typeof v === 'string') env.set(`${src.prefix ?? ''}${k}`, v);
  }
  for (const e of records(c.env)) if (typeof e.name === 'string' && typeof e.value === 'string') env.set(e.name, e.value);
  return env;
}

function checkJvm(report: Report, idx: StackIndex): void {
  for (const pod of idx.pods.pods) {
    for (const { container, path } of containersOf(pod)) {
      const c = container as Readonly<Record<string, unknown>>;
      const limit = memoryOf(c, 'limits');
      if (limit === undefined) continue;
      const env = envOf(idx, pod, c);
      const xmx = /-Xmx([0-9]+[kKmMgG]?)/.exec(`${env.get('JAVA_TOOL_OPTIONS') ?? ''} ${env.get('JAVA_OPTS') ?? ''} ${env.get('NEO4J_server_jvm_additional') ?? ''}`)?.[1];
      const heapText = env.get('NEO4J_server_memory_heap_max__size') ?? xmx;
      const heap = heapText !== undefined ? parseJvmSize(heapText) : undefined;
      if (heap === undefined) continue;
      const pageCacheText = env.get('NEO4J_server_memory_pagecache_size');
      const pageCache = pageCacheText !== undefined ? parseJvmSize(pageCacheText) ?? 0 : 0;
      const overhead = jvmOverheadBytes(limit);
      if (heap + pageCache + overhead <= limit) continue;
      report.add(pod.object, [...path, 'resources', 'limits', 'memory'],
        `holds a JVM whose heap ${mib(heap)}${pageCache ? ` and page cache ${mib(pageCache)}` : ''} plus ~${mib(overhead)} of native memory (metaspace, threads, GC) need ${mib(heap + pageCache + overhead)}, more than the ${mib(limit)} limit: the kernel OOM-kills it under load`,
        'raise the memory limit, or lower the heap and page cache (the StatefulStore neo4j engine sizes both from the limit)');
    }
  }
}

/** HPA memory targets above idle use; JVM heaps that fit their containers. */
export function resourceFitValidator(): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    checkHpaMemory(report, idx);
    checkJvm(report, idx);
  });
}

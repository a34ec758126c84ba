// A WebService's Prometheus endpoint: the metrics props with their defaults, their checks, the
// metrics port of its own, and the ServiceMonitor. The scraper's admission is wired in
// constructs/web-service.ts, the mesh's exception for it in core/mesh.ts. Siblings in
// constructs/web-service/: container.ts, config.ts, network.ts, scaling.ts, mesh.ts, rbac.ts,
// common.ts; constructs/web-service.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as monitoring from '../../imports/monitoring.coreos.com';
import type { ServicePort } from '../core/connections';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import type { AppLabels } from '../core/labels';
import { isDns1123Label, isLabelValue } from '../core/names';
import type { PlatformPolicy } from '../core/policy';
import type { MetricsProps, ServicePortSpec } from '../web-service';
import { checkInt, MAX_PORT } from './common';

/** The metrics port of a service that names none: a port of its own, Prometheus' conventional 9090. */
const DEFAULT_METRICS_PORT = 9090;
const PROM_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** MetricsProps with the defaults filled in. */
export interface ResolvedMetrics extends MetricsProps {
  readonly port: number | string;
  readonly path: string;
  readonly scraperNamespace: string;
  readonly serviceMonitor: boolean;
}

/** `metrics` with its defaults: the props', else the chart's platform policy's, else berth's. */
export function resolveMetrics(metrics: MetricsProps, policy: PlatformPolicy): ResolvedMetrics {
  return {
    ...metrics,
    port: metrics.port ?? DEFAULT_METRICS_PORT,
    path: metrics.path ?? '/metrics',
    scraperNamespace: metrics.scraperNamespace ?? policy.metrics?.scraperNamespace ?? 'monitoring',
    serviceMonitor: metrics.serviceMonitor ?? policy.metrics?.serviceMonitor ?? false,
  };
}

/** `portNames`: of `ports`; `meshSidecar`: the service's, resolved. */
export function checkMetrics(problems: Problems, metrics: ResolvedMetrics, ports: readonly ServicePortSpec[], portNames: readonly string[], meshSidecar: boolean): void {
  if (typeof metrics.port === 'string') {
    problems.check(ports.some((p) => p.name === metrics.port && !p.internalOnly), 'metrics.port', `must name one of ports that is on the Service (${portNames.join(', ')}), or be a port number of its own`, metrics.port);
    problems.check(!meshSidecar, 'metrics.port', 'must be a port of its own (a number) with meshSidecar: an mTLS exception for the scraper on an app port would open that port to plaintext', metrics.port);
  } else if (checkInt(problems, 'metrics.port', metrics.port, 1, MAX_PORT)) {
    const clash = ports.find((p) => (p.targetPort ?? p.port) === metrics.port || p.port === metrics.port || p.name === 'metrics');
    problems.check(clash === undefined, 'metrics.port', `must differ from the ports' numbers and the name "metrics" (ports[${ports.indexOf(clash!)}] is ${JSON.stringify(clash?.name)})`, metrics.port);
  }
  problems.check(metrics.path.startsWith('/'), 'metrics.path', "must start with '/'", metrics.path);
  problems.check(isDns1123Label(metrics.scraperNamespace), 'metrics.scraperNamespace', 'must be a namespace name (DNS-1123 label)', metrics.scraperNamespace);
  for (const [key, value] of Object.entries(metrics.serviceMonitorLabels ?? {})) {
    problems.check(isLabelValue(value), `metrics.serviceMonitorLabels.${key}`, 'must be a label value (at most 63 characters, alphanumeric at both ends)', value);
  }
  if (metrics.interval !== undefined) {
    problems.check(metrics.interval !== '' && PROM_DURATION.test(metrics.interval), 'metrics.interval', 'must be a Prometheus duration such as 30s or 1m', metrics.interval);
  }
}

/** The port `metrics` on the container and the Service, when the metrics are served on a port number of their own. */
export function dedicatedMetricsPort(metrics: ResolvedMetrics): ServicePort | undefined {
  return typeof metrics.port === 'number' ? { name: 'metrics', port: metrics.port, targetPort: metrics.port, protocol: 'TCP' } : undefined;
}

/** The ServiceMonitor `<name>` that scrapes the Service's port `portName`. */
export function serviceMonitor(scope: Construct, name: string, labels: AppLabels, metrics: ResolvedMetrics, portName: string): monitoring.ServiceMonitor {
  return new kinds.ServiceMonitor(scope, 'service-monitor', {
    metadata: { name, labels: { ...labels.all, ...(metrics.serviceMonitorLabels ?? {}) } },
    spec: {
      selector: { matchLabels: { ...labels.selector } },
      endpoints: [{ port: portName, path: metrics.path, ...(metrics.interval ? { interval: metrics.interval } : {}) }],
    },
  });
}

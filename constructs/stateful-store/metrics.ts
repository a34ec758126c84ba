// A StatefulStore's metrics (`metrics`): their checks, the exporter sidecar and its port, the
// scraper's way in and the ServiceMonitor. Siblings in constructs/stateful-store/:
// statefulset.ts, credentials.ts, connection.ts, backups.ts, settings.ts;
// constructs/stateful-store.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { Connections, Peer, ServicePort } from '../core/connections';
import { renderEnv } from '../core/env';
import { Problems } from '../core/errors';
import { checkImage, formatImage, Image, parseImage } from '../core/image';
import * as kinds from '../core/kinds';
import { AppLabels } from '../core/labels';
import { isDns1123Label } from '../core/names';
import { PullPolicy } from '../core/policy';
import { ResourceSpec, toK8sResources } from '../core/resources';
import { restrictedContainerSecurityContext } from '../core/security';
import type { StoreMetricsProps } from '../stateful-store';
import { EngineContext, EnginePreset, ExporterPlan } from '../stateful-store-engines';

const DURATION = /^([0-9]+(ms|s|m|h))+$/;
const EXPORTER_RESOURCES: ResourceSpec = { cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } };

/** `metrics` with its defaults applied (see StoreMetricsProps). */
export interface MetricsSettings {
  /** The engine's exporter image, where it has one. */
  readonly image?: Image;
  readonly scraperNamespace: string;
  readonly serviceMonitor: boolean;
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
  readonly interval?: string;
}

/** The exporter sidecar of a store's pods. */
export interface StoreExporter {
  readonly container: k8s.Container;
  /** The `metrics` port, on the pods and on the Service that carries it. */
  readonly port: ServicePort;
}

/** Checks `metrics` (`given`: as the props give it, quoted when the engine has no exporter). */
export function checkMetrics(problems: Problems, preset: EnginePreset, metrics: MetricsSettings, given: StoreMetricsProps | undefined, allowMutableImageTags: boolean): void {
  if ('unsupported' in preset.exporter) {
    problems.add('metrics', `is not available for engine ${preset.engine}: ${preset.exporter.unsupported}`, given);
    return;
  }
  checkImage(problems, 'metrics.image', metrics.image!, allowMutableImageTags);
  problems.check(isDns1123Label(metrics.scraperNamespace), 'metrics.scraperNamespace', 'must be a namespace name (DNS-1123 label)', metrics.scraperNamespace);
  if (metrics.interval !== undefined) {
    problems.check(DURATION.test(metrics.interval), 'metrics.interval', "must be a duration such as '30s' or '1m'", metrics.interval);
  }
}

/** The exporter sidecar, or none without `metrics` (or for an engine without an exporter, refused by the checks). */
export function storeExporter(preset: EnginePreset, ctx: EngineContext, metrics: MetricsSettings | undefined, pullPolicy: PullPolicy): StoreExporter | undefined {
  if (!metrics || 'unsupported' in preset.exporter) return undefined;
  const image = metrics.image!;
  const exporter = preset.exporter(ctx, typeof image === 'string' ? image : formatImage(parseImage(image)));
  return { container: exporterContainer(exporter, pullPolicy), port: { name: 'metrics', port: exporter.port, targetPort: exporter.port } };
}

/** Admits the scraper's namespace on the metrics port of the store's pods. */
export function admitScraper(server: Connections, metrics: MetricsSettings, exporter: StoreExporter): void {
  server.allowFrom(Peer.namespace(metrics.scraperNamespace), [exporter.port]);
}

/** The ServiceMonitor, where `metrics.serviceMonitor` asks for one. */
export function storeServiceMonitor(scope: Construct, name: string, labels: AppLabels, metrics: MetricsSettings, exporter: StoreExporter): monitoring.ServiceMonitor | undefined {
  if (!metrics.serviceMonitor) return undefined;
  return new kinds.ServiceMonitor(scope, 'service-monitor', {
    metadata: { name, labels: { ...labels.all, ...metrics.serviceMonitorLabels } },
    spec: {
      selector: { matchLabels: labels.selector },
      endpoints: [{ port: exporter.port.name, path: '/metrics', ...(metrics.interval ? { interval: metrics.interval } : {}) }],
    },
  });
}

function exporterContainer(exporter: ExporterPlan, pullPolicy: PullPolicy): k8s.Container {
  const runAs = { uid: exporter.uid, gid: exporter.uid };
  return {
    name: 'metrics',
    image: exporter.image,
    imagePullPolicy: pullPolicy,
    ...(exporter.args ? { args: exporter.args } : {}),
    ports: [{ name: 'metrics', containerPort: exporter.port, protocol: 'TCP' }],
    env: renderEnv(exporter.env),
    resources: toK8sResources(EXPORTER_RESOURCES),
    securityContext: restrictedContainerSecurityContext(runAs),
  };
}

// Metrics that a running Prometheus can actually scrape, and that the internet can't: a
// monitor whose target refuses the scraper (NetworkPolicy, STRICT mTLS, an
// AuthorizationPolicy) never gets a sample, and a public route to the metrics path
// publishes them.
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { LabelSelector, record, records } from './model';
import { namespaceOf, networkOf, ServiceTarget, serviceTarget, servicesMatching } from './network';
import { Path } from './paths';
import { perStack, Report } from './report';
import { reachesBackendPath, routesOf } from './routes';
import { factsFor, RuntimeFacts } from './runtime-facts';
import { indexOf, StackIndex } from './stack-index';

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

interface Scraped {
  readonly monitor: RenderedObject;
  readonly endpointPath: Path;
  readonly metricsPath: string;
  readonly target: ServiceTarget;
}

const scraped = new WeakMap<StackIndex, Scraped[]>();

/** Each ServiceMonitor endpoint with the Service port and pods it scrapes. */
function scrapedEndpoints(idx: StackIndex): Scraped[] {
  const cached = scraped.get(idx);
  if (cached) return cached;
  const out: Scraped[] = [];
  scraped.set(idx, out);
  for (const sm of idx.ofKind('ServiceMonitor')) {
    const spec = record(sm.manifest.spec);
    if (spec.namespaceSelector !== undefined) continue;
    const selector = record(spec.selector) as LabelSelector;
    const services = servicesMatching(idx, selector, namespaceOf(sm));
    records(spec.endpoints).forEach((ep, i) => {
      const port = ep.port;
      if (typeof port !== 'string') return;
      const metricsPath = typeof ep.path === 'string' ? ep.path : '/metrics';
      for (const svc of services) {
        const target = serviceTarget(idx, svc, { name: port });
        if (target) out.push({ monitor: sm, endpointPath: ['spec', 'endpoints', i], metricsPath, target });
      }
    });
  }
  return out;
}

function checkScrapable(report: Report, idx: StackIndex, facts: RuntimeFacts): void {
  const net = networkOf(idx);
  const reported = new Set<string>();
  for (const s of scrapedEndpoints(idx)) {
    for (const dest of s.target.pods) {
      const blocked = net.blocked({ kind: 'namespace', namespace: facts.scraperNamespace, meshed: false }, dest.pod, dest.port);
      const key = `${describe(s.monitor)}|${s.endpointPath.join('.')}`;
      if (!blocked || reported.has(key)) continue;
      reported.add(key);
      const hint = blocked.by === 'ingress'
        ? `admit namespace ${facts.scraperNamespace} on the metrics port (WebService and StatefulStore metrics do)`
        : 'serve metrics on a port of their own and give it a port-level mTLS exception (PERMISSIVE) and an ALLOW rule for that port (WebService with meshSidecar does), or use Istio metrics merging';
      report.add(s.monitor, [...s.endpointPath, 'port'],
        `scrapes ${describe(s.target.service)} port ${formatValue(s.target.portName)} on ${describe(dest.pod.object)}, but the scraper in namespace ${facts.scraperNamespace} is refused: ${blocked.detail}; the monitor never gets a sample`,
        hint);
    }
  }
}

function checkNotPublic(report: Report, idx: StackIndex): void {
  const scraped = scrapedEndpoints(idx);
  if (scraped.length === 0) return;
  for (const route of routesOf(idx.stack.objects)) {
    if (route.mesh) continue;
    for (const s of scraped) {
      const svc = s.target.service;
      if (svc.manifest.metadata?.name !== route.service || namespaceOf(svc) !== namespaceOf(route.object)) continue;
      const samePort = route.port.name !== undefined ? route.port.name === s.target.portName : route.port.number === s.target.servicePort;
      if (!samePort || !reachesBackendPath(route, s.metricsPath)) continue;
      report.add(route.object, route.path,
        `routes ${route.match.type} ${formatValue(route.match.value)} of ${route.hosts.join(', ') || 'every host'} to ${describe(svc)} port ${s.target.servicePort}, which serves metrics at ${s.metricsPath} (${describe(s.monitor)}): the metrics are public`,
        'serve metrics on a port of their own (WebService metrics get port 9090 by default), or keep the metrics path off the route');
      break;
    }
  }
}

/** ServiceMonitors reach their targets, and no public route reaches a metrics path. */
export function metricsValidator(facts?: Readonly<Record<string, RuntimeFacts>>): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    checkScrapable(report, idx, factsFor(facts, report.stack.env));
    checkNotPublic(report, idx);
  });
}

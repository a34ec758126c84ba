import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatBytes, formatCpu, podResources, stackBudget, surgeOf } from '../tools/lib/budget';
import { commonDomain, dependencyGraph, groupText, toVizGraph, wrapName } from '../tools/lib/graph';
import { operatorsNeeded, prerequisites } from '../tools/lib/operators';
import { renderReports } from '../tools/lib/report';
import { reportCli } from '../tools/lib/report-cli';
import { formatBackends, routeTable } from '../tools/lib/routes';
import { clusterTargets } from '../charts/environment';
import { prod } from '../charts/environments';
import { fluxUnit } from '../charts/flux';
import { clusterUnit } from '../charts/cluster';
import { Manifest, renderUnit } from '../synth/render';
import { fromRendered } from '../tools/lib/load';
import { toYaml } from '../synth/yaml';
import { arr, clone, find, obj, shopManifests, shopStack } from './fixtures/shop';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

describe('resource budget', () => {
  test('the fixture stack at min, max and peak, and against its quota', () => {
    const b = stackBudget(shopManifests());
    expect(b.workloads.map((w) => [w.kind, w.name, w.minReplicas, w.maxReplicas, w.autoscaler, w.surge, w.batch, w.perPod, w.storagePerReplica])).toEqual([
      // 1 × (500m, 1Gi) requests, (2, 2Gi) limits, 10Gi data
      ['StatefulSet', 'postgres', 1, 1, undefined, 0, false, { cpuRequest: 500, memoryRequest: Gi, cpuLimit: 2000, memoryLimit: 2 * Gi, ephemeralRequest: 0 }, 10 * Gi],
      ['Job', 'migrate', 1, 1, undefined, 0, true, { cpuRequest: 100, memoryRequest: 128 * Mi, cpuLimit: 100, memoryLimit: 128 * Mi, ephemeralRequest: 0 }, 0],
      // no resources: the LimitRange's 100m/128Mi requests and 500m/256Mi limits; 25% surge of 2 → 1
      ['Deployment', 'api', 2, 2, undefined, 1, false, { cpuRequest: 100, memoryRequest: 128 * Mi, cpuLimit: 500, memoryLimit: 256 * Mi, ephemeralRequest: 0 }, 0],
      // app 250m + sidecar 50m = 300m < init 500m; memory 256Mi + 64Mi = 320Mi > init 64Mi; limits 1 + 0.1, 512Mi + 128Mi
      ['Deployment', 'gateway', 2, 6, 'gateway', 1, false, { cpuRequest: 500, memoryRequest: 320 * Mi, cpuLimit: 1100, memoryLimit: 640 * Mi, ephemeralRequest: 0 }, 0],
    ]);
    // The fixture states no ephemeral storage: none requested, its limit unbounded.
    const noUnbounded = { cpuUnbounded: false, memoryUnbounded: false, ephemeralRequests: 0, ephemeralLimits: 0, ephemeralUnbounded: true };
    // min: postgres 1 + api 2 + gateway 2; storage 10Gi template + 5Gi PVC
    expect(b.min).toEqual({ pods: 5, cpuRequests: 1700, memoryRequests: 1920 * Mi, cpuLimits: 5200, memoryLimits: 3840 * Mi, ...noUnbounded, storage: 15 * Gi, claims: 2 });
    // max: gateway 6
    expect(b.max).toEqual({ pods: 9, cpuRequests: 3700, memoryRequests: 3200 * Mi, cpuLimits: 9600, memoryLimits: 6400 * Mi, ...noUnbounded, storage: 15 * Gi, claims: 2 });
    // peak: max + one surge pod each for gateway and api + the migration Job
    expect(b.peak).toEqual({ pods: 12, cpuRequests: 4400, memoryRequests: 3776 * Mi, cpuLimits: 11300, memoryLimits: 7424 * Mi, ...noUnbounded, storage: 15 * Gi, claims: 2 });
    expect(b.claims).toEqual([{ name: 'uploads', bytes: 5 * Gi }]);
    expect(b.quota.map((q) => `${q.resource} ${q.need}/${q.hard} ${q.fits ? 'fits' : 'exceeds'}`)).toEqual([
      'requests.cpu 4400/4000 exceeds',
      `requests.memory ${3776 * Mi}/${8 * Gi} fits`,
      'limits.cpu 11300/8000 exceeds',
      `limits.memory ${7424 * Mi}/${16 * Gi} fits`,
      `requests.storage ${15 * Gi}/${20 * Gi} fits`,
      'pods 12/10 exceeds',
      'persistentvolumeclaims 2/5 fits',
    ]);
  });

  test('a sidecar started before an init container runs beside it; a missing limit is unbounded', () => {
    const r = (cpu: string, mem: string, limit?: string) => ({ requests: { cpu, memory: mem }, ...(limit ? { limits: { cpu: limit, memory: mem } } : {}) });
    expect(podResources({
      initContainers: [
        { name: 'proxy', restartPolicy: 'Always', resources: r('200m', '100Mi', '200m') },
        { name: 'init', resources: r('300m', '50Mi', '300m') },
      ],
      containers: [{ name: 'app', resources: r('100m', '200Mi') }],
    })).toEqual({ cpuRequest: 500, memoryRequest: 300 * Mi, ephemeralRequest: 0 }); // app sets no limits: both unbounded
    // a request defaults to the container's own limit
    expect(podResources({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }))
      .toEqual({ cpuRequest: 1000, memoryRequest: Gi, cpuLimit: 1000, memoryLimit: Gi, ephemeralRequest: 0 });
    // ephemeral storage adds up like memory: app containers together, or the largest init container
    const disk = (req: string, lim: string) => ({ requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': req }, limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': lim } });
    expect(podResources({
      initContainers: [{ name: 'init', resources: disk('1Gi', '1Gi') }],
      containers: [{ name: 'a', resources: disk('64Mi', '320Mi') }, { name: 'b', resources: disk('64Mi', '64Mi') }],
    })).toEqual({ cpuRequest: 2000, memoryRequest: 2 * Gi, cpuLimit: 2000, memoryLimit: 2 * Gi, ephemeralRequest: Gi, ephemeralLimit: Gi });
  });

  test('an unbounded limit shows in the totals', () => {
    const ms = clone(shopManifests()).filter((m) => m.kind !== 'LimitRange');
    const b = stackBudget(ms);
    expect([b.min.cpuUnbounded, b.min.memoryUnbounded, b.min.cpuRequests]).toEqual([true, true, 1500]);
  });

  test('surge, CPU and byte formatting', () => {
    expect([surgeOf(undefined, 6), surgeOf('50%', 3), surgeOf(2, 10), surgeOf('0%', 5)]).toEqual([2, 2, 2, 0]);
    expect([formatCpu(250), formatCpu(1000), formatCpu(11300), formatCpu(1234)]).toEqual(['250m', '1', '11.3', '1.234']);
    expect([formatBytes(320 * Mi), formatBytes(1920 * Mi), formatBytes(15 * Gi), formatBytes(512)]).toEqual(['320Mi', '1.88Gi', '15Gi', '512']);
  });
});

describe('routes', () => {
  test('Ingress: host and path to service and port, TLS per host', () => {
    expect(routeTable(shopManifests())).toEqual([
      { source: 'Ingress/shop', host: 'shop.berth.example.com', path: '/', match: 'Prefix', backends: [{ service: 'gateway', port: '80' }], tls: 'yes', tlsVia: 'secret shop-tls' },
      { source: 'Ingress/shop', host: 'shop.berth.example.com', path: '/api', match: 'Prefix', backends: [{ service: 'api', port: 'http' }], tls: 'yes', tlsVia: 'secret shop-tls' },
      { source: 'Ingress/shop', host: 'status.berth.example.com', path: '/', match: 'Exact', backends: [{ service: 'gateway', port: '80' }], tls: 'no' },
    ]);
  });

  test('HTTPRoute through an HTTPS Gateway listener, and an Istio VirtualService with a canary split', () => {
    const ms: Manifest[] = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge' }, spec: {
        gatewayClassName: 'istio', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.com' }, { name: 'http', protocol: 'HTTP', port: 80 }],
      } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web' }, spec: {
        parentRefs: [{ name: 'edge', sectionName: 'https' }], hostnames: ['todo.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api/v1' } }], backendRefs: [{ name: 'backend', port: 8000 }] }],
      } },
      { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'nexus' }, spec: {
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['nexus.example.com'], tls: { mode: 'SIMPLE', credentialName: 'nexus-tls' } }],
      } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: {
        hosts: ['nexus.example.com'], gateways: ['nexus'],
        http: [{ match: [{ uri: { prefix: '/api' } }], route: [
          { destination: { host: 'api.nexus-prod.svc.cluster.local', port: { number: 8080 } }, weight: 90 },
          { destination: { host: 'api-canary', port: { number: 8080 } }, weight: 10 },
        ] }],
      } },
    ];
    const routes = routeTable(ms);
    expect(routes).toEqual([
      { source: 'HTTPRoute/web', host: 'todo.example.com', path: '/api/v1', match: 'PathPrefix', backends: [{ service: 'backend', port: '8000' }], tls: 'yes', tlsVia: 'gateway edge' },
      { source: 'VirtualService/api', host: 'nexus.example.com', path: '/api', match: 'prefix', tls: 'yes', tlsVia: 'gateway nexus',
        backends: [{ service: 'api', port: '8080', weight: 90 }, { service: 'api-canary', port: '8080', weight: 10 }] },
    ]);
    expect(formatBackends(routes[1].backends)).toBe('api:8080 (90%), api-canary:8080 (10%)');
  });
});

describe('cluster requirements', () => {
  test('CRD groups map to operators; named cluster objects are listed', () => {
    expect(operatorsNeeded(shopManifests())).toEqual([
      { group: 'monitoring.coreos.com', operator: 'Prometheus Operator', kinds: [{ kind: 'ServiceMonitor', count: 1 }], apiVersions: ['monitoring.coreos.com/v1'] },
    ]);
    expect(prerequisites(shopManifests())).toEqual([
      { kind: 'ClusterIssuer', name: 'letsencrypt-prod', usedBy: ['Ingress/shop'] },
      { kind: 'IngressClass', name: 'nginx', usedBy: ['Ingress/shop'] },
      { kind: 'StorageClass', name: 'premium-rwo', usedBy: ['PersistentVolumeClaim/uploads', 'StatefulSet/postgres'] },
    ]);
  });
});

describe("the cluster's prerequisites in the report", () => {
  test("a PriorityClass that dist/<dir>/cluster creates is listed with it; the operators' objects without", async () => {
    const c = clusterUnit(clusterTargets(prod)[0]);
    const cluster = fromRendered([renderUnit(c)])[0];
    const store = clone(shopManifests());
    const sts = find(store, 'StatefulSet', 'postgres');
    obj(obj(obj(sts.spec).template).spec).priorityClassName = 'berth-store';
    const files = await renderReports([shopStack(store, 'prod-eu-west'), cluster], 'dist/');
    const page = files.get('prod-eu-west/shop.html')!;
    expect(page).toContain('<td>PriorityClass</td><td><code>berth-store</code></td><td>StatefulSet/postgres</td><td><code>dist/prod-eu-west/cluster/</code> (apply once per cluster)</td>');
    expect(page).toContain('<td>StorageClass</td><td><code>premium-rwo</code></td><td>PersistentVolumeClaim/uploads, StatefulSet/postgres</td><td><span class="muted">the cluster\'s operators</span></td>');
    expect(files.get('prod-eu-west/cluster.html')).toContain('PriorityClass ×4');
  });
});

describe('dependency picture', () => {
  test('gateway → services → store, with the NetworkPolicy edges', () => {
    const g = dependencyGraph(shopManifests());
    expect(g.nodes.map((n) => [n.id, n.kind, n.label.join(' | ')])).toEqual([
      ['StatefulSet/postgres', 'store', 'postgres | StatefulSet ×1 | svc: postgres-headless, postgres'],
      ['Job/migrate', 'job', 'migrate | Job'],
      ['Deployment/api', 'service', 'api | Deployment ×2'],
      ['Deployment/gateway', 'service', 'gateway | Deployment ×2–6'],
      ['clients', 'client', 'clients'],
      // The hosts' common domain on the node, the rest on the edges.
      ['Ingress/shop', 'gateway', 'shop | Ingress | *.berth.example.com'],
      ['ns:ingress-nginx:', 'outside', 'namespace ingress-nginx'],
    ]);
    expect(g.edges).toEqual([
      { from: 'clients', to: 'Ingress/shop', kind: 'route', label: 'http, https', allowed: true },
      { from: 'Ingress/shop', to: 'Deployment/gateway', kind: 'route', label: 'shop /\nstatus /', allowed: true },
      { from: 'Ingress/shop', to: 'Deployment/api', kind: 'route', label: 'shop /api', allowed: true },
      { from: 'Deployment/api', to: 'StatefulSet/postgres', kind: 'network', label: '5432/TCP', allowed: true },
      { from: 'Job/migrate', to: 'StatefulSet/postgres', kind: 'network', label: '5432/TCP', allowed: true },
      { from: 'Deployment/gateway', to: 'Deployment/api', kind: 'network', label: '8080/TCP', allowed: true },
      { from: 'ns:ingress-nginx:', to: 'Deployment/gateway', kind: 'network', label: '8080/TCP', allowed: true },
    ]);
    expect(g.defaultDeny).toEqual({ ingress: true, egress: true });
    expect(g.namespaceWide).toEqual(['allow-dns: egress to namespace kube-system pods k8s-app=kube-dns on 53/UDP, 53/TCP']);
    expect(g.groups).toEqual([]);
  });

  test('a connection allowed at one end only is drawn as blocked', () => {
    const ms = clone(shopManifests());
    arr(find(ms, 'NetworkPolicy', 'api'), 'spec.egress').length = 0;
    const edge = dependencyGraph(ms).edges.find((e) => e.from === 'Deployment/api' && e.to === 'StatefulSet/postgres');
    expect(edge).toEqual({ from: 'Deployment/api', to: 'StatefulSet/postgres', kind: 'network', label: 'blocked: 5432/TCP (no egress rule on api)', allowed: false });
  });
});

describe('dependency picture of a large stack', () => {
  const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
  /** The fixture with the monitoring namespace let in to `workloads` on 9090, and a second migration-like CronJob. */
  function scraped(workloads: readonly string[]): Manifest[] {
    const ms = clone(shopManifests());
    for (const w of workloads) arr(find(ms, 'NetworkPolicy', w), 'spec.ingress').push({ from: [ns('monitoring')], ports: [{ port: 9090, protocol: 'TCP' }] });
    return ms;
  }

  test('a peer that reaches three workloads is listed once, not drawn; two are still drawn', () => {
    const g = dependencyGraph(scraped(['api', 'gateway', 'postgres']));
    expect(g.groups).toEqual([{
      peer: 'ns:monitoring:', name: 'namespace monitoring', direction: 'out',
      targets: [{ ports: '9090/TCP', workloads: ['api', 'gateway', 'postgres'] }],
    }]);
    expect(g.groups.map(groupText)).toEqual(['namespace monitoring → api, gateway, postgres on 9090/TCP']);
    expect(g.nodes.map((n) => n.id)).not.toContain('ns:monitoring:');
    expect(g.edges.filter((e) => e.from === 'ns:monitoring:')).toEqual([]);
    const two = dependencyGraph(scraped(['api', 'gateway']));
    expect([two.groups, two.edges.filter((e) => e.from === 'ns:monitoring:').map((e) => `${e.to} ${e.label}`)])
      .toEqual([[], ['Deployment/api 9090/TCP', 'Deployment/gateway 9090/TCP']]);
    // With a higher threshold nothing is grouped.
    expect(dependencyGraph(scraped(['api', 'gateway', 'postgres']), { groupAt: 4 }).groups).toEqual([]);
  });

  test('many workloads calling one address block group the other way', () => {
    const ms = clone(shopManifests());
    for (const w of ['api', 'gateway', 'migrate']) arr(find(ms, 'NetworkPolicy', w), 'spec.egress').push({ to: [{ ipBlock: { cidr: '10.20.0.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    const g = dependencyGraph(ms);
    expect(g.groups).toEqual([{ peer: 'cidr:10.20.0.0/24', name: '10.20.0.0/24', direction: 'in', targets: [{ ports: '443/TCP', workloads: ['api', 'gateway', 'migrate'] }] }]);
    expect(g.groups.map(groupText)).toEqual(['api, gateway, migrate → 10.20.0.0/24 on 443/TCP']);
  });

  test('a connection allowed at one end only is always drawn, never grouped', () => {
    const ms = clone(shopManifests());
    // migrate calls api, gateway and postgres; api and postgres let it in, gateway doesn't.
    arr(find(ms, 'NetworkPolicy', 'migrate'), 'spec.egress').push(
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop-prod' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': 'shop-prod' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
    );
    arr(find(ms, 'NetworkPolicy', 'api'), 'spec.ingress').push({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'migrate', 'app.kubernetes.io/instance': 'shop-prod' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    const g = dependencyGraph(ms, { groupAt: 2 });
    expect(g.groups.map(groupText)).toEqual(['Job migrate → api on 8080/TCP; postgres on 5432/TCP']);
    expect(g.edges.filter((e) => e.from === 'Job/migrate').map((e) => `${e.to} ${e.allowed} ${e.label}`)).toEqual([
      'Deployment/gateway false blocked: 8080/TCP (no ingress rule on gateway)',
    ]);
    expect(g.nodes.map((n) => n.id)).toContain('Job/migrate');
  });

  test('jobs with the same connections are one node; a job with others stays apart', () => {
    const ms = clone(shopManifests());
    const backup = clone(find(ms, 'Job', 'migrate'));
    const cron = (name: string): Manifest => ({
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'shop-prod' },
      spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { ...obj(backup, 'spec.template'), metadata: { labels: { 'app.kubernetes.io/name': 'migrate', 'app.kubernetes.io/instance': 'shop-prod' } } } } } },
    });
    ms.push(cron('postgres-backup'), cron('postgres-restore'));
    const g = dependencyGraph(ms);
    expect(g.nodes.filter((n) => n.kind === 'job').map((n) => [n.id, n.label.join(' | ')])).toEqual([
      ['Job/migrate', 'migrate | Job'],
      ['CronJob/postgres-backup', 'postgres-backup, postgres-restore | CronJob ×2'],
    ]);
    expect(g.edges.filter((e) => e.to === 'StatefulSet/postgres').map((e) => e.from)).toEqual(['Deployment/api', 'Job/migrate', 'CronJob/postgres-backup']);
  });

  test('route labels: the hosts\' common domain goes on the gateway node', () => {
    expect([
      commonDomain(['auth.giia.example.com', 'catalog.giia.example.com']),
      commonDomain(['api.nexus.example.com']),
      commonDomain(['a.example.com', 'b.example.org']),
      commonDomain(['*', 'a.example.com']),
    ]).toEqual(['giia.example.com', 'api.nexus.example.com', undefined, undefined]);
    expect([wrapName('neo4j-backup, neo4j-restore'), wrapName('nexus-api-nexus-berth-example-com'), wrapName('todo-chatbot.berth.example.com'), wrapName('api')])
      .toEqual([['neo4j-backup,', 'neo4j-restore'], ['nexus-api-nexus-berth-', 'example-com'], ['todo-chatbot.berth.example.com'], ['api']]);
  });

  test('drawn top to bottom, jobs below their stores, the grouped peers listed under the title', () => {
    const v = toVizGraph(dependencyGraph(scraped(['api', 'gateway', 'postgres'])), 'prod/shop');
    expect(v.graphAttributes?.rankdir).toBe('TB');
    const label = (v.graphAttributes?.label as { html: string }).html;
    expect([...label.matchAll(/<TD ALIGN="LEFT">(.*?)<\/TD>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''))).toEqual([
      'prod/shop',
      'Connections NetworkPolicies allow to or from many workloads, listed instead of drawn:',
      'namespace monitoring → api, gateway, postgres on 9090/TCP',
    ]);
    const job = v.edges?.find((e) => e.head === 'Job/migrate' || e.tail === 'Job/migrate');
    expect([job?.tail, job?.head, job?.attributes?.dir]).toEqual(['StatefulSet/postgres', 'Job/migrate', 'back']);
  });
});

/** The text Graphviz drew, entities decoded. */
function svgText(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

describe('report files', () => {
  test('the SVG exists and names every service; the pages link up', async () => {
    const files = await renderReports([shopStack()], 'dist/');
    expect([...files.keys()]).toEqual(['prod/shop.svg', 'prod/shop.html', 'index.html']);
    const svg = files.get('prod/shop.svg')!;
    expect(svg).toMatch(/<svg[^>]*viewBox/);
    const text = svgText(svg).join('\n');
    const services = shopManifests().filter((m) => m.kind === 'Service').map((m) => m.metadata.name);
    expect(services).toEqual(['postgres-headless', 'postgres', 'api', 'gateway']);
    expect(services.filter((s) => !new RegExp(`(^|[\\s,:])${s}($|[\\s,])`, 'm').test(text))).toEqual([]);
    const page = files.get('prod/shop.html')!;
    expect(page).toContain('<svg');
    expect(page).toContain('<a href="../index.html">');
    expect(page).toContain('<td><code>shop.berth.example.com</code></td><td><code>/api</code></td><td>Prefix</td><td><code>api:http</code></td><td><span class="ok">yes</span></td>');
    expect(files.get('index.html')).toContain('<a href="prod/shop.html">shop</a>');
  });

  test('the index lists environments in promotion order', async () => {
    const files = await renderReports(['prod', 'dev', 'staging'].map((env) => shopStack(shopManifests(), env)), 'dist/');
    expect([...files.get('index.html')!.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1])).toEqual(['dev', 'staging', 'prod']);
    expect([...files.keys()].filter((f) => f.endsWith('.html') && f !== 'index.html')).toEqual(['dev/shop.html', 'staging/shop.html', 'prod/shop.html']);
  });

  test("an environment's clusters follow it, in their order; a Flux directory names Flux's controllers", async () => {
    const flux = fromRendered(['prod-eu-west', 'prod-us-east'].map((dir) => renderUnit(fluxUnit(clusterTargets(prod).find((t) => t.dir === dir)!, ['shop']))));
    const files = await renderReports([...['prod-us-east', 'dev', 'prod-eu-west'].map((env) => shopStack(shopManifests(), env)), ...flux], 'dist/');
    expect([...files.get('index.html')!.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1])).toEqual(['dev', 'prod-eu-west', 'prod-us-east']);
    expect(operatorsNeeded(flux[0].objects.map((o) => o.manifest)).map((o) => `${o.group}: ${o.operator}`)).toEqual([
      'kustomize.toolkit.fluxcd.io: Flux (kustomize-controller)', 'source.toolkit.fluxcd.io: Flux (source-controller)',
    ]);
    expect(files.get('prod-us-east/flux.html')).toContain('Flux (kustomize-controller)');
  });

  test('npm run report writes outside dist/ and refuses to write into it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-report-'));
    for (const o of shopStack().objects) {
      fs.mkdirSync(path.join(root, 'dist/prod/shop'), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist/prod/shop', o.file), toYaml(o.manifest));
    }
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), cwd: root };
    expect(await reportCli([], io)).toBe(0);
    expect(out).toEqual(['berth report: 1 stack(s), 3 files → reports/index.html\n']);
    expect(fs.readdirSync(path.join(root, 'reports/prod')).sort()).toEqual(['shop.html', 'shop.svg']);
    expect(await reportCli(['--out', 'dist/reports'], io)).toBe(3);
    expect(err).toEqual(['berth report: --out must be outside dist/, which holds manifests only\n']);
  });
});

test('fixture helpers edit in place', () => {
  const ms = clone(shopManifests());
  obj(find(ms, 'Deployment', 'api'), 'spec').replicas = 5;
  expect(stackBudget(ms).min.pods).toBe(8);
});

import * as fs from 'fs';
import * as path from 'path';
import { buildAll, clusterTargets, ENVIRONMENTS, STACKS } from '../charts';
import { RESERVED_STACK_IDS } from '../charts/validate-environments';
import { isDns1035Label } from '../constructs/core/names';
import { formatFinding } from '../synth';
import { RenderedStack, renderUnit } from '../synth/render';
import { validators } from '../synth/validators';
import { filesOf, listFiles } from '../synth/write';
import { get } from './util';

// Render once: every test below reads the same 20 stack dirs (plus the Argo CD and Flux dirs).
const stacks: RenderedStack[] = buildAll().map(renderUnit);
const appStacks = stacks.filter((s) => !RESERVED_STACK_IDS.includes(s.stack));
const TARGETS = ENVIRONMENTS.flatMap(clusterTargets);
/** The environment a directory of dist/ belongs to: `prod-eu-west` → `prod`. */
const envOf = (dir: string): string => TARGETS.find((t) => t.dir === dir)!.env.name;
const files = filesOf(stacks);

type Obj = RenderedStack['objects'][number]['manifest'];
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob']);
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io']);

function podSpecOf(m: Obj) {
  return m.kind === 'CronJob' ? get(m, 'spec', 'jobTemplate', 'spec', 'template') : get(m, 'spec', 'template');
}
/** A Job's name without its content suffix (its `app.kubernetes.io/name`); any other object's name. */
function baseName(m: Obj): string {
  return m.kind === 'Job' ? m.metadata.labels?.['app.kubernetes.io/name'] ?? m.metadata.name : m.metadata.name;
}
function everyObject(fn: (m: Obj, s: RenderedStack) => string[]): string[] {
  return appStacks.flatMap((s) => s.objects.flatMap((o) => fn(o.manifest, s).map((p) => `${s.env}/${s.stack} ${o.manifest.kind}/${o.manifest.metadata.name}: ${p}`)));
}

describe('reference stacks', () => {
  test('every stack synthesizes for every environment', () => {
    expect(appStacks.map((s) => `${s.env}/${s.stack}`)).toEqual(
      TARGETS.flatMap((t) => STACKS.map((s) => `${t.dir}/${s.id}`)));
  });

  // dist/ itself is the reviewed record of the output (no snapshot repeats it): these two
  // tests make `npm test` fail when it is stale or when the synth would refuse a stack.
  test('every stack passes the safety net the synth runs', () => {
    expect(stacks.flatMap((s) => validators.flatMap((v) => v(s).map(formatFinding)))).toEqual([]);
  });

  test('the committed dist/ is what the stacks render (when this fails: npm run synth, review git diff dist/, commit it)', () => {
    const dist = path.join(__dirname, '..', 'dist');
    const onDisk = new Set(listFiles(dist));
    const stale = [...files].filter(([f, content]) => !onDisk.has(f) || fs.readFileSync(path.join(dist, f), 'utf-8') !== content).map(([f]) => `changed or missing: ${f}`);
    const extra = [...onDisk].filter((f) => !files.has(f)).map((f) => `not synthesized: ${f}`);
    expect([...stale, ...extra]).toEqual([]);
  });

  test('each stack dir applies the Namespace first and lists every file in its kustomization', () => {
    for (const s of appStacks) {
      expect(s.objects[0].manifest.kind).toBe('Namespace');
      expect(s.objects[0].file).toBe(`00-namespace-${s.stack}-${envOf(s.env)}.yaml`);
      expect(s.files.get('Kustomization')).toBe(
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${s.objects.map((o) => `  - ${o.file}\n`).join('')}`);
    }
  });

  test('every object is labelled managed-by berth and part-of its stack', () => {
    expect(everyObject((m, s) => {
      const l = m.metadata.labels ?? {};
      return l['app.kubernetes.io/managed-by'] === 'berth' && (m.kind === 'Namespace' || l['app.kubernetes.io/part-of'] === s.stack)
        ? [] : [`labels ${JSON.stringify(l)}`];
    })).toEqual([]);
  });

  test('every pod template carries the app.kubernetes.io labels; selectors use only name and instance', () => {
    expect(everyObject((m) => {
      if (!WORKLOADS.has(m.kind)) return [];
      const labels = get(podSpecOf(m), 'metadata', 'labels') ?? {};
      const missing = ['name', 'instance', 'component', 'part-of', 'managed-by'].filter((k) => !labels[`app.kubernetes.io/${k}`]);
      const selector = get(m, 'spec', 'selector', 'matchLabels');
      const badSelector = selector && Object.keys(selector).sort().join() !== 'app.kubernetes.io/instance,app.kubernetes.io/name';
      return [...missing.map((k) => `template lacks ${k}`), ...(badSelector ? [`selector ${JSON.stringify(selector)}`] : [])];
    })).toEqual([]);
  });

  test('app.kubernetes.io/instance is the installation (<stack>-<env>, the namespace) on every object, template and selector: never changed, so no selector changes', () => {
    expect(everyObject((m, s) => {
      if (m.kind === 'Namespace' || m.metadata.labels?.['app.kubernetes.io/instance'] === undefined) return [];
      // The stack's own namespace (Certificates of an Istio gateway live in istio-system, and still belong to it).
      const ns = s.objects.find((o) => o.manifest.kind === 'Namespace')!.manifest.metadata.name;
      const values = [m.metadata.labels['app.kubernetes.io/instance'], get(m, 'spec', 'selector', 'matchLabels', 'app.kubernetes.io/instance'),
        get(podSpecOf(m) ?? {}, 'metadata', 'labels', 'app.kubernetes.io/instance')].filter((v) => v !== undefined);
      return values.every((v) => v === ns && v.startsWith(`${s.stack}-`)) ? [] : [`instance ${JSON.stringify(values)} in namespace ${ns}`];
    })).toEqual([]);
  });

  test('every container has requests and limits; long-running ones have readiness and liveness probes', () => {
    expect(everyObject((m) => {
      if (!WORKLOADS.has(m.kind)) return [];
      const spec = get(podSpecOf(m), 'spec');
      const all = [...(spec.initContainers ?? []), ...spec.containers];
      const problems = all.flatMap((c: { name: string; resources?: { requests?: object; limits?: object } }) =>
        ['requests', 'limits'].flatMap((k) => ['cpu', 'memory'].filter((r) => !get(c.resources, k, r)).map((r) => `${c.name} lacks ${k}.${r}`)));
      if (m.kind === 'Deployment' || m.kind === 'StatefulSet') {
        for (const c of spec.containers) {
          if (!c.readinessProbe) problems.push(`${c.name} lacks a readiness probe`);
          if (!c.livenessProbe) problems.push(`${c.name} lacks a liveness probe`);
        }
      }
      return problems;
    })).toEqual([]);
  });

  test('every pod is Pod Security restricted with a read-only root filesystem', () => {
    expect(everyObject((m) => {
      if (!WORKLOADS.has(m.kind)) return [];
      const spec = get(podSpecOf(m), 'spec');
      const problems: string[] = [];
      if (spec.securityContext?.runAsNonRoot !== true) problems.push('pod runAsNonRoot');
      if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push('pod seccomp');
      if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push('host namespaces');
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const sc = c.securityContext ?? {};
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name} allowPrivilegeEscalation`);
        if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') problems.push(`${c.name} drop ALL`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${c.name} readOnlyRootFilesystem`);
        if (sc.privileged) problems.push(`${c.name} privileged`);
      }
      return problems;
    })).toEqual([]);
  });

  test('no Namespace is ever pruned or deleted by Argo CD or Flux (its PVCs would go with it)', () => {
    expect(appStacks.filter((s) => {
      const a = s.objects[0].manifest.metadata.annotations ?? {};
      return a['argocd.argoproj.io/sync-options'] !== 'Prune=false,Delete=false' || a['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled';
    }).map((s) => `${s.env}/${s.stack}`)).toEqual([]);
  });

  test('meshed namespaces (nexus outside dev) reach istiod, and every job pod there waits for and then stops its sidecar', () => {
    const meshed = appStacks.filter((s) => s.objects[0].manifest.metadata.labels?.['istio-injection'] === 'enabled');
    expect(meshed.map((s) => `${s.env}/${s.stack}`)).toEqual(['staging/nexus', 'prod-eu-west/nexus', 'prod-us-east/nexus']);
    const jobPods = (s: RenderedStack) => s.objects.filter((o) => o.manifest.kind === 'Job' || o.manifest.kind === 'CronJob')
      .map((o) => [`${s.env}/${s.stack} ${o.manifest.kind}/${baseName(o.manifest)}`, podSpecOf(o.manifest)] as const);
    const stopsSidecar = (pod: { metadata: { annotations?: Record<string, string> }; spec: { containers: { command?: string[] }[] } }) =>
      pod.metadata.annotations?.['proxy.istio.io/config'] === '{"holdApplicationUntilProxyStarts": true}'
      && pod.spec.containers.every((c) => c.command?.[2]?.includes('http://127.0.0.1:15020/quitquitquit'));
    const meshedJobs = meshed.flatMap(jobPods);
    expect(meshedJobs.map(([id]) => id).sort()).toEqual(['staging', 'prod-eu-west', 'prod-us-east'].flatMap((env) => [
      'CronJob/neo4j-backup', 'CronJob/neo4j-restore', 'CronJob/postgres-backup', 'CronJob/postgres-restore',
      'Job/migrate', 'Job/neo4j-backups-bind', 'Job/postgres-backups-bind', 'Job/smoke-test',
    ].map((job) => `${env}/nexus ${job}`)).sort());
    expect(meshedJobs.filter(([, pod]) => !stopsSidecar(pod)).map(([id]) => id)).toEqual([]);
    expect(appStacks.filter((s) => !meshed.includes(s)).flatMap(jobPods).filter(([, pod]) => stopsSidecar(pod)).map(([id]) => id)).toEqual([]);
    for (const s of meshed) expect(s.objects.some((o) => o.manifest.kind === 'NetworkPolicy' && o.manifest.metadata.name === 'allow-istiod')).toBe(true);
  });

  test('Jobs, and only Jobs, are named after their spec: <app.kubernetes.io/name>-<10 hex digits>', () => {
    expect(everyObject((m) => m.kind === 'Job' && m.metadata.name !== `${baseName(m)}-${m.metadata.name.slice(-10)}` ? ['not content-named'] : [])).toEqual([]);
    expect(everyObject((m) => m.kind !== 'Job' && /-[0-9a-f]{10}$/.test(m.metadata.name) ? ['hash-suffixed'] : [])).toEqual([]);
  });

  test('Service names are readable DNS labels without hash suffixes', () => {
    expect(everyObject((m) => m.kind === 'Service' && (!isDns1035Label(m.metadata.name) || /-[0-9a-f]{8}$/.test(m.metadata.name))
      ? ['hash-suffixed or invalid name'] : [])).toEqual([]);
  });

  test("every route's backend exists with that port", () => {
    const missing: string[] = [];
    for (const s of appStacks) {
      const services = new Map(s.objects.filter((o) => o.manifest.kind === 'Service').map((o) => [o.manifest.metadata.name, get(o.manifest, 'spec', 'ports') as { name: string; port: number }[]]));
      const check = (where: string, name: string, port: string | number) => {
        const ports = services.get(name);
        if (!ports?.some((p) => p.name === port || p.port === port)) missing.push(`${s.env}/${s.stack} ${where} → ${name}:${port}`);
      };
      let routes = 0;
      for (const { manifest: m } of s.objects) {
        if (m.kind === 'Ingress') {
          for (const rule of get(m, 'spec', 'rules')) {
            for (const p of rule.http.paths) {
              routes++;
              check(`Ingress/${m.metadata.name}`, p.backend.service.name, p.backend.service.port.name ?? p.backend.service.port.number);
            }
          }
        }
        if (m.kind === 'HTTPRoute') {
          for (const rule of get(m, 'spec', 'rules')) for (const b of rule.backendRefs ?? []) { routes++; check(`HTTPRoute/${m.metadata.name}`, b.name, b.port); }
        }
        if (m.kind === 'VirtualService') {
          for (const h of get(m, 'spec', 'http')) {
            for (const r of h.route) { routes++; check(`VirtualService/${m.metadata.name}`, r.destination.host.split('.')[0], r.destination.port.number); }
          }
        }
      }
      expect([s.env, s.stack, routes > 0]).toEqual([s.env, s.stack, true]);
    }
    expect(missing).toEqual([]);
  });

  test('dev stack dirs use only built-in APIs, so they apply to a plain kind or minikube cluster', () => {
    const groups = appStacks.filter((s) => s.env === 'dev').flatMap((s) => s.objects.map((o) => o.manifest.apiVersion.includes('/') ? o.manifest.apiVersion.split('/')[0] : ''));
    expect([...new Set(groups)].filter((g) => !BUILT_IN_GROUPS.has(g))).toEqual([]);
  });

  test('no plaintext Secret outside dev', () => {
    expect(appStacks.filter((s) => s.env !== 'dev').flatMap((s) => s.objects.filter((o) => o.manifest.kind === 'Secret').map((o) => `${s.env}/${s.stack}/${o.file}`))).toEqual([]);
  });

  test('sync waves order baseline, config, stores, migrations, services, gateway', () => {
    const nexus = stacks.find((s) => s.env === 'prod-eu-west' && s.stack === 'nexus')!;
    const wave = (kind: string, name: string) => nexus.objects.find((o) => o.manifest.kind === kind && baseName(o.manifest) === name)!.manifest.metadata.annotations!['argocd.argoproj.io/sync-wave'];
    expect([
      wave('Namespace', 'nexus-prod'), wave('NetworkPolicy', 'default-deny'), wave('ExternalSecret', 'postgres-credentials'),
      wave('StatefulSet', 'postgres'), wave('Job', 'migrate'), wave('Deployment', 'api'), wave('VirtualService', 'nexus-api-nexus-berth-example-com'),
      wave('Job', 'smoke-test'),
    ]).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });
});

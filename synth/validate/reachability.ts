// Ports and URLs that exist on paper but carry no traffic: a Service port nothing may reach,
// a route whose backend doesn't admit the ingress proxies, and a configured cluster URL the
// policies at either end refuse (the `connectTo` that was forgotten).
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { containersOf, LabelSelector, PodTemplate, record, records } from './model';
import { namedPort, namespaceOf, networkOf, PodPort, serviceTarget, Source } from './network';
import { selectorMatches } from './selectors';
import { Path } from './paths';
import { perStack, Report } from './report';
import { routesOf, serviceOfHost } from './routes';
import { factsFor, RuntimeFacts } from './runtime-facts';
import { indexOf, StackIndex } from './stack-index';

function describe(o: RenderedObject): string {
  return `${o.manifest.kind}/${o.manifest.metadata?.name}`;
}

/** Default ports of the URL schemes berth's stacks use. */
const SCHEME_PORTS: Readonly<Record<string, number>> = {
  http: 80, https: 443, ws: 80, wss: 443, grpc: 80,
  postgres: 5432, postgresql: 5432, redis: 6379, rediss: 6379, nats: 4222, tls: 4222,
  neo4j: 7687, bolt: 7687, 'neo4j+s': 7687, 'bolt+s': 7687, amqp: 5672, mongodb: 27017, mysql: 3306,
};

// scheme://[userinfo@]host[:port]: userinfo may hold $(VAR) references the kubelet expands.
const URL = /([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?::(\d+))?/g;

/** The Service a URL host names in namespace `ns`, if it names one there. */
function serviceOfUrlHost(host: string, ns: string): { name: string; qualified: boolean } | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return { name: host, qualified: false };
  if (parts[1] !== ns) return undefined;
  const rest = parts.slice(2).join('.');
  return rest === '' || rest === 'svc' || rest === 'svc.cluster.local' ? { name: parts[0], qualified: true } : undefined;
}

interface ConfiguredValue {
  readonly value: string;
  readonly path: Path;
  readonly variable: string;
}

/** Every env value a container reads, literal or from a ConfigMap of the stack, and its command line. */
function valuesOf(idx: StackIndex, t: PodTemplate): ConfiguredValue[] {
  const out: ConfiguredValue[] = [];
  const ns = namespaceOf(t.object);
  const configMap = (name: unknown) => {
    const cm = typeof name === 'string' ? idx.get('ConfigMap', name) : undefined;
    return cm && namespaceOf(cm) === ns ? record(cm.manifest.data) : undefined;
  };
  for (const { container, path } of containersOf(t)) {
    // A URL in the command line (a smoke test's targets) is configuration too.
    for (const key of ['command', 'args'] as const) {
      const argv = (container as Readonly<Record<string, unknown>>)[key];
      if (Array.isArray(argv)) argv.forEach((a, i) => { if (typeof a === 'string') out.push({ value: a, path: [...path, key, i], variable: `the URL in ${key}[${i}]` }); });
    }
    records(container.env).forEach((e, i) => {
      if (typeof e.value === 'string') out.push({ value: e.value, path: [...path, 'env', i, 'value'], variable: String(e.name) });
      const ref = record(record(e.valueFrom).configMapKeyRef);
      const data = configMap(ref.name);
      if (data && typeof data[String(ref.key)] === 'string') {
        out.push({ value: data[String(ref.key)] as string, path: [...path, 'env', i, 'valueFrom', 'configMapKeyRef'], variable: String(e.name) });
      }
    });
    records(container.envFrom).forEach((src, i) => {
      const data = configMap(record(src.configMapRef).name);
      if (!data) return;
      const prefix = typeof src.prefix === 'string' ? src.prefix : '';
      for (const [k, v] of Object.entries(data)) {
        if (typeof v === 'string') out.push({ value: v, path: [...path, 'envFrom', i, 'configMapRef'], variable: `${prefix}${k}` });
      }
    });
  }
  return out;
}

function checkConfiguredUrls(report: Report, idx: StackIndex): void {
  const net = networkOf(idx);
  const meshRoutes = routesOf(idx.stack.objects).filter((r) => r.mesh);
  for (const t of idx.pods.pods) {
    const ns = namespaceOf(t.object) ?? '';
    for (const v of valuesOf(idx, t)) {
      if (!v.value.includes('://')) continue;
      for (const m of v.value.matchAll(URL)) {
        const [, scheme, host, , port] = m;
        const named = serviceOfUrlHost(host, ns);
        if (!named) continue;
        const svc = idx.get('Service', named.name);
        if (!svc || namespaceOf(svc) !== ns) {
          // A bare word (localhost, a mistyped host) is only an error when it is clearly a cluster name.
          if (named.qualified) {
            report.add(t.object, v.path, `${v.variable} names Service ${formatValue(named.name)}, which this stack does not define, received ${formatValue(m[0])}`,
              'use the URL of a Service of this stack (a construct\'s url or connectionEnv())');
          }
          continue;
        }
        const number = port !== undefined ? Number(port) : SCHEME_PORTS[scheme];
        if (number === undefined) continue;
        const target = serviceTarget(idx, svc, { number });
        if (!target) {
          const ports = records(record(svc.manifest.spec).ports).map((p) => `${p.name ?? ''} (${p.port})`).join(', ');
          report.add(t.object, v.path, `${v.variable} points at port ${number} of ${describe(svc)}, which has no such port, received ${formatValue(m[0])}`,
            `its ports: ${ports}`);
          continue;
        }
        // In the mesh, a VirtualService for the host sends the caller to its destinations instead.
        const rerouted = net.meshed(t)
          ? meshRoutes.filter((r) => r.hosts.some((h) => serviceOfHost(h, ns) === named.name)).flatMap((r) => {
            const to = idx.get('Service', r.service);
            const via = to && serviceTarget(idx, to, { number: r.port.number ?? number });
            return via ? [{ service: to, pods: via.pods }] : [];
          })
          : [];
        const destinations = rerouted.length > 0 ? rerouted : [{ service: svc, pods: target.pods }];
        search: for (const d of destinations) {
          for (const dest of d.pods) {
            if (dest.pod === t) continue;
            const blocked = net.blocked({ kind: 'pod', pod: t }, dest.pod, dest.port);
            if (blocked) {
              const via = d.service === svc ? '' : ` (the mesh routes it to ${describe(d.service)})`;
              report.add(t.object, v.path, `${v.variable} points at ${describe(svc)} port ${number}${via}, but ${blocked.detail}, received ${formatValue(m[0])}`,
                'call connectTo() from the caller to the service (it opens both ends), or drop the URL');
              break search;
            }
          }
        }
      }
    }
  }
}

/** A Service port whose pods no NetworkPolicy opens to anyone is dead: no client can use it. */
function checkDeadPorts(report: Report, idx: StackIndex): void {
  const net = networkOf(idx);
  for (const svc of idx.ofKind('Service')) {
    if (svc.manifest.apiVersion !== 'v1') continue;
    records(record(svc.manifest.spec).ports).forEach((p, i) => {
      const target = serviceTarget(idx, svc, typeof p.name === 'string' ? { name: p.name } : { number: p.port as number });
      if (!target) return;
      const dead = target.pods.find((d) => !net.ingressOpen(d.pod, d.port));
      if (!dead) return;
      report.add(svc, ['spec', 'ports', i],
        `exposes ${formatValue(p.name ?? p.port)} (pod port ${dead.port.number}) of ${describe(dead.pod.object)}, but no NetworkPolicy admits anyone on it and no route reaches it: the port is dead`,
        'connectTo() it from its callers, route it through the gateway, or mark it internalOnly so it is not on the Service');
    });
  }
}

/** Every route's backend must admit the ingress proxies, or the route answers 502/503. */
function checkRouteBackends(report: Report, idx: StackIndex, facts: RuntimeFacts): void {
  const net = networkOf(idx);
  for (const route of routesOf(idx.stack.objects)) {
    if (route.mesh) continue;
    const svc = idx.get('Service', route.service);
    if (!svc || namespaceOf(svc) !== namespaceOf(route.object)) continue;
    const target = serviceTarget(idx, svc, route.port.name !== undefined ? { name: route.port.name } : { number: route.port.number });
    if (!target) continue;
    const proxies: Source[] = facts.ingressNamespaces.map((ns) => ({
      kind: 'namespace', namespace: ns, meshed: true,
      ...(facts.ingressProxies?.[ns]?.podLabels ? { podLabels: facts.ingressProxies[ns].podLabels } : {}),
      ...(facts.ingressProxies?.[ns]?.principal ? { principal: facts.ingressProxies[ns].principal } : {}),
    }));
    for (const dest of target.pods) {
      const refusals = proxies.map((p) => net.blocked(p, dest.pod, dest.port));
      if (refusals.some((b) => b === undefined)) continue;
      // Past the NetworkPolicy, a meshed backend must also admit the gateway's identity.
      const past = refusals.find((b) => b !== undefined && b.by !== 'ingress');
      if (past) {
        report.add(route.object, route.path, `routes to ${describe(svc)}, but ${past.detail}`,
          'route through the stack\'s IngressGateway: in the mesh, each routed service\'s AuthorizationPolicy then admits the gateway\'s identity (give the workload meshSidecar)');
      } else {
        report.add(route.object, route.path,
          `routes to ${describe(svc)}, but no NetworkPolicy of ${describe(dest.pod.object)} admits the ingress proxies (${facts.ingressNamespaces.join(', ')}) on port ${dest.port.number}`,
          'route through the stack\'s IngressGateway (it opens the backend to its proxies), or allowFrom() the controller namespace');
      }
      break;
    }
  }
}

/**
 * In the mesh, a call the NetworkPolicies let through but an AuthorizationPolicy refuses:
 * valid on both sides, and a 403 (`RBAC: access denied`) at run time. Every same-namespace
 * pod peer a meshed pod's NetworkPolicy admits is tried on each port the rule opens, as the
 * caller would send it (its own egress policy must let it out too, or it is no call at all).
 */
function checkMeshCallers(report: Report, idx: StackIndex): void {
  const net = networkOf(idx);
  for (const dest of idx.pods.pods) {
    if (!net.meshed(dest)) continue;
    const ns = namespaceOf(dest.object);
    const seen = new Set<PodTemplate>();
    for (const np of idx.ofKind('NetworkPolicy')) {
      if (namespaceOf(np) !== ns) continue;
      const spec = record(np.manifest.spec);
      if (!selectorMatches(record(spec.podSelector) as LabelSelector, dest.labels)) continue;
      for (const rule of records(spec.ingress)) {
        for (const peer of records(rule.from)) {
          if (peer.podSelector === undefined || peer.namespaceSelector !== undefined || peer.ipBlock !== undefined) continue;
          for (const caller of idx.pods.matching(record(peer.podSelector) as LabelSelector)) {
            if (caller === dest || seen.has(caller) || namespaceOf(caller.object) !== ns || !net.meshed(caller)) continue;
            for (const port of portsOf(rule.ports, dest)) {
              if (!net.egressAdmits(caller, dest, port)) continue;
              const blocked = net.blocked({ kind: 'pod', pod: caller }, dest, port);
              if (blocked?.by !== 'authorization') continue;
              seen.add(caller);
              report.add(np, ['spec', 'ingress'],
                `lets ${describe(caller.object)} call ${describe(dest.object)} on ${port.protocol} ${port.number}, but ${blocked.detail}: the call fails with 403 (RBAC: access denied)`,
                'declare the call with connectTo() (it opens the NetworkPolicies and the AuthorizationPolicy alike), or drop the NetworkPolicy rule');
              break;
            }
          }
        }
      }
    }
  }
}

/** The pod ports a NetworkPolicy rule's `ports` name (numbers, or the pod's named ports). */
function portsOf(raw: unknown, pod: PodTemplate): PodPort[] {
  return records(raw).flatMap((p) => {
    const protocol = typeof p.protocol === 'string' ? p.protocol : 'TCP';
    const number = typeof p.port === 'number' ? p.port : typeof p.port === 'string' ? namedPort(pod, p.port) : undefined;
    return number === undefined ? [] : [{ number, protocol }];
  });
}

/** Dead ports, mesh calls authorization refuses, route backends that refuse the ingress proxies, and configured URLs the policies refuse. */
export function reachabilityValidator(facts?: Readonly<Record<string, RuntimeFacts>>): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    checkDeadPorts(report, idx);
    checkMeshCallers(report, idx);
    checkRouteBackends(report, idx, factsFor(facts, report.stack.env));
    checkConfiguredUrls(report, idx);
  });
}

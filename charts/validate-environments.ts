// Environment data and the stack list get the same checks as construct props, once per
// synth, before any chart is built: every problem names charts/environments.ts (or
// charts/index.ts for a stack) with the environment, the field and the value.
import { parseCidr } from '../constructs/core/cidr';
import { checkCronSchedule } from '../constructs/core/cron';
import { Problems, ValidationError } from '../constructs/core/errors';
import { isDns1123Label, isDns1123Subdomain, isHostname } from '../constructs/core/names';
import { STRING_MAP } from '../constructs/core/prop-shapes';
import { anyOf, arrayOf, bool, checkShape, closest, like, object, oneOf, opt, recordOf, req, Shape, str, unknownKeyMessage, variants } from '../constructs/core/props';
import { isQuantity, parseQuantity } from '../constructs/core/quantity';
import {
  ApiServerConfig, ArgoDestination, Capabilities, ClusterConfig, clusterTargets, EnvironmentConfig, GatewayMode, GitOpsConfig, GitRevision, IN_CLUSTER, IssuerRef, namespaceFor,
  IstioGatewayIdentity, SecretsConfig, StorageTier, TlsConfig,
} from './environment';
import { FLUX_PHASES, fluxKustomizationName } from './flux';
import type { StackDefinition } from './stack';

const ENVIRONMENTS_FILE = 'charts/environments.ts';
const STACKS_FILE = 'charts/index.ts';

/** Directories berth writes under `dist/<env>/` besides the stacks'. */
export const RESERVED_STACK_IDS: readonly string[] = ['argocd', 'flux', 'cluster'];

/** Namespaces that belong to the cluster: a stack's baseline (default-deny, quota) must not land in one. */
const CLUSTER_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const MODES: readonly GatewayMode[] = ['ingress', 'gateway-api', 'istio', 'nodeport'];

const quantity: Shape<string> = like<string>('a Kubernetes quantity such as 500m, 2 or 10Gi', (v) => typeof v === 'string' && isQuantity(v));
const size: Shape<string> = like<string>('a storage size such as 10Gi', (v) => typeof v === 'string' && isQuantity(v) && parseQuantity(v)! > 0);
const count: Shape<number> = like<number>('an integer >= 1', (v) => Number.isInteger(v) && (v as number) >= 1);
const port: Shape<number> = like<number>('an integer from 1 to 65535', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535);
const label: Shape<string> = like<string>("a DNS label (lowercase letters, digits and '-', at most 63)", (v) => typeof v === 'string' && isDns1123Label(v));
const subdomain: Shape<string> = like<string>("a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')", (v) => typeof v === 'string' && isDns1123Subdomain(v));
const domain: Shape<string> = like<string>('a DNS domain such as dev.example.com', (v) => typeof v === 'string' && isHostname(v) && !v.startsWith('*'));
const mode: Shape<GatewayMode> = oneOf(...MODES);

const ISSUER = object<IssuerRef>('issuer', { name: req(subdomain), kind: req(oneOf('ClusterIssuer', 'Issuer')) });
const TLS = object<TlsConfig>('tls', { issuer: req(ISSUER), meshIssuer: req(ISSUER) });
const API_SERVER = object<ApiServerConfig>('apiServer', { cidr: req(str), port: req(port) });

// ---- clusters and GitOps
const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);
const IN_CLUSTER_SERVER = (IN_CLUSTER as { readonly server: string }).server;
const ARGO_SERVER = /^https:\/\/[^\s/]+(\/\S*)?$/;

/** `{ server }` or `{ name }`, exactly one, each checked for what Argo CD accepts. */
const DESTINATION: Shape<ArgoDestination> = {
  what: "an Argo CD destination: { server: 'https://…' } or { name: '<the cluster as registered in Argo CD>' }",
  is: isRecord,
  inner: (v, at, p) => {
    const d = v as Readonly<Record<string, unknown>>;
    const keys = Object.keys(d).filter((k) => d[k] !== undefined);
    for (const k of keys.filter((key) => key !== 'server' && key !== 'name')) {
      p.addPlain(`${at}.${k}`, unknownKeyMessage(k, ['server', 'name'], 'field of destination', 'fields'));
    }
    const set = keys.filter((k) => k === 'server' || k === 'name');
    if (set.length !== 1) {
      p.add(at, "must set exactly one of server and name: Argo CD finds the cluster by either, not both", v);
      return;
    }
    if (set[0] === 'server') p.check(typeof d.server === 'string' && ARGO_SERVER.test(d.server), `${at}.server`, "must be the API server's https:// URL, such as https://kubernetes.default.svc", d.server);
    else p.check(typeof d.name === 'string' && /^\S+$/.test(d.name), `${at}.name`, 'must be the name the cluster is registered under in Argo CD (no spaces)', d.name);
  },
};

const CLUSTER = object<ClusterConfig>('ClusterConfig', {
  name: req(label),
  destination: req(DESTINATION),
  domain: opt(domain),
  tls: opt(TLS),
  storageClass: opt(subdomain),
  apiServer: opt(API_SERVER),
});

const REVISION: Shape<GitRevision> = anyOf(str, object<{ readonly tag: string }>('tag', { tag: req(str) }));

const GITOPS = object<GitOpsConfig>('gitops', {
  repoURL: req(str), revision: req(REVISION), argocdNamespace: req(label), fluxNamespace: opt(label), fluxSecretName: opt(subdomain),
});

const CAPABILITIES = object<Capabilities>('Capabilities', {
  ingressNginx: req(bool), certManager: req(bool), externalSecrets: req(bool), sealedSecrets: req(bool),
  prometheusOperator: req(bool), istio: req(bool), gatewayApi: req(bool), vpa: req(bool),
});

/** The shape of one environment; tsc keeps it complete against EnvironmentConfig. */
export const ENVIRONMENT_SHAPE = object<EnvironmentConfig>('EnvironmentConfig', {
  name: req(label),
  domain: req(domain),
  appEnvironment: req(oneOf('development', 'production')),
  logLevel: req(oneOf('debug', 'info')),
  scaling: req(object<EnvironmentConfig['scaling']>('scaling', { replicas: req(count), autoscaling: req(bool), maxReplicasDivisor: req(count) })),
  tls: opt(TLS),
  storage: req(object<EnvironmentConfig['storage']>('storage', {
    storageClass: opt(subdomain),
    sizes: req(object<Readonly<Record<StorageTier, string>>>('sizes', { small: req(size), medium: req(size), large: req(size) })),
  })),
  secrets: req(variants<SecretsConfig, 'mode'>('SecretsConfig', 'mode', {
    generated: object<Extract<SecretsConfig, { mode: 'generated' }>>('generated secrets', { mode: req(oneOf('generated')) }),
    external: object<Extract<SecretsConfig, { mode: 'external' }>>('external secrets', { mode: req(oneOf('external')), clusterSecretStore: req(subdomain) }),
    sealed: object<Extract<SecretsConfig, { mode: 'sealed' }>>('sealed secrets', { mode: req(oneOf('sealed')), encryptedData: req(recordOf(STRING_MAP)) }),
  })),
  images: req(object<EnvironmentConfig['images']>('images', {
    registry: opt(like<string>("a registry host, optionally with a port and a path, such as registry.example.com or ghcr.io/acme",
      (v) => typeof v === 'string' && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(v))),
    pin: req(oneOf('mutable', 'tag', 'digest')),
    pullPolicy: req(oneOf('Always', 'IfNotPresent', 'Never')),
  })),
  releasesFrom: opt(label),
  gateway: req(object<EnvironmentConfig['gateway']>('gateway', {
    mode: req(mode), overrides: req(recordOf(mode)), ingressClassName: req(subdomain), controllerNamespace: req(label), istioNamespace: opt(label),
    istioGateway: opt(object<IstioGatewayIdentity>('istioGateway', { serviceAccount: req(subdomain), podLabels: req(STRING_MAP) })),
  })),
  apiServer: req(API_SERVER),
  quota: req(object<EnvironmentConfig['quota']>('QuotaSpec', {
    requestsCpu: req(quantity), requestsMemory: req(quantity), limitsCpu: req(quantity), limitsMemory: req(quantity),
    requestsStorage: req(quantity), pods: req(count), persistentVolumeClaims: req(count),
    requestsEphemeralStorage: req(quantity), limitsEphemeralStorage: req(quantity),
  })),
  monitoring: req(bool),
  scraperNamespace: opt(label),
  backups: opt(object<NonNullable<EnvironmentConfig['backups']>>('backups', { schedule: req(str), retain: req(count), size: req(size) })),
  capabilities: req(CAPABILITIES),
  gitops: req(GITOPS),
  clusters: opt(arrayOf(CLUSTER)),
});

/** What each setting needs the cluster to run. */
const GATEWAY_NEEDS: Readonly<Record<GatewayMode, keyof Capabilities | undefined>> = {
  'ingress': 'ingressNginx', 'gateway-api': 'gatewayApi', 'istio': 'istio', 'nodeport': undefined,
};
const OPERATOR: Readonly<Record<keyof Capabilities, string>> = {
  ingressNginx: 'ingress-nginx', certManager: 'cert-manager', externalSecrets: 'the External Secrets Operator',
  sealedSecrets: 'the Sealed Secrets controller', prometheusOperator: 'the Prometheus Operator', istio: 'Istio',
  gatewayApi: 'the Gateway API CRDs and a controller', vpa: 'the Vertical Pod Autoscaler',
};

// Flux's GitRepository reads only URLs (`^(http|https|ssh)://`), not scp-like `git@host:path`.
const REPO_URL = /^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+@[^\s/]+\/\S+)$/;
const SCP_LIKE = /^([^\s@:/]+)@([^\s:/]+):(\S+)$/;
const GIT_REF = /^[^\s~^:?*[\\]+$/;

/** Checks one environment's fields and what its settings need; `stacks` are the valid stack ids. */
function checkEnvironment(p: Problems, env: EnvironmentConfig, stacks: readonly string[]): void {
  if (typeof env !== 'object' || env === null) {
    p.add('environment', `must be ${ENVIRONMENT_SHAPE.what}`, env);
    return;
  }
  checkShape(ENVIRONMENT_SHAPE, env, '', p);
  // The checks below read fields whose shape may be wrong (reported above): each reads defensively.
  const e = env as Partial<Record<keyof EnvironmentConfig, unknown>>;
  const field = (obj: unknown, key: string): unknown => (typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined);

  const cidrText = field(e.apiServer, 'cidr');
  if (typeof cidrText === 'string') {
    const cidr = parseCidr(cidrText);
    if (typeof cidr === 'string') p.add('apiServer.cidr', cidr, cidrText);
  }
  const schedule = field(e.backups, 'schedule');
  if (typeof schedule === 'string') checkCronSchedule(p, 'backups.schedule', schedule);
  const repoURL = field(e.gitops, 'repoURL');
  if (typeof repoURL === 'string' && !REPO_URL.test(repoURL)) {
    const scp = SCP_LIKE.exec(repoURL);
    p.add('gitops.repoURL', `must be a git URL both Argo CD and Flux can clone (https://host/path or ssh://user@host/path${scp ? `: write ssh://${scp[1]}@${scp[2]}/${scp[3]}` : ''})`, repoURL);
  }
  const revision = field(e.gitops, 'revision');
  const ref = typeof revision === 'string' ? revision : field(revision, 'tag');
  if (typeof ref === 'string') {
    p.check(GIT_REF.test(ref) && !ref.includes('..'), typeof revision === 'string' ? 'gitops.revision' : 'gitops.revision.tag',
      typeof revision === 'string' ? "must be a git branch or a full commit SHA (a tag is written { tag: 'v1.4.0' })" : 'must be a git tag', ref);
  }

  const needs = (capability: keyof Capabilities, prop: string, value: unknown) => {
    const has = field(e.capabilities, capability);
    if (typeof has === 'boolean' && !has) p.add(prop, `needs ${OPERATOR[capability]} in the cluster, but capabilities.${capability} is false`, value);
  };
  const secretsMode = field(e.secrets, 'mode');
  if (secretsMode === 'external') needs('externalSecrets', 'secrets.mode', secretsMode);
  if (secretsMode === 'sealed') {
    needs('sealedSecrets', 'secrets.mode', secretsMode);
    const data = field(e.secrets, 'encryptedData');
    const namespaces = typeof e.name === 'string' ? stacks.map((s) => namespaceFor(s, env)) : [];
    for (const key of typeof data === 'object' && data !== null ? Object.keys(data) : []) {
      const [ns, secret, ...rest] = key.split('/');
      const ok = rest.length === 0 && namespaces.includes(ns) && secret !== undefined && isDns1123Subdomain(secret);
      p.check(ok, `secrets.encryptedData[${JSON.stringify(key)}]`,
        `must be keyed '<namespace>/<secret>' with the namespace of a stack in this environment (${namespaces.join(', ')})`, key);
    }
  }
  if (e.tls !== undefined) needs('certManager', 'tls', e.tls);
  if (e.monitoring === true) needs('prometheusOperator', 'monitoring', e.monitoring);
  const gatewayMode = field(e.gateway, 'mode');
  if (MODES.includes(gatewayMode as GatewayMode)) {
    const n = GATEWAY_NEEDS[gatewayMode as GatewayMode];
    if (n) needs(n, 'gateway.mode', gatewayMode);
  }
  checkClusters(p, e.clusters, (prop, value) => needs('certManager', prop, value));
  // IngressGateway refuses TLS in nodeport mode (node ports serve plain TCP).
  const nodeport = (m: unknown, prop: string) => {
    if (m === 'nodeport' && e.tls !== undefined) p.add(prop, 'serves plain TCP on node ports, but tls is set: no route could be served over HTTPS', m);
  };
  nodeport(gatewayMode, 'gateway.mode');
  const overrides = field(e.gateway, 'overrides');
  for (const [stack, m] of typeof overrides === 'object' && overrides !== null ? Object.entries(overrides) : []) {
    if (!stacks.includes(stack)) {
      const near = closest(stack, stacks);
      p.add(`gateway.overrides.${stack}`, `names no stack (${near ? `did you mean '${near}'? ` : ''}stacks: ${stacks.join(', ')})`, stack);
    } else if (MODES.includes(m as GatewayMode)) {
      const n = GATEWAY_NEEDS[m as GatewayMode];
      if (n) needs(n, `gateway.overrides.${stack}`, m);
      nodeport(m, `gateway.overrides.${stack}`);
    }
  }
}

/**
 * The clusters' own checks: at least one when the list is there, names and destinations
 * unique, CIDRs that parse, TLS where cert-manager runs (`needsCertManager`). Field types were
 * checked with the environment's shape; this reads them defensively.
 */
function checkClusters(p: Problems, clusters: unknown, needsCertManager: (prop: string, value: unknown) => void): void {
  if (clusters === undefined || !Array.isArray(clusters)) return;
  if (clusters.length === 0) {
    p.add('clusters', "must list at least one cluster, or be left out for Argo CD's own cluster (dist/<env>/)", clusters);
    return;
  }
  const names = new Map<string, number>();
  const destinations = new Map<string, number>();
  clusters.forEach((c: unknown, i) => {
    if (!isRecord(c)) return;
    const at = `clusters[${i}]`;
    if (typeof c.name === 'string') {
      const prev = names.get(c.name);
      if (prev !== undefined) p.add(`${at}.name`, `duplicates clusters[${prev}]'s name: both would write the same dist/ directory`, c.name);
      else names.set(c.name, i);
    }
    const d = c.destination;
    // Argo CD's own cluster may recur: each cluster then runs an Argo CD of its own.
    if (isRecord(d) && d.server !== IN_CLUSTER_SERVER && d.name !== 'in-cluster') {
      const key = JSON.stringify([d.server, d.name]);
      const prev = destinations.get(key);
      if (prev !== undefined) p.add(`${at}.destination`, `is clusters[${prev}]'s destination too: two Applications of one Argo CD would manage the same namespaces`, d);
      else destinations.set(key, i);
    }
    const cidrText = isRecord(c.apiServer) ? c.apiServer.cidr : undefined;
    if (typeof cidrText === 'string') {
      const cidr = parseCidr(cidrText);
      if (typeof cidr === 'string') p.add(`${at}.apiServer.cidr`, cidr, cidrText);
    }
    if (c.tls !== undefined) needsCertManager(`${at}.tls`, c.tls);
  });
}

/** The longest name berth derives from a cluster's directory: `berth-<dir>-root` (the roots and their AppProject). */
const rootName = (dir: string): string => `berth-${dir}-root`;

/**
 * Each cluster's `dist/<dir>/` is the environment's alone, and short enough for the names
 * berth derives from it (label values: at most 63). `dirs` maps each directory taken so far
 * to its environment's index.
 */
function checkDirs(p: Problems, env: EnvironmentConfig, index: number, dirs: Map<string, number>): void {
  clusterTargets(env).forEach((t, i) => {
    const prop = env.clusters === undefined ? 'name' : `clusters[${i}].name`;
    const value = env.clusters === undefined ? env.name : env.clusters[i].name;
    const prev = dirs.get(t.dir);
    if (prev !== undefined) p.add(prop, `makes dist/${t.dir}/, which ENVIRONMENTS[${prev}] writes too`, value);
    else dirs.set(t.dir, index);
    p.check(rootName(t.dir).length <= 63, prop, `makes "${rootName(t.dir)}" (the Argo CD and Flux roots of dist/${t.dir}/), longer than a label value may be (63)`, value);
  });
}

/** Checks the stack list: ids that are DNS labels, unique, not berth's own, whose namespaces are free. */
function checkStacks(problems: string[], stacks: readonly StackDefinition[], envs: readonly EnvironmentConfig[]): string[] {
  const valid: string[] = [];
  const first = new Map<string, number>();
  stacks.forEach((s, i) => {
    const p = new Problems(`${STACKS_FILE}: STACKS[${i}]`);
    const id: unknown = (s as { id?: unknown }).id;
    if (!p.check(typeof id === 'string' && isDns1123Label(id), 'id',
      "must be a DNS label (lowercase letters, digits and '-', at most 63): it names dist/<env>/<id>/ and the namespace", id)) {
      problems.push(...drain(p));
      return;
    }
    const name = id as string;
    p.check(!RESERVED_STACK_IDS.includes(name), 'id', `is berth's own output directory (dist/<env>/${name}/): choose another id`, name);
    const prev = first.get(name);
    if (prev !== undefined) p.add('id', `duplicates STACKS[${prev}]'s id: both would write dist/<env>/${name}/`, name);
    else first.set(name, i);
    p.check(typeof s.build === 'function', 'build', 'must be a function (chart, env) => void', s.build);
    for (const env of envs) {
      const ns = namespaceFor(name, env);
      if (!p.check(isDns1123Label(ns), 'id', `makes namespace "${ns}" in environment "${env.name}", longer than a namespace may be (63)`, name)) continue;
      const taken = [
        ...CLUSTER_NAMESPACES.map((n) => [n, 'a namespace of the cluster itself'] as const),
        [env.gitops.argocdNamespace, "the environment's gitops.argocdNamespace"] as const,
        [env.gitops.fluxNamespace ?? 'flux-system', "the environment's gitops.fluxNamespace"] as const,
        [env.gateway.controllerNamespace, "the environment's gateway.controllerNamespace"] as const,
        ...(env.capabilities.istio ? [[env.gateway.istioNamespace ?? 'istio-system', "Istio's namespace"] as const] : []),
        [env.scraperNamespace ?? 'monitoring', "the environment's scraperNamespace (Prometheus)"] as const,
      ].find(([n]) => n === ns);
      if (taken) {
        p.add('id', `makes namespace "${ns}" in environment "${env.name}", which is ${taken[1]}: its baseline (default-deny, quota) would land there`, name);
      }
      // Flux labels every object it applies with its Kustomization's name: a label value.
      for (const t of clusterTargets(env)) {
        const longest = FLUX_PHASES.map((phase) => fluxKustomizationName(name, t.dir, phase)).sort((a, b) => b.length - a.length)[0];
        p.check(longest.length <= 63, 'id', `makes the Flux Kustomization "${longest}" for dist/${t.dir}/, longer than a label value may be (63)`, name);
      }
    }
    if (p.count === 0 && prev === undefined) valid.push(name);
    problems.push(...drain(p));
  });
  return valid;
}

const drain = (p: Problems): readonly string[] => p.messages;

/**
 * Every problem of the environments and the stacks, in file order; the synth reports them like
 * construct errors, and builds nothing.
 */
export function environmentProblems(envs: readonly EnvironmentConfig[], stacks: readonly StackDefinition[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const dirs = new Map<string, number>();
  const checked: EnvironmentConfig[] = [];
  envs.forEach((env, i) => {
    const name: unknown = typeof env === 'object' && env !== null ? (env as { name?: unknown }).name : undefined;
    const usable = typeof name === 'string' && isDns1123Label(name);
    const prev = usable ? names.get(name) : undefined;
    const p = new Problems(`${ENVIRONMENTS_FILE}: ${usable && prev === undefined ? name : `ENVIRONMENTS[${i}]`}`);
    if (prev !== undefined) p.add('name', `duplicates ENVIRONMENTS[${prev}]'s name: both would write dist/${name}/`, name);
    else if (usable) names.set(name, i);
    const before = p.count;
    checkEnvironment(p, env, stacks.map((s) => s.id).filter((id) => typeof id === 'string'));
    if (p.count === before) {
      if (prev === undefined) checkDirs(p, env, i, dirs);
      if (p.count === before) checked.push(env);
    }
    problems.push(...drain(p));
  });
  checkStacks(problems, stacks, checked);
  return problems;
}

/** Throws every problem of the environments and stacks as one ValidationError. */
export function validateEnvironments(envs: readonly EnvironmentConfig[], stacks: readonly StackDefinition[]): void {
  const problems = environmentProblems(envs, stacks);
  if (problems.length > 0) throw new ValidationError(problems);
}

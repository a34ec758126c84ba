// Environment data → the platform policy every construct of a stack reads (see
// constructs/core/policy.ts): a StackChart supplies it, so stacks state only their own intent
// and no construct ever sees an environment's name. It refuses bad intent rather than repair
// it: each problem names the stack's chart and what was asked.
import type { SecretSource } from '../constructs/app-secret';
import { Problems } from '../constructs/core/errors';
import { isDns1123Label, isDns1123Subdomain, isHostname } from '../constructs/core/names';
import type { PlatformPolicy } from '../constructs/core/policy';
import { EnvironmentConfig, gatewayModeFor, istioGatewayOf, namespacedSecretKey } from './environment';
import { PRIORITY_CLASS_NAMES } from './cluster';
import type { Release } from './releases';
import type { StackChart } from './stack';

/** `<sub>.<domain>` for the environment; `sub` is one or more DNS labels, such as `api.shop`. */
export function hostFor(chart: StackChart, sub: string): string {
  const host = `${sub}.${chart.env.domain}`;
  const problems = new Problems(chart);
  if (problems.check(typeof sub === 'string' && sub.split('.').every(isDns1123Label), 'hostFor().sub',
    "must be '.'-separated DNS labels (lowercase letters, digits and '-', at most 63 each), such as 'api.shop'", sub)) {
    problems.check(isHostname(host), 'hostFor().sub', `makes ${JSON.stringify(host)}, longer than a DNS name may be (253)`, sub);
  }
  problems.throwIfAny();
  return host;
}

/** Where a Secret of this name comes from for one stack in one environment. */
function secretSourceFor(chartPath: string, stack: string, env: EnvironmentConfig, secretName: string): SecretSource {
  const s = env.secrets;
  const problems = new Problems(chartPath);
  problems.check(typeof secretName === 'string' && isDns1123Subdomain(secretName), 'secrets', 'must be asked for a Secret name (DNS-1123 subdomain)', secretName);
  problems.throwIfAny();
  switch (s.mode) {
    case 'generated':
      return { mode: 'generated' };
    case 'external':
      return { mode: 'external', clusterSecretStore: s.clusterSecretStore };
    case 'sealed': {
      const key = namespacedSecretKey(stack, env, secretName);
      const encryptedData = s.encryptedData[key];
      // No entry means nobody ran kubeseal for this Secret: an empty SealedSecret would hide it.
      problems.check(encryptedData !== undefined, 'secrets',
        `has no kubeseal output in charts/environments.ts for Secret ${JSON.stringify(secretName)} (environment ${JSON.stringify(env.name)}, secrets.encryptedData[${JSON.stringify(key)}])`, secretName);
      problems.throwIfAny();
      return { mode: 'sealed', encryptedData };
    }
  }
}

/** Whether a stack's pods run Istio sidecars in this environment. */
export function inMesh(stack: string, env: EnvironmentConfig): boolean {
  return gatewayModeFor(stack, env) === 'istio';
}

/** What the environment decides for every construct of one stack. */
export function policyFor(chartPath: string, stack: string, env: EnvironmentConfig, release?: Release): PlatformPolicy {
  const mode = gatewayModeFor(stack, env);
  const b = env.backups;
  return {
    images: {
      allowMutableTags: env.images.pin === 'mutable',
      pullPolicy: env.images.pullPolicy,
      ...(release ? { resolve: (service, repository, at) => release.imageFor(stack, service, repository, at) } : {}),
    },
    meshSidecar: inMesh(stack, env),
    secrets: {
      sourceFor: (secretName) => secretSourceFor(chartPath, stack, env, secretName),
      allowGenerated: env.secrets.mode === 'generated',
      // What berth would generate in dev, an operator supplies from a local file instead.
      providedSourceFor: (secretName) => {
        const s = env.secrets;
        if (s.mode === 'generated') return { mode: 'local' };
        if (s.mode === 'external') return { mode: 'external', clusterSecretStore: s.clusterSecretStore };
        return { mode: 'sealed', encryptedData: s.encryptedData[namespacedSecretKey(stack, env, secretName)] ?? {} };
      },
      supplyHint: (mode, remoteKey) => {
        const s = env.secrets;
        switch (mode) {
          case 'local': return `npm run secrets -- ${env.name} ${stack}`;
          case 'external': return `add them as properties of ${remoteKey} in ClusterSecretStore ${s.mode === 'external' ? s.clusterSecretStore : ''}`.trim();
          case 'sealed': return `seal them with kubeseal into charts/environments.ts (secrets.encryptedData["${namespacedSecretKey(stack, env, remoteKey)}"])`;
        }
      },
    },
    storage: { sizes: env.storage.sizes, ...(env.storage.storageClass ? { storageClass: env.storage.storageClass } : {}) },
    backups: b ? { schedule: b.schedule, retain: b.retain, size: b.size } : false,
    scaling: env.scaling,
    // VPAs only where the cluster runs one, and only to advise autoscaled services.
    verticalAutoscaling: env.capabilities.vpa && env.scaling.autoscaling,
    metrics: { scraperNamespace: env.scraperNamespace ?? 'monitoring', serviceMonitor: env.monitoring },
    apiServer: env.apiServer,
    priorityClasses: PRIORITY_CLASS_NAMES,
    gateway: {
      mode,
      capabilities: {
        ingressNginx: env.capabilities.ingressNginx,
        gatewayApi: env.capabilities.gatewayApi,
        istio: env.capabilities.istio,
        certManager: env.capabilities.certManager,
      },
      ...(env.tls ? { tls: { issuer: mode === 'istio' ? env.tls.meshIssuer : env.tls.issuer } } : {}),
      ...(mode === 'ingress' ? { ingressClassName: env.gateway.ingressClassName, controllerNamespace: env.gateway.controllerNamespace } : {}),
      ...(mode === 'istio' && env.gateway.istioNamespace !== undefined ? { controllerNamespace: env.gateway.istioNamespace } : {}),
      ...(mode === 'istio' ? { istio: { gatewaySelector: istioGatewayOf(env).podLabels, gatewayPrincipal: istioGatewayOf(env).principal } } : {}),
    },
  };
}

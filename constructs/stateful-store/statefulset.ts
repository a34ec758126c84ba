// A StatefulStore's server: the ConfigMap the engine reads, the headless Service of its pod
// identities, the client Service, and the StatefulSet with its pod (the engine container, the
// sidecars metrics.ts makes, volumes and claim templates). Siblings in constructs/stateful-store/:
// credentials.ts, connection.ts, backups.ts, metrics.ts, settings.ts;
// constructs/stateful-store.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { checksum } from '../core/checksum';
import { ServicePort } from '../core/connections';
import { renderEnv } from '../core/env';
import * as kinds from '../core/kinds';
import { AppLabels } from '../core/labels';
import { MESH_PROXY_RESOURCES } from '../core/mesh';
import { withPriority } from '../core/policy';
import { resolveResources, toK8sResources, withEphemeralStorage } from '../core/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, writablePaths } from '../core/security';
import { syncWave, Wave } from '../core/waves';
import { CHECKSUM_ANNOTATION_PREFIX, spreadConstraints } from '../core/workload';
import { EnginePlan, STORE_PROBE_TIMING } from '../stateful-store-engines';
import { HELPER_RESOURCES, StoreSettings } from './settings';

/** The engine's ConfigMap, `<name>-config`: the plan's config files and settings. */
export function storeConfigMap(scope: Construct, s: StoreSettings, labels: AppLabels, plan: EnginePlan): k8s.KubeConfigMap {
  const configMap = new kinds.KubeConfigMap(scope, 'config', { metadata: { name: `${s.name}-config`, labels: labels.all }, data: plan.config });
  syncWave(configMap, Wave.CONFIG);
  return configMap;
}

/** `<name>-headless`: the pods' identities, and the server's own address behind a pooler (with its metrics port there). */
export function headlessService(scope: Construct, s: StoreSettings, labels: AppLabels, metricsPort: ServicePort | undefined): k8s.KubeService {
  const { preset } = s;
  const service = new kinds.KubeService(scope, 'headless-service', {
    metadata: { name: `${s.name}-headless`, labels: labels.all },
    spec: {
      clusterIp: 'None',
      // Peers must resolve each other before they are ready (NATS routes, ordered startup).
      publishNotReadyAddresses: true,
      selector: labels.selector,
      ports: [...preset.clientPorts, ...preset.peerPorts(s.nats.cluster), ...(metricsPort && s.postgres.pooled ? [metricsPort] : [])].map(toServicePort),
    },
  });
  syncWave(service, Wave.STORES);
  return service;
}

/**
 * `<name>`, the name clients use: the pooler's pods when there is one (the server's own stay
 * on the headless Service), else the server's, with its metrics port.
 */
export function clientService(scope: Construct, s: StoreSettings, labels: AppLabels, pooler: { selector: Record<string, string>; clientPort: ServicePort } | undefined,
  metricsPort: ServicePort | undefined): k8s.KubeService {
  const service = new kinds.KubeService(scope, 'service', {
    metadata: { name: s.name, labels: labels.all },
    spec: {
      type: 'ClusterIP',
      selector: pooler?.selector ?? labels.selector,
      ports: [...(pooler ? [pooler.clientPort] : s.preset.clientPorts), ...(metricsPort && !pooler ? [metricsPort] : [])].map(toServicePort),
    },
  });
  syncWave(service, Wave.STORES);
  return service;
}

/**
 * The StatefulSet: `replicas` restricted pods of the engine (and `sidecars`), its config's
 * checksum rolling them, and one data volume claim per pod that outlives the StatefulSet.
 * `secretName` is the credentials Secret, whose files the config mounts may project.
 */
export function storeStatefulSet(scope: Construct, s: StoreSettings, p: {
  readonly labels: AppLabels;
  readonly workloadMeta: { readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly plan: EnginePlan;
  readonly secretName: string;
  readonly sidecars: readonly k8s.Container[];
}): k8s.KubeStatefulSet {
  const { name, preset, replicas, runAs, pullPolicy, imageText, storageClass, storageSize } = s;
  const { labels, plan } = p;
  const configName = `${name}-config`;
  const clientPort = preset.clientPorts[0];
  const containerSecurity = restrictedContainerSecurityContext(runAs);
  const small = writablePaths(plan.writablePaths);
  const large = writablePaths(plan.largeWritablePaths ?? [], '1Gi');
  const probePort = { name: clientPort.name, number: clientPort.targetPort };
  const engineContainer: k8s.Container = {
    name: preset.engine,
    image: imageText,
    imagePullPolicy: pullPolicy,
    ...(plan.args ? { args: plan.args } : {}),
    ports: [...preset.clientPorts, ...preset.peerPorts(s.nats.cluster), ...(preset.localPorts ?? [])]
      .map((port) => ({ name: port.name, containerPort: port.targetPort, protocol: 'TCP' })),
    env: renderEnv(plan.env),
    ...(plan.envFromConfig ? { envFrom: [{ configMapRef: { name: configName } }] } : {}),
    resources: toK8sResources(resolveResources(s.resources)),
    securityContext: containerSecurity,
    startupProbe: plan.startup.render(STORE_PROBE_TIMING.startup, probePort),
    readinessProbe: plan.readiness.render(STORE_PROBE_TIMING.readiness, probePort),
    livenessProbe: plan.liveness.render(STORE_PROBE_TIMING.liveness, probePort),
    ...(plan.lifecycle ? { lifecycle: plan.lifecycle } : {}),
    volumeMounts: [
      { name: 'data', mountPath: plan.dataMountPath },
      ...plan.configMounts.map((m) => ({ name: m.volume, mountPath: m.mountPath, readOnly: true })),
      ...small.mounts,
      ...large.mounts,
      ...plan.extraMounts,
    ],
  };
  const checksumData = Object.fromEntries(plan.runtimeConfigKeys.map((k) => [k, plan.config[k]]));
  const statefulSet = new kinds.KubeStatefulSet(scope, 'statefulset', {
    metadata: { name, ...p.workloadMeta },
    spec: {
      serviceName: `${name}-headless`,
      replicas,
      podManagementPolicy: s.podManagementPolicy,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      // The data outlives the StatefulSet and scale-downs: deleting a PVC is a human decision.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 5,
      selector: { matchLabels: labels.selector },
      template: {
        metadata: {
          labels: labels.versioned,
          annotations: { ...(s.meshSidecar ? MESH_PROXY_RESOURCES : {}), [`${CHECKSUM_ANNOTATION_PREFIX}config`]: checksum(checksumData) },
        },
        spec: withPriority(scope, 'store', withEphemeralStorage({
          serviceAccountName: name,
          automountServiceAccountToken: false,
          // Service links would inject POSTGRES_PORT=tcp://… and the like into the engine's env.
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(runAs),
          terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
          ...(replicas >= 2 ? { topologySpreadConstraints: spreadConstraints(labels.selector) } : {}),
          ...(plan.initContainers ? {
            initContainers: plan.initContainers({ image: imageText, pullPolicy, securityContext: containerSecurity, resources: toK8sResources(HELPER_RESOURCES) }),
          } : {}),
          containers: [engineContainer, ...p.sidecars],
          volumes: [
            ...plan.configMounts.map((m): k8s.Volume => {
              const configMap = { name: configName, items: m.keys.map((key) => ({ key, path: key })) };
              if (!m.secretKeys) return { name: m.volume, configMap };
              // One directory for the config and the files of the Secret it includes.
              const secret = { name: p.secretName, items: m.secretKeys.map((key) => ({ key, path: key })) };
              return { name: m.volume, projected: { sources: [{ configMap }, { secret }] } };
            }),
            ...small.volumes,
            ...large.volumes,
            ...plan.extraVolumes,
          ],
        })),
      },
      // Only never-changing labels: volumeClaimTemplates are immutable.
      volumeClaimTemplates: [{
        metadata: { name: 'data', labels: labels.selector },
        spec: {
          accessModes: ['ReadWriteOnce'],
          volumeMode: 'Filesystem',
          ...(storageClass ? { storageClassName: storageClass } : {}),
          resources: { requests: { storage: k8s.Quantity.fromString(storageSize) } },
        },
      }],
    },
  });
  syncWave(statefulSet, Wave.STORES);
  return statefulSet;
}

function toServicePort(p: ServicePort): k8s.ServicePort {
  return { name: p.name, port: p.port, targetPort: k8s.IntOrString.fromNumber(p.targetPort), protocol: p.protocol ?? 'TCP' };
}

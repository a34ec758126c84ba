// What a changed field touches, decided by its path (the same field gets the same tag on
// every kind), so a reviewer can scan a diff for images, scaling or network rules.

export type Topic =
  | 'metadata' | 'selector' | 'probes' | 'image' | 'command' | 'env' | 'resources' | 'security'
  | 'storage' | 'scaling' | 'availability' | 'schedule' | 'network' | 'access' | 'tls' | 'route'
  | 'service' | 'ports' | 'monitoring' | 'config' | 'quota' | 'gitops' | 'containers' | 'other';

interface TopicRule {
  readonly topic: Topic;
  /**
   * Field paths, dot-separated: `[]` is one list item (by key or position), `**` any number
   * of fields. A path covers the field and everything below it.
   */
  readonly paths: readonly string[];
  /** Only on these kinds: for the one path that means different things on different kinds. */
  readonly kinds?: readonly string[];
}

/** First match wins; the order puts a specific path before a general one that also matches. */
export const TOPIC_RULES: readonly TopicRule[] = [
  { topic: 'metadata', paths: ['**.metadata.labels', '**.metadata.annotations', 'metadata'] },
  { topic: 'selector', paths: ['spec.selector', 'spec.podSelector', 'spec.namespaceSelector'] },
  { topic: 'probes', paths: ['**.livenessProbe', '**.readinessProbe', '**.startupProbe'] },
  // Before `command`: a preStop hook runs a command too.
  { topic: 'availability', paths: ['**.lifecycle'] },
  { topic: 'image', paths: ['**.image', '**.imagePullPolicy', '**.imagePullSecrets'] },
  { topic: 'command', paths: ['**.command', '**.args', '**.workingDir'] },
  { topic: 'env', paths: ['**.env', '**.envFrom'] },
  { topic: 'resources', paths: ['**.containers.[].resources', '**.initContainers.[].resources', '**.overhead'] },
  {
    topic: 'security',
    paths: ['**.securityContext', '**.hostNetwork', '**.hostPID', '**.hostIPC', '**.serviceAccountName',
      '**.automountServiceAccountToken', 'spec.mtls', 'spec.portLevelMtls'],
  },
  {
    topic: 'storage',
    // A top-level `spec.resources` is a PersistentVolumeClaim's size.
    paths: ['**.volumes', '**.volumeMounts', 'spec.volumeClaimTemplates', 'spec.persistentVolumeClaimRetentionPolicy',
      'spec.accessModes', 'spec.storageClassName', 'spec.volumeMode', 'spec.volumeName', 'spec.resources', 'spec.dataSource'],
  },
  {
    topic: 'scaling',
    paths: ['spec.replicas', 'spec.minReplicas', 'spec.maxReplicas', 'spec.metrics', 'spec.behavior', 'spec.scaleTargetRef',
      'spec.targetRef', 'spec.updatePolicy', 'spec.resourcePolicy'],
  },
  {
    topic: 'availability',
    paths: ['spec.strategy', 'spec.updateStrategy', 'spec.minReadySeconds', 'spec.progressDeadlineSeconds', 'spec.revisionHistoryLimit',
      'spec.podManagementPolicy', 'spec.minAvailable', 'spec.maxUnavailable', 'spec.unhealthyPodEvictionPolicy',
      '**.topologySpreadConstraints', '**.affinity', '**.nodeSelector', '**.tolerations', '**.priorityClassName',
      '**.terminationGracePeriodSeconds'],
  },
  // Flux's fields, before `schedule` takes `spec.suspend`: the whole spec of its two kinds.
  { topic: 'gitops', paths: ['spec'], kinds: ['GitRepository', 'Kustomization'] },
  {
    topic: 'schedule',
    paths: ['spec.schedule', 'spec.timeZone', 'spec.concurrencyPolicy', 'spec.suspend', 'spec.startingDeadlineSeconds',
      'spec.successfulJobsHistoryLimit', 'spec.failedJobsHistoryLimit', '**.backoffLimit', '**.activeDeadlineSeconds',
      '**.ttlSecondsAfterFinished', '**.completions', '**.parallelism'],
  },
  { topic: 'network', paths: ['spec.ingress', 'spec.egress', 'spec.policyTypes', '**.dnsPolicy', '**.dnsConfig', '**.hostAliases'] },
  { topic: 'access', paths: ['spec.rules', 'spec.action', 'spec.provider'], kinds: ['AuthorizationPolicy'] },
  { topic: 'access', paths: ['rules', 'roleRef', 'subjects', 'aggregationRule'] },
  // Before `route`: TLS of an Ingress, a Gateway listener or a DestinationRule is TLS first.
  {
    topic: 'tls',
    paths: ['**.tls', 'spec.dnsNames', 'spec.issuerRef', 'spec.commonName', 'spec.duration', 'spec.renewBefore',
      'spec.privateKey', 'spec.usages', 'spec.secretName'],
  },
  {
    topic: 'route',
    paths: ['spec.rules', 'spec.ingressClassName', 'spec.defaultBackend', 'spec.hostnames', 'spec.parentRefs', 'spec.listeners',
      'spec.gatewayClassName', 'spec.http', 'spec.tcp', 'spec.hosts', 'spec.gateways', 'spec.servers', 'spec.host',
      'spec.trafficPolicy', 'spec.subsets', 'spec.exportTo'],
  },
  {
    topic: 'service',
    paths: ['spec.type', 'spec.clusterIP', 'spec.clusterIPs', 'spec.externalName', 'spec.externalTrafficPolicy',
      'spec.internalTrafficPolicy', 'spec.sessionAffinity', 'spec.publishNotReadyAddresses', 'spec.loadBalancerSourceRanges',
      'spec.ipFamilies', 'spec.ipFamilyPolicy', 'spec.serviceName'],
  },
  { topic: 'ports', paths: ['**.ports'] },
  { topic: 'monitoring', paths: ['spec.endpoints', 'spec.podMetricsEndpoints', 'spec.jobLabel'] },
  {
    topic: 'config',
    paths: ['data', 'binaryData', 'stringData', 'immutable', 'type', 'spec.data', 'spec.dataFrom', 'spec.target',
      'spec.secretStoreRef', 'spec.refreshInterval'],
  },
  { topic: 'quota', paths: ['spec.hard', 'spec.scopes', 'spec.scopeSelector', 'spec.limits'] },
  {
    topic: 'gitops',
    paths: ['spec.source', 'spec.sources', 'spec.destination', 'spec.syncPolicy', 'spec.project', 'spec.ignoreDifferences',
      'spec.sourceRepos', 'spec.destinations', 'spec.clusterResourceWhitelist', 'spec.namespaceResourceWhitelist',
      'spec.clusterResourceBlacklist', 'spec.namespaceResourceBlacklist', 'spec.description'],
  },
  // Whatever else a container holds, and a container added or removed as a whole.
  { topic: 'containers', paths: ['**.containers.[]', '**.initContainers.[]', '**.containers', '**.initContainers'] },
  { topic: 'metadata', paths: ['**.metadata'] },
];

/** A path's fields; list items (by key or by position) become `[]`. */
export type PathShape = readonly string[];

/**
 * The fields of a path as the diff prints it: `spec.template.spec.containers[api].image`,
 * `metadata.labels["app.kubernetes.io/name"]`, `spec.ingress[2].ports[0]`.
 */
export function shapeOf(path: string): PathShape {
  const out: string[] = [];
  for (const m of path.matchAll(/\[("(?:[^"\\]|\\.)*")\]|\[[^\]]*\]|\.?([^.[]+)/g)) {
    if (m[1] !== undefined) out.push(JSON.parse(m[1]) as string);
    else if (m[2] !== undefined) out.push(m[2]);
    else out.push('[]');
  }
  return out;
}

const compiled = TOPIC_RULES.map((r) => ({ ...r, patterns: r.paths.map((p) => p.split('.')) }));

/** Whether `pattern` matches a prefix of `shape`. */
function covers(pattern: readonly string[], shape: PathShape, p = 0, s = 0): boolean {
  if (p === pattern.length) return true;
  if (pattern[p] === '**') {
    for (let i = s; i <= shape.length; i++) if (covers(pattern, shape, p + 1, i)) return true;
    return false;
  }
  return s < shape.length && pattern[p] === shape[s] && covers(pattern, shape, p + 1, s + 1);
}

/** The topic of a field, by its path (and, for `spec.rules`, the object's kind). */
export function topicOf(path: string, kind?: string): Topic {
  const shape = shapeOf(path);
  for (const r of compiled) {
    if (r.kinds && (kind === undefined || !r.kinds.includes(kind))) continue;
    if (r.patterns.some((p) => covers(p, shape))) return r.topic;
  }
  return 'other';
}

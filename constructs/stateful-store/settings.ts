// What the StatefulStore facets in this folder share: the store's settings with every default
// applied (what each facet receives), the engine context the presets build from, the helper
// containers' resources and the volume size check. The facets: statefulset.ts, credentials.ts,
// connection.ts, backups.ts and metrics.ts; constructs/stateful-store.ts holds the props,
// resolves and checks them, and wires the facets.
import { SecretSource } from '../app-secret';
import { Problems } from '../core/errors';
import { Image } from '../core/image';
import { PullPolicy } from '../core/policy';
import { isQuantity, parseQuantity } from '../core/quantity';
import { resolveResources, Resources, ResourceSpec } from '../core/resources';
import { RunAs } from '../core/security';
import { EngineContext, EnginePreset, ResolvedNats, ResolvedNeo4j, ResolvedPostgres, ResolvedRedis } from '../stateful-store-engines';
import type { BackupSettings } from './backups';
import type { StoreCredentials } from './credentials';
import type { MetricsSettings } from './metrics';

/** The store's props with every default applied (see StatefulStoreProps for each). */
export interface StoreSettings {
  readonly preset: EnginePreset;
  readonly name: string;
  /** The chart's namespace, or 'default'. */
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly image: Image;
  /** `image` as a pod spec writes it. */
  readonly imageText: string;
  readonly allowMutableImageTags: boolean;
  readonly pullPolicy: PullPolicy;
  readonly replicas: number;
  readonly storageSize: string;
  readonly storageClass?: string;
  readonly resources: Resources;
  readonly credentials: SecretSource;
  /** postgres' superuser Secret's source; none for the other engines. */
  readonly adminCredentials?: SecretSource;
  readonly allowGeneratedCredentials: boolean;
  readonly podManagementPolicy: 'OrderedReady' | 'Parallel';
  readonly terminationGracePeriodSeconds: number;
  readonly runAs: RunAs;
  readonly meshSidecar: boolean;
  readonly postgres: ResolvedPostgres;
  readonly redis: ResolvedRedis;
  readonly nats: ResolvedNats;
  readonly neo4j: ResolvedNeo4j;
  readonly backup?: BackupSettings;
  readonly metrics?: MetricsSettings;
}

/** Short-lived helper containers: the neo4j conf seed, the backup volume bind. */
export const HELPER_RESOURCES: ResourceSpec = { cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } };

/** A volume's size: the data volume's and the backups'. */
export function checkSize(problems: Problems, prop: string, size: string): void {
  const bytes = isQuantity(size) ? parseQuantity(size) : undefined;
  problems.check(bytes !== undefined && bytes >= 2 ** 20 && Number.isInteger(bytes), prop,
    "must be a Kubernetes quantity of at least 1Mi such as '10Gi'", size);
}

/** What the engine presets build the config, the exporter and the backups from. */
export function engineContext(s: StoreSettings, c: StoreCredentials): EngineContext {
  const headlessServiceName = `${s.name}-headless`;
  return {
    name: s.name, namespace: s.namespace, clusterDomain: s.clusterDomain, headlessServiceName,
    directHost: s.postgres.pooled ? `${headlessServiceName}.${s.namespace}.svc.${s.clusterDomain}` : s.name,
    image: s.imageText, replicas: s.replicas, resources: resolveResources(s.resources), storageBytes: parseQuantity(s.storageSize)!,
    credentials: c.credentials, adminCredentials: c.adminCredentials ?? c.credentials,
    postgres: s.postgres, redis: s.redis, nats: s.nats, neo4j: s.neo4j,
  };
}

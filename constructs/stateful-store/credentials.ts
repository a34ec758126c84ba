// A StatefulStore's Secrets: `<name>-credentials`, what clients read (postgres: the application
// role), and postgres' superuser `<name>-admin-credentials`; where each comes from, their
// checks, and the metadata that declares the ones berth doesn't make on the workloads that
// read them. Siblings in constructs/stateful-store/: connection.ts (the URLs these Secrets
// carry), statefulset.ts, backups.ts, metrics.ts, settings.ts; constructs/stateful-store.ts
// holds the props and wires the facets.
import { Construct } from 'constructs';
import { AppSecret, checkSecretSource, SecretSource, SecretTemplate } from '../app-secret';
import { Problems } from '../core/errors';
import { externalRefsAnnotation } from '../core/external-refs';
import { AppLabels } from '../core/labels';
import { PlatformPolicy } from '../core/policy';
import { EnginePreset } from '../stateful-store-engines';
import { USERLIST_TEMPLATE } from '../stateful-store-pooler';
import { StoreSettings } from './settings';

const KEYS: readonly string[] = ['username', 'password'];

/** The store's Secrets, as its public fields name them. */
export interface StoreCredentials {
  readonly credentials: AppSecret;
  readonly adminCredentials?: AppSecret;
}

/** Whether a source can make postgres' superuser Secret too (a sealed one is encrypted for one name only). */
function derivesAdmin(credentials: SecretSource): boolean {
  return credentials.mode === 'generated' || credentials.mode === 'external';
}

/**
 * postgres' superuser Secret's source: `given`, else by default from where the application
 * role's comes when that source can make a second Secret, else the chart's policy. None for
 * the other engines.
 */
export function adminSourceOf(preset: EnginePreset, given: SecretSource | undefined, credentials: SecretSource, policy: PlatformPolicy, name: string): SecretSource | undefined {
  if (preset.engine !== 'postgres') return undefined;
  return given ?? (derivesAdmin(credentials) ? credentials : policy.secrets?.sourceFor(`${name}-admin-credentials`));
}

/** Checks `credentials`. */
export function checkCredentials(problems: Problems, s: StoreSettings): void {
  checkSecretSource(problems, 'credentials', s.credentials, {
    keys: KEYS,
    values: s.credentials.mode === 'existing' ? {} : { username: s.preset.username({ postgres: s.postgres }) },
    allowGenerated: s.allowGeneratedCredentials,
  });
}

/** Checks `postgres.adminCredentials` (`given`: as the props give it), or that it may be left out. */
export function checkAdminCredentials(problems: Problems, s: StoreSettings, given: SecretSource | undefined): void {
  if (given !== undefined) {
    checkSecretSource(problems, 'postgres.adminCredentials', given, {
      keys: KEYS,
      values: given.mode === 'existing' ? {} : { username: s.postgres.adminUsername },
      allowGenerated: s.allowGeneratedCredentials,
    });
  } else if (!derivesAdmin(s.credentials)) {
    problems.add('postgres.adminCredentials', `is required when credentials.mode is '${s.credentials.mode}' (the superuser has a Secret of its own)`, undefined);
  }
}

/** Renders the Secrets into `scope` (the store); `urlTemplates` are connection.ts's. */
export function storeCredentials(scope: Construct, s: StoreSettings, urlTemplates: Record<string, SecretTemplate>): StoreCredentials {
  const { name, preset, credentials: source, adminCredentials: adminSource, allowGeneratedCredentials } = s;
  const credentials = new AppSecret(scope, 'credentials', {
    name: `${name}-credentials`,
    source,
    keys: KEYS,
    ...(source.mode === 'existing' ? {} : { values: { username: preset.username({ postgres: s.postgres }) } }),
    templates: {
      ...preset.credentialTemplates,
      ...urlTemplates,
      ...(s.postgres.pooled && preset.engine === 'postgres' ? { 'userlist.txt': USERLIST_TEMPLATE } : {}),
    },
    allowGenerated: allowGeneratedCredentials,
  });
  const adminCredentials = adminSource && new AppSecret(scope, 'admin-credentials', {
    name: `${name}-admin-credentials`,
    source: adminSource,
    keys: KEYS,
    ...(adminSource.mode === 'existing' ? {} : { values: { username: s.postgres.adminUsername } }),
    allowGenerated: allowGeneratedCredentials,
  });
  return { credentials, adminCredentials };
}

/**
 * The metadata of the store's workloads (the StatefulSet, the backup and restore CronJobs):
 * every pod of the store and its backups reads all of its Secrets, so each declares the
 * ones berth doesn't make (`existing`) as external.
 */
export function workloadMeta(labels: AppLabels, c: StoreCredentials): { labels: Record<string, string>; annotations?: Record<string, string> } {
  const existingSecrets = [c.credentials, c.adminCredentials].flatMap((a) => (a?.mode === 'existing' ? [a.secretName] : []));
  return {
    labels: labels.versioned,
    ...(existingSecrets.length > 0 ? { annotations: externalRefsAnnotation({ secrets: existingSecrets }) } : {}),
  };
}

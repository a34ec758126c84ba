// What a StatefulStore's clients read to connect: its hosts, port and databases, the connection
// URLs its credentials Secret carries, and the env `connectionEnv()` gives. Siblings in
// constructs/stateful-store/: credentials.ts (the Secrets), statefulset.ts (the Services),
// backups.ts, metrics.ts, settings.ts; constructs/stateful-store.ts holds the props and wires
// the facets.
import { IConstruct } from 'constructs';
import { AppSecret, SecretTemplate } from '../app-secret';
import { EnvMap } from '../core/env';
import { Problems } from '../core/errors';
import { isEnvVarName } from '../core/names';
import type { ConnectionEnvOptions } from '../stateful-store';
import { EnginePreset } from '../stateful-store-engines';

/** Where a store's clients connect. */
export interface StoreEndpoints {
  readonly preset: EnginePreset;
  /** The client Service's cluster DNS name. */
  readonly host: string;
  /** The headless Service's cluster DNS name: the server itself, past a pooler. */
  readonly directHost: string;
  /** Clients reach a pooler at `host`; `direct` clients reach the server at `directHost`. */
  readonly pooled: boolean;
  readonly port: number;
  /** The database clients get by default (postgres). */
  readonly database?: string;
  /** Every database of the store, the default first (postgres; none for the other engines). */
  readonly databases: readonly string[];
}

/**
 * One connection URL per host clients use and database, as templates of the credentials
 * Secret: built where the Secret is made, with the user and password URL-encoded, so any
 * password gives a working URL. None for an engine without a URL template.
 */
export function connectionUrlTemplates(e: StoreEndpoints): Record<string, SecretTemplate> {
  const templates: Record<string, SecretTemplate> = {};
  const urlTemplate = e.preset.urlTemplate;
  if (!urlTemplate) return templates;
  const hosts: [string, string][] = [['', e.host], ...(e.pooled ? [['direct-', e.directHost] as [string, string]] : [])];
  const databases: (string | undefined)[] = e.preset.engine === 'postgres' ? [...e.databases] : [undefined];
  for (const [variant, host] of hosts) {
    for (const database of databases) {
      templates[urlKey(variant, database === e.database ? undefined : database)] = urlTemplate({ host, port: e.port, database });
    }
  }
  return templates;
}

/** `connectionEnv(options)` of the store `scope` (options already of the right shape). */
export function connectionEnvOf(scope: IConstruct, e: StoreEndpoints, credentials: AppSecret, options: ConnectionEnvOptions): EnvMap {
  const engine = e.preset.engine;
  const prefix = options.prefix ?? `${engine.toUpperCase()}_`;
  const problems = new Problems(scope);
  problems.check(prefix === '' || isEnvVarName(`${prefix}HOST`), 'prefix', 'must start an env var name (letters, digits and _)', prefix);
  if (options.database !== undefined) {
    problems.check(engine === 'postgres', 'database', `applies only to engine 'postgres', not '${engine}'`, options.database);
    if (engine === 'postgres') {
      problems.check(e.databases.includes(options.database), 'database', `must be one of this store's databases (${e.databases.join(', ')})`, options.database);
    }
  }
  problems.throwIfAny();
  const direct = options.direct === true && e.pooled;
  const host = direct ? e.directHost : e.host;
  const database = options.database ?? e.database;
  const url = e.preset.urlTemplate
    ? credentials.envValue(urlKey(direct ? 'direct-' : '', database === e.database ? undefined : database)) : undefined;
  const entries = e.preset.connectionEnv({ host, port: e.port, prefix, credentials, database, url });
  return Object.fromEntries(entries.map(([key, value]) => [`${prefix}${key}`, value]));
}

/** The credentials Secret's key of a connection URL: `url`, `url-<database>`, `direct-url`, …. */
function urlKey(variant: string, database: string | undefined): string {
  return `${variant}url${database !== undefined ? `-${database.replace(/_/g, '-')}` : ''}`;
}

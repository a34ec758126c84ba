// Where a WebService's env comes from besides `env`: its own ConfigMap (`config`) and the
// `envFrom` sources, checked so that no env var is set twice, and the checksums of the data
// known at synth that roll the pods when it changes. Siblings in constructs/web-service/:
// container.ts (which renders these sources), network.ts, scaling.ts, metrics.ts, mesh.ts,
// rbac.ts, common.ts; constructs/web-service.ts holds the props and wires the facets.
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { checksum } from '../core/checksum';
import { checkEnv, EnvMap, SECRET_LOOKING_NAME } from '../core/env';
import { EnvFrom } from '../core/env-from';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import { isDns1123Subdomain, isEnvVarName } from '../core/names';
import { CHECKSUM_ANNOTATION_PREFIX } from '../core/workload';
import type { ServiceMeta } from './common';

/**
 * Checks env names and rejects a var set by two sources: the kubelet would silently
 * let one win. Sources with unknown keys (Secrets, external ConfigMaps) can't be checked.
 */
export function checkEnvSources(problems: Problems, env: EnvMap, envFrom: readonly EnvFrom[], config: Readonly<Record<string, string>> | undefined): void {
  checkEnv(problems, 'env', env);
  const setBy = new Map<string, string>();
  const claim = (prop: string, source: string, varName: string) => {
    const prev = setBy.get(varName);
    if (prev !== undefined) problems.add(`${prop}.${varName}`, `duplicates an env var already set by ${prev}`, varName);
    else setBy.set(varName, source);
  };
  const checkKeys = (prop: string, source: string, keys: readonly string[]) => {
    for (const key of keys) {
      if (!problems.check(isEnvVarName(key), prop, 'must have keys that are valid env var names', key)) continue;
      problems.check(!SECRET_LOOKING_NAME.test(key), `${prop}.${key}`, 'looks like a credential: a ConfigMap is plaintext, use a Secret', '<redacted>');
      claim(prop, source, key);
    }
  };
  if (config) checkKeys('config', 'config', Object.keys(config));
  envFrom.forEach((s, i) => {
    const prop = `envFrom[${i}]`;
    problems.check(isDns1123Subdomain(s.name), `${prop}.name`, `must be a ${s.kind} name (DNS-1123 subdomain)`, s.name);
    if (s.options.prefix !== undefined) problems.check(isEnvVarName(s.options.prefix), `${prop}.prefix`, 'must be a valid env var name prefix', s.options.prefix);
    if (s.data) {
      // The name ends up in a checksum annotation key, whose name part is at most 63 characters.
      problems.check(s.name.length <= 63, `${prop}.name`, 'must be at most 63 characters for its checksum annotation', s.name);
      checkKeys(prop, `${prop} (${s.kind} ${JSON.stringify(s.name)})`, s.knownNames ?? []);
    }
  });
  for (const name of Object.keys(env)) claim('env', 'env', name);
}

/** The service's env sources: its own config first, then `envFrom`, the order the kubelet applies them. */
export function envSources(name: string, config: Readonly<Record<string, string>> | undefined, envFrom: readonly EnvFrom[]): readonly EnvFrom[] {
  return config ? [EnvFrom.configMap({ configMapName: name, data: config }), ...envFrom] : envFrom;
}

/** The ConfigMap `<name>` that holds the service's own `config`. */
export function ownConfigMap(scope: Construct, meta: ServiceMeta, config: Readonly<Record<string, string>>): k8s.KubeConfigMap {
  return new kinds.KubeConfigMap(scope, 'config', { metadata: meta, data: { ...config } });
}

/** Pod-template annotations with a checksum of each ConfigMap source whose data is known, so a change rolls the pods. */
export function configChecksums(sources: readonly EnvFrom[]): Record<string, string> {
  const checksums: Record<string, string> = {};
  for (const source of sources) {
    if (source.kind === 'ConfigMap' && source.data) checksums[`${CHECKSUM_ANNOTATION_PREFIX}${source.name}`] = checksum(source.data);
  }
  return checksums;
}

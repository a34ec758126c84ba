import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Manifest } from '../synth/render';
import { ValidationError } from '../constructs/core/errors';

/** The chart's manifests. */
export function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}

/** Every manifest of `kind`, in synth order. */
export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The one manifest of `kind` (and `name`, when given); throws when there isn't exactly one. */
export function one(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** A chart with a namespace, as stacks have. */
export function namespacedChart(namespace = 'shop-dev'): Chart {
  return new Chart(Testing.app(), namespace, { namespace, disableResourceNameHashes: true });
}

/** Reads a nested field: `get(m, 'spec', 'template', 'spec')`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function get(value: unknown, ...keys: (string | number)[]): any {
  let v: unknown = value;
  for (const k of keys) v = (v as Record<string | number, unknown> | undefined)?.[k];
  return v;
}

/** A fresh temporary directory. */
export function tmpdir(prefix = 'berth-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every file below `dir`, by relative path, with its content. */
export function listTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf-8');
    }
  };
  walk(dir);
  return out;
}

/** The problems of the ValidationError `fn` throws; fails when it throws none. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ValidationError');
}

/** The one Job whose `app.kubernetes.io/name` is `name`: Jobs are named `<name>-<hash of their spec>`. */
export function jobNamed(manifests: readonly Manifest[], name: string): Manifest {
  const found = manifests.filter((m) => m.kind === 'Job' && m.metadata.labels?.['app.kubernetes.io/name'] === name);
  if (found.length !== 1) throw new Error(`expected one Job ${name}-<hash>, found ${found.length}`);
  expect(found[0].metadata.name).toMatch(new RegExp(`^${name}-[0-9a-f]{10}$`));
  return found[0];
}

/**
 * Release files for a plan of `stacks` (PlanOptions.releases): the repository's own entries of
 * those stacks (none for an environment without a file), plus `extra` per environment.
 */
export function releasesFor(
  envs: readonly string[],
  stacks: readonly string[],
  extra: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>> = {},
): Record<string, string> {
  const root = path.join(__dirname, '..');
  return Object.fromEntries(envs.map((env) => {
    const file = path.join(root, 'releases', `${env}.yaml`);
    const all = (fs.existsSync(file) ? parseYaml(fs.readFileSync(file, 'utf-8')) : {}) as Record<string, Record<string, string>>;
    const kept = Object.fromEntries(Object.entries(all).filter(([stack]) => stacks.includes(stack)));
    return [env, stringifyYaml({ ...kept, ...(extra[env] ?? {}) })];
  }));
}

/** The security context WebService gives every container it runs as user 10001 (Pod Security restricted). */
export const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

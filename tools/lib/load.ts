// Reads synthesized output in the layout `dist/<env>/<stack>/<file>.yaml` (`<env>` is an
// environment's directory, or one of its clusters': `prod-eu-west`), from the work
// tree, from a git commit (without checking it out), or straight from a render.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { clusterTargets } from '../../charts/environment';
import { ENVIRONMENTS } from '../../charts/environments';
import { RenderedStack } from '../../synth/render';
import { Manifest } from './shapes';

export interface LoadedObject {
  /** File name inside the stack directory. */
  readonly file: string;
  readonly manifest: Manifest;
}

/** The manifests of one `dist/<env>/<stack>/` directory, in file order. */
export interface StackManifests {
  readonly env: string;
  readonly stack: string;
  readonly objects: readonly LoadedObject[];
}

/** A directory of `dist/`: an environment's, or one of its clusters' (`prod-eu-west`). */
export interface DistDir {
  readonly dir: string;
  /** The environment it belongs to: its namespaces end in `-<environment>`. */
  readonly environment: string;
  /** Base DNS domain of its routed hosts. */
  readonly domain: string;
}

/** Every directory `charts/environments.ts` makes, in promotion order, each environment's clusters in their order. */
export const DIST_DIRS: readonly DistDir[] = ENVIRONMENTS.flatMap(clusterTargets).map((t) => ({ dir: t.dir, environment: t.env.name, domain: t.env.domain }));

/**
 * Directories in the order changes travel through them (`charts/environments.ts`): dev,
 * staging, prod, with an environment that lists clusters in their order (prod-eu-west, prod-us-east).
 */
export const PROMOTION_ORDER: readonly string[] = DIST_DIRS.map((d) => d.dir);

/** Whether directory `dir` belongs to `env`: its own name, or the environment whose cluster it is. */
export function inEnvironment(dir: string, env: string): boolean {
  return dir === env || DIST_DIRS.some((d) => d.dir === dir && d.environment === env);
}

/**
 * What identifies a directory's stacks in their manifests (its name, its environment, the
 * domain of its hosts), for factoring them out; a directory `charts/environments.ts` doesn't
 * make, but named like one of its environments, gets that environment's domain.
 */
export function identityOf(dir: string): { readonly name: string; readonly domain?: string; readonly environment?: string } {
  const d = DIST_DIRS.find((x) => x.dir === dir);
  if (d !== undefined) return { name: dir, domain: d.domain, environment: d.environment };
  const env = ENVIRONMENTS.find((e) => e.name === dir);
  return env !== undefined ? { name: dir, domain: env.domain } : { name: dir };
}

/**
 * Orders directories by promotion; an environment's own name (a directory it would write
 * without clusters) ranks with its first cluster; names outside it come last, alphabetically.
 */
export function compareEnvs(a: string, b: string): number {
  const rank = (e: string): number => {
    const i = PROMOTION_ORDER.indexOf(e);
    if (i >= 0) return i;
    const first = DIST_DIRS.findIndex((d) => d.environment === e);
    return first < 0 ? PROMOTION_ORDER.length : first;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Environments in promotion order, then stacks by name. */
export function compareStacks(a: { env: string; stack: string }, b: { env: string; stack: string }): number {
  return compareEnvs(a.env, b.env) || (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0);
}

/** Files that sit beside the manifests but are not objects. */
const NOT_MANIFESTS = new Set(['Kustomization', 'kustomization.yaml', 'kustomization.yml']);

function isManifest(doc: unknown): doc is Manifest {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown } };
  return typeof d.kind === 'string' && typeof d.apiVersion === 'string' && typeof d.metadata?.name === 'string';
}

/**
 * Groups files (paths relative to the dist root, `dev/giia/05-deployment-auth.yaml`) into
 * stacks, in promotion order ({@link compareStacks}). Anything not at depth three or not
 * YAML is ignored; a YAML document that is not a Kubernetes object is an error naming the file.
 */
export function parseTree(files: ReadonlyMap<string, string>): StackManifests[] {
  const stacks = new Map<string, { env: string; stack: string; objects: LoadedObject[] }>();
  for (const rel of [...files.keys()].sort()) {
    const parts = rel.split('/');
    if (parts.length !== 3 || !/\.ya?ml$/.test(parts[2]) || NOT_MANIFESTS.has(parts[2])) continue;
    const [env, stack, file] = parts;
    const key = `${env}/${stack}`;
    const entry = stacks.get(key) ?? { env, stack, objects: [] };
    stacks.set(key, entry);
    let docs: unknown[];
    try {
      docs = loadAll(files.get(rel)!);
    } catch (e) {
      throw new Error(`${rel}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      if (!isManifest(doc)) throw new Error(`${rel}: not a Kubernetes object (needs apiVersion, kind and metadata.name)`);
      entry.objects.push({ file, manifest: doc });
    }
  }
  return [...stacks.values()].sort(compareStacks);
}

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators. */
function readDir(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) files.set(r, fs.readFileSync(path.join(d, e.name), 'utf-8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return files;
}

/**
 * The stacks in a dist directory on disk; a missing directory has none. With `only`, just
 * the stacks of those environment (or cluster) directories are read.
 */
export function loadDistDir(dir: string, only?: readonly string[]): StackManifests[] {
  if (only === undefined) return parseTree(readDir(dir));
  return parseTree(new Map(only.flatMap((d) => [...readDir(path.join(dir, d))].map(([rel, text]) => [`${d}/${rel}`, text] as [string, string]))));
}

function git(cwd: string, args: readonly string[], input?: Buffer): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

/**
 * The files under `dir` (relative to `cwd`) as committed at `ref`, read from git's object
 * store with one `git cat-file --batch`, so nothing is checked out.
 */
export function readDirAtRef(ref: string, dir: string, cwd: string = process.cwd()): Map<string, string> {
  let commit: string;
  try {
    commit = git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).toString().trim();
  } catch {
    throw new Error(`unknown git ref '${ref}'`);
  }
  const prefix = dir.replace(/\/+$/, '') + '/';
  // Paths print relative to cwd, like `dir`.
  const listing = git(cwd, ['ls-tree', '-r', '-z', commit, '--', prefix]).toString();
  const entries = listing.split('\0').filter(Boolean).map((line) => {
    const tab = line.indexOf('\t');
    const [, type, sha] = line.slice(0, tab).split(' ');
    return { type, sha, path: line.slice(tab + 1) };
  }).filter((e) => e.type === 'blob' && e.path.startsWith(prefix));
  const files = new Map<string, string>();
  if (entries.length === 0) return files;
  const out = git(cwd, ['cat-file', '--batch'], Buffer.from(entries.map((e) => e.sha).join('\n') + '\n'));
  // Each answer: `<sha> blob <size>\n<size bytes>\n`.
  let at = 0;
  for (const e of entries) {
    const eol = out.indexOf(0x0a, at);
    const size = Number(out.subarray(at, eol).toString().split(' ')[2]);
    files.set(e.path.slice(prefix.length), out.subarray(eol + 1, eol + 1 + size).toString('utf-8'));
    at = eol + 1 + size + 1;
  }
  return files;
}

/** The stacks in `dir` as committed at `ref`; with `only`, of those environment (or cluster) directories. */
export function loadDistAtRef(ref: string, dir: string, cwd?: string, only?: readonly string[]): StackManifests[] {
  if (only === undefined) return parseTree(readDirAtRef(ref, dir, cwd));
  const base = dir.replace(/\/+$/, '');
  return parseTree(new Map(only.flatMap((d) => [...readDirAtRef(ref, `${base}/${d}`, cwd)].map(([rel, text]) => [`${d}/${rel}`, text] as [string, string]))));
}

/** Stacks straight from a render, without a round trip through files. */
export function fromRendered(stacks: readonly RenderedStack[]): StackManifests[] {
  return stacks.map((s) => ({ env: s.env, stack: s.stack, objects: s.objects.map((o) => ({ file: o.file, manifest: o.manifest })) }));
}

// Versions are data: `releases/<env>.yaml` maps each service of each stack to the tag or digest
// it runs in that environment, and the environment's `images` give the registry and how
// strictly a version must be pinned. Stacks name repositories only, so shipping a new image
// to one environment is a one-line change to one file (`npm run release -- set|promote`),
// checked with everything else before anything is written.
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { formatValue, Problems, ValidationError } from '../constructs/core/errors';
import { DIGEST, TAG } from '../constructs/core/image';
import { unknownKeyMessage } from '../constructs/core/props';
import type { EnvironmentConfig } from './environment';

/** Where the release files live, relative to the repository root. */
export const RELEASES_DIR = 'releases';

/** `releases/<env>.yaml`. */
export function releaseFileOf(env: { readonly name: string }, dir: string = RELEASES_DIR): string {
  return path.posix.join(dir.split(path.sep).join('/'), `${env.name}.yaml`);
}

/** A version as a release file writes it: `1.4.2`, `sha256:…` or `1.4.2@sha256:…`. */
export interface ReleaseVersion {
  readonly tag?: string;
  readonly digest?: string;
}

/** Parses a version, or returns what is wrong with it. */
export function parseVersion(text: string): ReleaseVersion | string {
  const at = text.indexOf('@');
  const [tag, digest] = at >= 0 ? [text.slice(0, at), text.slice(at + 1)] : DIGEST.test(text) ? [undefined, text] : [text, undefined];
  if (tag !== undefined && !TAG.test(tag)) return "must be a tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'), a digest (sha256:<64 hex digits>) or <tag>@<digest>";
  if (digest !== undefined && !DIGEST.test(digest)) return "must have a digest such as 'sha256:<64 lowercase hex digits>' after '@'";
  return { ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** What the environment's `images.pin` refuses in a version, or undefined. */
export function pinProblem(version: ReleaseVersion, env: EnvironmentConfig): string | undefined {
  switch (env.images.pin) {
    case 'mutable': return undefined;
    case 'tag': return version.digest === undefined && version.tag === 'latest'
      ? `must be a tag other than 'latest', or a digest (${env.name} pins images: images.pin 'tag')` : undefined;
    case 'digest': return version.digest === undefined
      ? `must name a digest, as sha256:<digest> or <tag>@sha256:<digest> (${env.name} pins images by digest: images.pin 'digest')` : undefined;
  }
}

/** The first path component is a registry when it looks like a host (distribution/reference). */
function hasRegistry(repository: string): boolean {
  const slash = repository.indexOf('/');
  if (slash < 0) return false;
  const first = repository.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/** The versions of one environment, read from its release file. */
export class Release {
  /** Per stack, the services a construct asked about. */
  private readonly asked = new Map<string, Set<string>>();
  /** Per stack, the services the file lacks. */
  private readonly missing = new Map<string, string[]>();

  constructor(
    public readonly env: EnvironmentConfig,
    /** The file, relative to the repository root, as messages name it. */
    public readonly file: string,
    /** stack → service → version, as written. */
    public readonly versions: Readonly<Record<string, Readonly<Record<string, string>>>>,
    /** `<stack>.<service>` → the image its `# renovate: image=` line names. */
    public readonly markers: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The version written for `<stack>/<service>`, or undefined. */
  public versionOf(stack: string, service: string): string | undefined {
    const entries = this.versions[stack];
    return entries !== undefined && Object.prototype.hasOwnProperty.call(entries, service) ? entries[service] : undefined;
  }

  /**
   * The full image of a service: the environment's registry, the repository the stack names,
   * the version the file gives. A missing entry is recorded (and reported by `finish`) and a
   * placeholder returned, so every missing one of a stack is reported at once.
   */
  public imageFor(stack: string, service: string, repository: string, at: string): string {
    let asked = this.asked.get(stack);
    if (asked === undefined) this.asked.set(stack, asked = new Set());
    asked.add(service);
    const registry = this.env.images.registry;
    const repo = registry !== undefined && !hasRegistry(repository) ? `${registry}/${repository}` : repository;
    const marker = this.markers.get(`${stack}.${service}`);
    if (marker !== undefined && marker !== repo) {
      const list = this.missing.get(stack) ?? [];
      list.push(`[${this.file}] '${stack}.${service}' has a '# renovate: image=' line naming ${marker}, but ${at} runs ${repo}: Renovate would look up the wrong image; write image=${repo}, received ${formatValue(marker)}`);
      this.missing.set(stack, list);
    }
    const text = this.versionOf(stack, service);
    if (text === undefined) {
      const list = this.missing.get(stack) ?? [];
      list.push(`[${this.file}] '${stack}.${service}' must give the version of ${repository} that ${at} runs (npm run release -- set ${this.env.name} ${stack}/${service} <tag|digest>), received nothing`);
      this.missing.set(stack, list);
      return `${repo}:unreleased`;
    }
    const v = parseVersion(text) as ReleaseVersion; // checked when the file was read
    return `${repo}${v.tag !== undefined ? `:${v.tag}` : ''}${v.digest !== undefined ? `@${v.digest}` : ''}`;
  }

  /** After a stack is built: its missing entries, and the entries that name none of its services. */
  public finish(stack: string): void {
    const problems = [...(this.missing.get(stack) ?? [])];
    const asked = [...(this.asked.get(stack) ?? [])];
    for (const service of Object.keys(this.versions[stack] ?? {})) {
      if (asked.includes(service)) continue;
      const why = asked.length > 0
        ? unknownKeyMessage(service, asked, `service of ${stack} that takes its version from the release`, 'those are')
        : `names no service: none of ${stack}'s takes its version from the release`;
      problems.push(`[${this.file}] '${stack}.${service}' ${why}; remove it, received ${formatValue(this.versions[stack][service])}`);
    }
    this.missing.delete(stack);
    this.asked.delete(stack);
    if (problems.length > 0) throw new ValidationError(problems);
  }
}

/**
 * Checks a release file's content: a mapping of stacks, each a mapping of services to version
 * strings that the environment's pinning accepts. `releases/schema.json` says the same for
 * editors; a test keeps the two in step.
 */
export function checkRelease(file: string, data: unknown, env: EnvironmentConfig, stackIds: readonly string[]): Record<string, Record<string, string>> {
  const problems = new Problems(file);
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (data === null || data === undefined) return {};
  if (!isMap(data)) {
    problems.add('(file)', 'must be a mapping of stacks to their services\' versions', data);
    problems.throwIfAny();
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [stack, services] of Object.entries(data as Record<string, unknown>)) {
    if (!stackIds.includes(stack)) {
      problems.addPlain(stack, unknownKeyMessage(stack, stackIds, 'stack', 'stacks'));
      continue;
    }
    if (!isMap(services)) {
      problems.add(stack, 'must be a mapping of services to versions', services);
      continue;
    }
    out[stack] = {};
    for (const [service, value] of Object.entries(services)) {
      const at = `${stack}.${service}`;
      if (typeof value === 'number') {
        problems.add(at, `must be a string: quote it ('${String(value)}' as written), YAML reads an unquoted ${String(value)} as a number`, value);
        continue;
      }
      if (typeof value !== 'string') {
        problems.add(at, 'must be a version string: a tag, a digest or <tag>@<digest>', value);
        continue;
      }
      const v = parseVersion(value);
      if (typeof v === 'string') {
        problems.add(at, v, value);
        continue;
      }
      const pin = pinProblem(v, env);
      if (pin !== undefined) {
        problems.add(at, pin, value);
        continue;
      }
      out[stack][service] = value;
    }
  }
  problems.throwIfAny();
  return out;
}

/** Parses release YAML; a syntax error names the file, the line and the column. */
export function parseReleaseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(doc.errors.map((e) => `[${file}] is not valid YAML: ${e.message.split('\n')[0]}`));
  }
  return doc.toJS();
}

/** Checks release YAML as if it were `releases/<env>.yaml`. */
export function releaseOf(env: EnvironmentConfig, stackIds: readonly string[], text: string, dir: string = RELEASES_DIR): Release {
  const file = releaseFileOf(env, dir);
  return new Release(env, file, checkRelease(file, parseReleaseYaml(file, text), env, stackIds), renovateMarkers(text));
}

/** The line Renovate's regex manager (renovate.json) reads before an entry. */
export const RENOVATE_MARKER = /^\s*#\s*renovate:\s*image=(\S+)\s*$/;

/**
 * `<stack>.<service>` → the image of each entry a `# renovate: image=<image>` line precedes,
 * read line by line as Renovate's regex reads them.
 */
export function renovateMarkers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let stack: string | undefined;
  let pending: string | undefined;
  for (const line of text.split('\n')) {
    const top = /^([^\s#][^:]*):\s*(#.*)?$/.exec(line);
    if (top) {
      stack = top[1].trim();
      pending = undefined;
      continue;
    }
    const marker = RENOVATE_MARKER.exec(line);
    if (marker) {
      pending = marker[1];
      continue;
    }
    const entry = /^\s+([^\s#:][^:]*):/.exec(line);
    if (entry && pending !== undefined && stack !== undefined) out.set(`${stack}.${entry[1].trim()}`, pending);
    if (line.trim() !== '') pending = undefined;
  }
  return out;
}

/** Reads and checks `releases/<env>.yaml` under `root`. */
export function readRelease(env: EnvironmentConfig, stackIds: readonly string[], root: string = process.cwd(), dir: string = RELEASES_DIR): Release {
  const file = releaseFileOf(env, dir);
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(root, file), 'utf-8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new ValidationError([`[${file}] must exist: it gives the version of every service in ${env.name} (npm run release -- set ${env.name} <stack>/<service> <tag|digest>), received nothing`]);
  }
  return releaseOf(env, stackIds, text, dir);
}

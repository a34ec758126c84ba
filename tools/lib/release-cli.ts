// `npm run release`: ship a version to one environment, or promote what passed in one
// environment to the next, by editing `releases/<env>.yaml` (comments and order kept), then
// synthesizing and checking everything as `npm run synth` does, and refusing what the API
// server would refuse (the upgrade gate). It prints what changed as `npm run diff` does, never
// asks a question, and exits non-zero on any error, so a pipeline can run it after an image
// build and open a pull request with the result.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { isColorSupported } from 'picocolors';
import { isMap, isScalar, parseDocument, YAMLMap } from 'yaml';
import { clusterTargets, ENVIRONMENTS, planFor, STACKS } from '../../charts';
import type { EnvironmentConfig } from '../../charts/environment';
import { parseVersion, pinProblem, releaseFileOf } from '../../charts/releases';
import { unknownKeyMessage } from '../../constructs/core/props';
import { synthesize } from '../../synth';
import { validatorsFor } from '../../synth/validators';
import { diffStacks, DiffReport } from './diff';
import { formatJson, formatMarkdown, formatText } from './format-diff';
import { loadDistAtRef, loadDistDir } from './load';
import { checkUpgrade, formatUpgrade, readAcknowledgements, refusedOf } from './upgrade';

const USAGE = `usage: npm run release -- set <env>[,<env>…] <stack>/<service> <version> [options]
       npm run release -- promote <from-env> <to-env> [--stack <id>]... [--service <name>]... [options]

Changes the versions an environment runs (releases/<env>.yaml), synthesizes dist/ and checks
it like npm run synth, refuses a change the API server would refuse (upgrades.yaml
acknowledges one), and prints what changed in dist/. Nothing changes when it fails.

  set        one service, in one environment or several (dev,staging,prod: a new service's
             first version); <version> is a tag (1.4.2), a digest (sha256:…) or <tag>@<digest>
  promote    every version of <from-env> that <to-env> doesn't run yet (or of the stacks and
             services named), into <to-env>
  --stack <id>       promote only this stack (repeatable)
  --service <name>   promote only this service (repeatable; with --stack, of those stacks)
  --hotfix           set a service's version in an environment that otherwise takes its
                     versions only by promotion (prod)
  --base <ref>       the git ref the clusters run, for the upgrade gate (default: HEAD)
  --format <f>       the diff as text (default), md (for a pull request) or json
  -h, --help

Exit status: 0 done (or nothing to change), 1 refused (a bad version, the synth or the
upgrade gate), 2 a bad option.`;

class UsageError extends Error {}
/** A refusal that is not a usage error: exit 1. */
class Refused extends Error {}

export interface ReleaseIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** The repository: releases/, dist/ and git refs resolve here. @default process.cwd() */
  readonly cwd?: string;
  /** @default the reference environments */
  readonly environments?: readonly EnvironmentConfig[];
  /** Whether stdout is a color terminal. @default picocolors' detection and stdout.isTTY */
  readonly color?: boolean;
}

/** One entry to write: `<stack>.<service>` from `before` (undefined: a new entry) to `after`. */
interface Change {
  readonly stack: string;
  readonly service: string;
  readonly before: string | undefined;
  readonly after: string;
}

const messageOf = (e: unknown): string => (typeof (e as Error | undefined)?.message === 'string' ? (e as Error).message : String(e));

/** Runs `npm run release` with `argv`; returns the exit status. */
export function releaseCli(argv: readonly string[], io: ReleaseIo): number {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof Refused) {
      io.stderr(`berth release: refused: ${e.message}\n`);
      return 1;
    }
    io.stderr(`berth release: ${messageOf(e)}\n`);
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || e instanceof UsageError) io.stderr(`\n${USAGE}\n`);
    return e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

function run(argv: readonly string[], io: ReleaseIo): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      'stack': { type: 'string', multiple: true },
      'service': { type: 'string', multiple: true },
      'hotfix': { type: 'boolean', default: false },
      'base': { type: 'string', default: 'HEAD' },
      'format': { type: 'string', default: 'text' },
      'help': { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'md' && format !== 'json') throw new UsageError(`--format must be text, md or json, received '${format}'`);
  const envs = io.environments ?? ENVIRONMENTS;
  const envNamed = (name: string | undefined, what: string): EnvironmentConfig => {
    if (name === undefined) throw new UsageError(`needs ${what}`);
    const env = envs.find((e) => e.name === name);
    if (env === undefined) throw new UsageError(`'${name}' ${unknownKeyMessage(name, envs.map((e) => e.name), 'environment', 'environments')}`);
    return env;
  };
  const [command, ...rest] = positionals;
  const cwd = io.cwd ?? process.cwd();

  /** Per environment, the entries to write. */
  const edits: { env: EnvironmentConfig; changes: Change[] }[] = [];
  let what: string;
  const stackIds = STACKS.map((s) => s.id);
  if (command === 'set') {
    if (rest.length !== 3) throw new UsageError('set needs an environment (or several, comma-separated), <stack>/<service> and a version, such as: npm run release -- set staging nexus/api 1.4.2');
    if (values.stack !== undefined || values.service !== undefined) throw new UsageError('--stack and --service are for promote; set names <stack>/<service> itself');
    const targets = rest[0].split(',').map((name) => envNamed(name, 'an environment'));
    const [stack, service, ...more] = rest[1].split('/');
    if (service === undefined || more.length > 0 || stack === '' || service === '') throw new UsageError(`'${rest[1]}' must be <stack>/<service>, such as nexus/api`);
    if (!stackIds.includes(stack)) throw new UsageError(`'${stack}' ${unknownKeyMessage(stack, stackIds, 'stack', 'stacks')}`);
    const version = rest[2];
    const parsed = parseVersion(version);
    if (typeof parsed === 'string') throw new Refused(`'${version}' ${parsed}`);
    for (const env of targets) {
      const pin = pinProblem(parsed, env);
      if (pin !== undefined) throw new Refused(`'${version}' ${pin}`);
      const current = readVersions(cwd, env)[stack]?.[service];
      // A new service's first version is set everywhere; after that, such an environment is promoted to.
      if (env.releasesFrom !== undefined && current !== undefined && !values.hotfix) {
        envNamed(env.releasesFrom, `the environment ${env.name} is promoted from (releasesFrom)`);
        throw new Refused(`${env.name} takes its versions only by promotion from ${env.releasesFrom}: npm run release -- promote ${env.releasesFrom} ${env.name} --stack ${stack} --service ${service} (or --hotfix, for a fix that can't wait)`);
      }
      if (current !== version) edits.push({ env, changes: [{ stack, service, before: current, after: version }] });
    }
    what = `set ${targets.map((e) => e.name).join(',')} ${stack}/${service} ${version}`;
  } else if (command === 'promote') {
    if (rest.length !== 2) throw new UsageError('promote needs the environment to promote from and the one to promote to, such as: npm run release -- promote staging prod');
    if (values.hotfix) throw new UsageError('--hotfix is for set');
    const from = envNamed(rest[0], 'the environment to promote from');
    const env = envNamed(rest[1], 'the environment to promote to');
    if (from.name === env.name) throw new UsageError(`promote needs two environments, received '${from.name}' twice`);
    if (env.releasesFrom !== undefined && env.releasesFrom !== from.name) {
      throw new Refused(`${env.name} is promoted from ${env.releasesFrom}, not ${from.name}: npm run release -- promote ${env.releasesFrom} ${env.name}`);
    }
    for (const s of values.stack ?? []) {
      if (!stackIds.includes(s)) throw new UsageError(`--stack '${s}' ${unknownKeyMessage(s, stackIds, 'stack', 'stacks')}`);
    }
    const source = readVersions(cwd, from);
    const unmatched = [...(values.service ?? [])].filter((s) => !Object.values(source).some((services) => s in services));
    if (unmatched.length > 0) throw new UsageError(`--service ${unmatched.map((s) => `'${s}'`).join(', ')}: no such service in ${releaseFileOf(from)}`);
    const changes = promotions(source, readVersions(cwd, env), values.stack, values.service);
    for (const c of changes) {
      const pin = pinProblem(parseVersion(c.after) as { tag?: string; digest?: string }, env);
      if (pin !== undefined) throw new Refused(`${releaseFileOf(from)} '${c.stack}.${c.service}' is ${c.after}, which ${env.name} refuses: it ${pin}`);
    }
    if (changes.length > 0) edits.push({ env, changes });
    what = `promote ${from.name} → ${env.name}${values.stack ? ` (stacks ${values.stack.join(', ')})` : ''}${values.service ? ` (services ${values.service.join(', ')})` : ''}`;
  } else {
    throw new UsageError(command === undefined ? 'needs a command: set or promote' : `'${command}' is not a command (set, promote)`);
  }

  if (edits.length === 0) {
    io.stdout(`berth release: ${what}: nothing to change; the release file${command === 'set' ? ' already has that version' : ' already has every version'}\n`);
    return 0;
  }

  // Write the files, synthesize, gate; on any failure put the files (and dist/) back.
  const files = edits.map((e) => {
    const file = releaseFileOf(e.env);
    const filePath = path.resolve(cwd, file);
    return { ...e, file, filePath, original: fs.readFileSync(filePath, 'utf-8') };
  });
  const distDir = path.resolve(cwd, 'dist');
  // What a release file can change: its environment's directories (one per cluster).
  const dirs = files.flatMap((f) => clusterTargets(f.env).map((t) => t.dir));
  const before = loadDistDir(distDir, dirs);
  for (const f of files) fs.writeFileSync(f.filePath, withVersions(f.original, f.changes));
  const names = files.map((f) => f.file).join(', ');
  const synthErrors: string[] = [];
  // A release file feeds only its environment's charts: those are rebuilt and checked (every
  // release file is still read and checked), the rest of dist/ is left as it is.
  const edited = new Set(files.map((f) => f.env.name));
  const resynth = () => synthesize(() => planFor(envs, STACKS, { root: cwd }).filter((u) => edited.has(u.environment ?? u.env)), {
    outdir: distDir, validators: validatorsFor(envs), log: () => undefined, error: (l) => synthErrors.push(l), partial: true,
  });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const f of files) fs.writeFileSync(f.filePath, f.original);
  };
  try {
    if (resynth().exitCode !== 0) {
      restore();
      throw new Refused(`the synth refused ${names} as changed; ${files.length > 1 ? 'they are' : 'it is'} as before, and dist/ was not changed\n${synthErrors.join('\n')}`);
    }
    const gate = checkUpgrade(loadDistAtRef(values.base, 'dist', cwd, dirs), loadDistDir(distDir, dirs), readAcknowledgements(cwd), { from: values.base, to: 'working tree' });
    if (refusedOf(gate).length > 0) {
      restore();
      synthErrors.length = 0;
      const back = resynth();
      throw new Refused(`the upgrade gate refused it; ${names} ${files.length > 1 ? 'are' : 'is'} as before${back.exitCode === 0 ? ', and so is dist/' : ` (dist/ could not be rebuilt: ${synthErrors.join('; ')})`}\n${formatUpgrade(gate)}`);
    }
  } catch (e) {
    restore();
    throw e;
  }

  const report: DiffReport = { from: 'before', to: what, stacks: diffStacks(before, loadDistDir(distDir, dirs)) };
  io.stdout(`berth release: ${what}\n`);
  for (const f of files) {
    for (const c of f.changes) io.stdout(`  ${f.file} ${c.stack}.${c.service}: ${c.before ?? '(new)'} → ${c.after}\n`);
  }
  const color = io.color ?? (isColorSupported && process.stdout.isTTY === true);
  const out = format === 'md' ? formatMarkdown(report) : format === 'json' ? formatJson(report) : formatText(report, { color });
  io.stdout(out.endsWith('\n') ? out : `${out}\n`);
  // An environment on a release branch runs this only once the branch moves to the merged commit.
  for (const { env } of files) {
    const r = env.gitops.revision;
    if (typeof r === 'string' && r !== 'main' && !/^[0-9a-f]{40}$/.test(r)) {
      io.stdout(`${env.name} syncs the branch ${r}: once this is merged, move it there: git push origin <merged commit>:refs/heads/${r}\n`);
    }
  }
  return 0;
}

/** stack → service → version, as the environment's file has them (unchecked: the synth checks). */
function readVersions(cwd: string, env: EnvironmentConfig): Record<string, Record<string, string>> {
  const file = releaseFileOf(env);
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf-8');
  } catch {
    throw new Refused(`${file} can't be read: every environment needs one (README: Releasing)`);
  }
  const data = parseDocument(text).toJS() as unknown;
  const out: Record<string, Record<string, string>> = {};
  if (typeof data !== 'object' || data === null) return out;
  for (const [stack, services] of Object.entries(data as Record<string, unknown>)) {
    if (typeof services !== 'object' || services === null) continue;
    out[stack] = Object.fromEntries(Object.entries(services as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  return out;
}

/** The entries of `from` that `to` runs differently, within the stacks and services asked for. */
function promotions(
  from: Readonly<Record<string, Readonly<Record<string, string>>>>,
  to: Readonly<Record<string, Readonly<Record<string, string>>>>,
  stacks: readonly string[] | undefined,
  services: readonly string[] | undefined,
): Change[] {
  const out: Change[] = [];
  for (const [stack, entries] of Object.entries(from)) {
    if (stacks !== undefined && !stacks.includes(stack)) continue;
    for (const [service, version] of Object.entries(entries)) {
      if (services !== undefined && !services.includes(service)) continue;
      const current = to[stack]?.[service];
      if (current !== version) out.push({ stack, service, before: current, after: version });
    }
  }
  return out;
}

/** The file's text with `changes` applied: every comment, the order and the quoting kept. */
export function withVersions(text: string, changes: readonly Change[]): string {
  const doc = parseDocument(text);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  for (const c of changes) {
    const stackNode = doc.get(c.stack, true);
    if (!isMap(stackNode)) {
      doc.set(c.stack, doc.createNode({ [c.service]: c.after }));
      continue;
    }
    const current = (stackNode as YAMLMap).get(c.service, true);
    if (isScalar(current)) current.value = c.after;
    else (stackNode as YAMLMap).set(c.service, c.after);
  }
  return doc.toString({ lineWidth: 0 });
}

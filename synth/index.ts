import * as path from 'path';
import { Chart } from 'cdk8s';
import { ValidationError } from '../constructs/core/errors';
import './construct-ids';
import { Finding, formatFinding, Validator } from './finding';
import { describeError } from './location';
import { RenderedStack, renderUnit, SynthUnit } from './render';
import { formatSummary, Progress, StackStats, statsOf, terminalProgress } from './summary';
import {
  completeAndCommit, discardTree, fileCollisions, linkTree, recoverTree, scanTree, stackFileEntries, stageTree,
  ChangeWriter, CommitStep, Leftover, TreeBlockedError,
} from './write';

export { RenderedObject, RenderedStack, SynthUnit, Manifest } from './render';
export { Finding, formatFinding, Validator } from './finding';

/**
 * A stack to synthesize, built only when the synth reaches it, so that the construct tree
 * of one stack at a time is in memory.
 */
export interface PlannedUnit {
  /** The directory under the output root: an environment's name, or one of its clusters' (`prod-eu-west`). */
  readonly env: string;
  /** The environment `env` belongs to, where it is a cluster's directory (`--env prod` picks every cluster). @default - env */
  readonly environment?: string;
  readonly stack: string;
  readonly build: () => Chart;
}

/** What `synthesize` takes: charts already built, or built on demand. */
export type UnitSource = SynthUnit | PlannedUnit;

export interface SynthOptions {
  /** Where `dist/` goes. */
  readonly outdir: string;
  /** A second copy of the tree (cdk8s-cli's CDK8S_OUTDIR). @default - none */
  readonly mirrorDir?: string;
  /** Checks run on each stack before anything is written. @default - none */
  readonly validators?: readonly Validator[];
  /** @default console.log / console.error */
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
  /** Progress of a long synth. @default - a line on stderr after 1 s when it is a terminal and CI is unset */
  readonly progress?: Progress;
  /**
   * The units are part of the tree (`npm run synth -- --env dev`): every file of `outdir`
   * outside their stack directories is kept as it is.
   * @default false - the units are the whole tree: files no unit produces are removed
   */
  readonly partial?: boolean;
  /** Called before each step of the swap of `outdir`; for tests that kill the process there. @default - none */
  readonly onCommitStep?: (step: CommitStep) => void;
}

export interface SynthResult {
  readonly exitCode: number;
  /** Objects synthesized (written or not). */
  readonly objects: number;
}

type Phases = { build: number; render: number; validate: number; write: number };

/** What became of one unit. */
interface UnitOutcome {
  readonly stats?: StackStats;
  /** Every file of the unit, relative to the output root. */
  readonly files: readonly string[];
  /** Those whose bytes differ from the current `outdir`'s: already written to the staged tree. */
  readonly changed: readonly string[];
  /** Problems in the stack definition (ValidationErrors), in construct order. */
  readonly problems: readonly string[];
  /** An unexpected error while building or rendering. */
  readonly failure?: { readonly env?: string; readonly stack?: string; readonly message: string };
  readonly findings: readonly { readonly validator: number; readonly finding: Finding }[];
  readonly crashes: readonly { readonly validator: number; readonly message: string }[];
  readonly ms: Phases;
}

/** Shared by the units of one synth. */
interface UnitContext {
  readonly validators: readonly Validator[];
  /** The staged tree that changed files go to. */
  readonly staged: string;
  /** The current `outdir`, which files are compared with. */
  readonly outdir: string;
  readonly writer: ChangeWriter;
  /** Set once any unit failed: later units are still checked, so every problem is reported, but not written. */
  failed: boolean;
  /** Validators that crashed once are not run again. */
  readonly crashed: Set<number>;
}

const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

/** Builds, renders, validates and writes one unit into the staged tree. */
function synthUnit(unit: UnitSource, ctx: UnitContext): UnitOutcome {
  const ms: Phases = { build: 0, render: 0, validate: 0, write: 0 };
  const base = { files: [] as string[], changed: [] as string[], problems: [] as string[], findings: [], crashes: [], ms };
  let t = process.hrtime.bigint();
  let stack: RenderedStack;
  try {
    const chart = 'chart' in unit ? unit.chart : unit.build();
    ms.build = since(t);
    t = process.hrtime.bigint();
    stack = renderUnit({ env: unit.env, stack: unit.stack, chart });
    ms.render = since(t);
    const collisions = fileCollisions(stack);
    if (collisions.length > 0) throw new ValidationError(collisions);
  } catch (e) {
    ctx.failed = true;
    if (e instanceof ValidationError) return { ...base, problems: e.problems };
    return { ...base, failure: { env: unit.env, stack: unit.stack, message: describeError(e) } };
  }
  const stats = statsOf(stack, ms.render);
  t = process.hrtime.bigint();
  const findings: { validator: number; finding: Finding }[] = [];
  const crashes: { validator: number; message: string }[] = [];
  ctx.validators.forEach((v, i) => {
    if (ctx.crashed.has(i)) return;
    // A crashing check must not hide the others' findings, nor let anything be written.
    try {
      for (const finding of v(stack)) findings.push({ validator: i, finding });
    } catch (e) {
      ctx.crashed.add(i);
      crashes.push({ validator: i, message: `validator ${v.name || '(anonymous)'} crashed on ${unit.env}/${unit.stack}: ${describeError(e)}` });
    }
  });
  ms.validate = since(t);
  if (findings.length > 0 || crashes.length > 0) {
    ctx.failed = true;
    return { ...base, stats, findings, crashes };
  }
  if (ctx.failed) return { ...base, stats };
  t = process.hrtime.bigint();
  const dir = `${unit.env}/${unit.stack}`;
  // Joined once per stack: file names are plain, so the rest is concatenation.
  const previousDir = path.join(ctx.outdir, dir);
  const stagedDir = path.join(ctx.staged, dir);
  const files: string[] = [];
  const changed: string[] = [];
  for (const [name, content] of stackFileEntries(stack)) {
    const rel = `${dir}/${name}`;
    files.push(rel);
    if (!ctx.writer.unchangedOrWrite(`${previousDir}/${name}`, `${stagedDir}/${name}`, content)) changed.push(rel);
  }
  ms.write = since(t);
  return { ...base, stats, files, changed };
}

/**
 * Builds, renders, validates and writes every unit, one at a time. Returns
 * a non-zero exit code after printing every problem, one per line, and then leaves
 * `outdir` untouched.
 */
export function synthesize(units: () => readonly UnitSource[], options: SynthOptions): SynthResult {
  const progress = options.progress ?? terminalProgress();
  try {
    return run(units, options, progress);
  } finally {
    progress.done();
  }
}

function run(unitsOf: () => readonly UnitSource[], options: SynthOptions, progress: Progress): SynthResult {
  const started = process.hrtime.bigint();
  const error = options.error ?? ((l: string) => console.error(l));
  const out = `${path.basename(options.outdir)}/`;
  let units: readonly UnitSource[];
  try {
    progress.update('planning');
    units = unitsOf();
  } catch (e) {
    return finish(started, [failedPlan(e)], undefined, options, progress);
  }
  let staged: string;
  try {
    // A synth killed earlier may have left a swap half done, or its staged tree: put it right first.
    for (const dir of [options.outdir, options.mirrorDir]) {
      if (dir === undefined) continue;
      const recovery = recoverTree(dir);
      if (recovery.restored) error(`berth: an interrupted synth had moved ${path.basename(dir)}/ aside; it is back in place`);
      warnLeftovers(recovery.leftovers, error);
    }
    staged = stageTree(options.outdir);
  } catch (e) {
    progress.done();
    error(`berth: can't write ${out}: ${systemError(e)}; ${out} was not changed`);
    return { exitCode: 1, objects: 0 };
  }
  const ctx: UnitContext = { validators: options.validators ?? [], staged, outdir: options.outdir, writer: new ChangeWriter(), failed: false, crashed: new Set() };
  let outcomes: UnitOutcome[];
  try {
    outcomes = units.map((u, i) => {
      progress.update(`synthesizing ${u.env}/${u.stack}`, i, units.length);
      return synthUnit(u, ctx);
    });
  } catch (e) {
    // Only writing a changed file throws here; building and checking errors are outcomes.
    discardTree(staged);
    progress.done();
    error(`berth: synth failed while writing; ${out} was not changed`);
    error(`  ${systemError(e)}`);
    return { exitCode: 1, objects: 0 };
  }
  return finish(started, outcomes, staged, options, progress);
}

/** An error of the file system as a person reads it: `read-only file system (EROFS: /repo/.berth-dist)`. */
function systemError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  // Not `instanceof Error`: errors from another realm (jest's sandbox) are errors too.
  if (typeof err === 'object' && err !== null && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const text: Record<string, string> = {
      EROFS: 'read-only file system', EACCES: 'permission denied', EPERM: 'operation not permitted',
      ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', ENOENT: 'no such file or directory',
    };
    return `${text[err.code] ?? err.message} (${err.code}${err.path !== undefined ? `: ${err.path}` : ''})`;
  }
  return describeError(e);
}

function warnLeftovers(leftovers: readonly Leftover[], error: (line: string) => void): void {
  for (const l of leftovers) error(`berth: warning: could not remove ${l.path}, left by an earlier run: ${systemError(l.error)}; remove it by hand`);
}

/** An outcome for a plan that could not even list its units. */
function failedPlan(e: unknown): UnitOutcome {
  const ms = { build: 0, render: 0, validate: 0, write: 0 };
  const base = { files: [], changed: [], findings: [], crashes: [], ms };
  if (e instanceof ValidationError) return { ...base, problems: e.problems };
  return { ...base, problems: [], failure: { message: describeError(e) } };
}

/**
 * Failures one per line, each with its stack and environments; one that is the same in
 * several environments (as stack code mostly is) is one line.
 */
function failureLines(outcomes: readonly UnitOutcome[]): string[] {
  const lines = new Map<string, { stack?: string; envs: string[]; message: string }>();
  for (const { failure: f } of outcomes) {
    if (f === undefined) continue;
    const key = `${f.stack ?? ''}\n${f.message}`;
    const line = lines.get(key) ?? { stack: f.stack, envs: [], message: f.message };
    if (f.env !== undefined) line.envs.push(f.env);
    lines.set(key, line);
  }
  return [...lines.values()].map((l) => (l.stack !== undefined ? `${l.stack} (${l.envs.join(', ')}): ${l.message}` : l.message));
}

/**
 * Reports the outcomes of every unit: on any problem, prints them all and discards the
 * staged tree; otherwise swaps it in as `outdir`, mirrors it, and prints the summary.
 */
function finish(started: bigint, outcomes: readonly UnitOutcome[], staged: string | undefined, options: SynthOptions, progress: Progress): SynthResult {
  const log = options.log ?? ((l: string) => console.log(l));
  const error = options.error ?? ((l: string) => console.error(l));
  progress.done();
  const objects = outcomes.reduce((n, o) => n + (o.stats ? [...o.stats.kinds.values()].reduce((a, b) => a + b, 0) : 0), 0);
  const unchanged = `${path.basename(options.outdir)}/ was not changed`;
  const refuse = (header: string, lines: readonly string[]): SynthResult => {
    if (staged !== undefined) discardTree(staged);
    error(header);
    for (const l of lines) error(`  ${l}`);
    return { exitCode: 1, objects };
  };
  const failures = failureLines(outcomes);
  if (failures.length > 0) return refuse(`berth: synth failed while building the stacks; ${unchanged}`, failures);
  const problems = outcomes.flatMap((o) => o.problems);
  if (problems.length > 0) {
    return refuse(`berth: synth refused: ${problems.length} problem(s) in the stack definitions; ${unchanged}`, problems);
  }
  // Validator by validator, then stack by stack.
  const findings = outcomes.flatMap((o) => o.findings).sort((a, b) => a.validator - b.validator).map((f) => formatFinding(f.finding));
  const crashes = outcomes.flatMap((o) => o.crashes).sort((a, b) => a.validator - b.validator).map((c) => c.message);
  if (findings.length + crashes.length > 0) {
    return refuse(`berth: synth refused: ${findings.length + crashes.length} problem(s) in the synthesized output; ${unchanged}`,
      [...findings, ...crashes]);
  }
  if (staged === undefined) return { exitCode: 0, objects };
  const out = `${path.basename(options.outdir)}/`;
  const t = process.hrtime.bigint();
  let written = false;
  let kept = 0;
  let files = outcomes.flatMap((o) => o.files);
  try {
    const changed = new Set(outcomes.flatMap((o) => o.changed));
    const current = scanTree(options.outdir);
    if (options.partial === true) {
      // Everything outside the synthesized stack dirs stays: linked into the new tree like unchanged files.
      const produced = new Set(outcomes.map((o) => o.stats && `${o.stats.env}/${o.stats.stack}/`));
      const others = current.files.filter((f) => !produced.has(f.split('/', 2).join('/') + '/'));
      kept = new Set(others.map((f) => path.dirname(f))).size;
      files = [...files, ...others];
    }
    if (changed.size === 0 && current.files.length === files.length && [...files].sort().every((f, i) => f === current.files[i])) {
      // Nothing to change: dist/ stays as it is, inodes and timestamps included.
      discardTree(staged);
    } else {
      // The staged tree holds the changed files; the others are linked from the current tree.
      const leftover = completeAndCommit(staged, options.outdir, files.filter((f) => !changed.has(f)), current, options.onCommitStep);
      if (leftover !== undefined) warnLeftovers([leftover], error);
    }
    written = true;
    if (options.mirrorDir && path.resolve(options.mirrorDir) !== path.resolve(options.outdir)) {
      // cdk8s-cli empties its directory first: link the files just written to dist/.
      const leftover = linkTree(options.mirrorDir, files, options.outdir);
      if (leftover !== undefined) warnLeftovers([leftover], error);
    }
  } catch (e) {
    if (!written) discardTree(staged);
    const mirror = `${path.basename(options.mirrorDir ?? '')}/`;
    if (e instanceof TreeBlockedError) {
      error(`berth: synth refused to replace ${written ? mirror : out}: ${e.blocked.length} path(s) in it can't be removed; `
        + `${written ? `${out} was written, ${mirror} was not changed` : unchanged}`);
      for (const b of e.blocked) error(`  ${path.join(written ? mirror : out, b.rel)}: ${b.reason}`);
    } else {
      const restored = (e as { treeRestored?: boolean }).treeRestored !== false;
      error(`berth: synth failed while writing; ${written ? `${out} was written, ${mirror} was not`
        : restored ? unchanged : `${out} is missing: the next berth command puts the previous tree back`}`);
      error(`  ${systemError(e)}`);
    }
    return { exitCode: 1, objects };
  }
  const sum = (k: keyof Phases): number => outcomes.reduce((n, o) => n + o.ms[k], 0);
  log(formatSummary({
    outdir: options.outdir,
    stacks: outcomes.flatMap((o) => (o.stats ? [o.stats] : [])),
    phases: { build: sum('build'), render: sum('render'), validate: sum('validate'), write: sum('write') + since(t) },
    totalMs: since(started),
  }));
  if (options.partial === true) log(`berth: the other ${kept} stack dir(s) in ${out} were left as they were`);
  return { exitCode: 0, objects };
}

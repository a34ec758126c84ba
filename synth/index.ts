import * as path from 'path';
import { ValidationError } from '../constructs/core/errors';
import { RenderedStack, renderUnit, SynthUnit } from './render';
import { formatSummary, Progress, statsOf, terminalProgress } from './summary';
import { filesOf, writeTree } from './write';

export { RenderedObject, RenderedStack, SynthUnit, Manifest } from './render';

/** One problem found in synthesized output. */
export interface Finding {
  readonly env: string;
  readonly stack: string;
  readonly kind: string;
  readonly name: string;
  /** The construct path that made the object. */
  readonly constructPath: string;
  /** Dotted path of the offending field, such as `spec.template.spec.containers[0].image`. */
  readonly field: string;
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
}

/** Checks all synthesized stacks together, so it can look across objects. */
export type Validator = (stacks: readonly RenderedStack[]) => Finding[];

export function formatFinding(f: Finding): string {
  return `${f.env}/${f.stack} ${f.kind}/${f.name} [${f.constructPath}] ${f.field}: ${f.message}${f.hint ? ` (hint: ${f.hint})` : ''}`;
}

export interface SynthOptions {
  /** Where `dist/` goes. */
  readonly outdir: string;
  /** A second copy of the tree (cdk8s-cli's CDK8S_OUTDIR). @default - none */
  readonly mirrorDir?: string;
  /** Checks run on the whole output before anything is written. @default - none */
  readonly validators?: readonly Validator[];
  /** @default console.log / console.error */
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
  /** Progress of a long synth. @default - a line on stderr after 1 s when it is a terminal and CI is unset */
  readonly progress?: Progress;
}

export interface SynthResult {
  readonly exitCode: number;
  readonly stacks: readonly RenderedStack[];
}

/**
 * Builds, renders, validates and writes. Returns a non-zero exit code after printing
 * every problem, one per line, and then leaves `outdir` untouched.
 */
export function synthesize(build: () => readonly SynthUnit[], options: SynthOptions): SynthResult {
  const progress = options.progress ?? terminalProgress();
  try {
    return run(build, options, progress);
  } finally {
    progress.done();
  }
}

function run(build: () => readonly SynthUnit[], options: SynthOptions, progress: Progress): SynthResult {
  const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;
  const log = options.log ?? ((l: string) => console.log(l));
  const error = options.error ?? ((l: string) => console.error(l));
  const started = process.hrtime.bigint();
  let stacks: RenderedStack[];
  const renderMs: number[] = [];
  let built = started;
  try {
    progress.update('building charts');
    const units = build();
    built = process.hrtime.bigint();
    stacks = units.map((u, i) => {
      progress.update(`rendering ${u.env}/${u.stack}`, i, units.length);
      const t = process.hrtime.bigint();
      const rendered = renderUnit(u);
      renderMs.push(since(t));
      return rendered;
    });
  } catch (e) {
    progress.done();
    if (e instanceof ValidationError) {
      error(`berth: synth refused: ${e.problems.length} problem(s) in the stack definitions; dist/ was not changed`);
      for (const p of e.problems) error(`  ${p}`);
    } else {
      error('berth: synth failed while building the stacks; dist/ was not changed');
      error(`  ${describeError(e)}`);
    }
    return { exitCode: 1, stacks: [] };
  }
  const rendered = process.hrtime.bigint();
  progress.update('validating');
  const findings: Finding[] = [];
  const crashes: string[] = [];
  for (const v of options.validators ?? []) {
    // A crashing check must not hide the others' findings, nor let anything be written.
    try {
      findings.push(...v(stacks));
    } catch (e) {
      crashes.push(`validator ${v.name || '(anonymous)'} crashed: ${describeError(e)}`);
    }
  }
  const validated = process.hrtime.bigint();
  progress.done();
  if (findings.length > 0 || crashes.length > 0) {
    error(`berth: synth refused: ${findings.length + crashes.length} problem(s) in the synthesized output; dist/ was not changed`);
    for (const f of findings) error(`  ${formatFinding(f)}`);
    for (const c of crashes) error(`  ${c}`);
    return { exitCode: 1, stacks };
  }
  let written = false;
  try {
    const files = filesOf(stacks);
    progress.update(`writing ${files.size} files`);
    writeTree(options.outdir, files);
    written = true;
    if (options.mirrorDir && path.resolve(options.mirrorDir) !== path.resolve(options.outdir)) {
      // cdk8s-cli empties its directory first: link the files just written to dist/.
      writeTree(options.mirrorDir, files, options.outdir);
    }
    progress.done();
    log(formatSummary({
      outdir: options.outdir,
      stacks: stacks.map((s, i) => statsOf(s, renderMs[i])),
      phases: { build: Number(built - started) / 1e6, render: Number(rendered - built) / 1e6, validate: Number(validated - rendered) / 1e6, write: since(validated) },
      totalMs: since(started),
    }));
  } catch (e) {
    progress.done();
    error(`berth: synth failed while writing; ${written ? `${options.outdir}/ was written, the mirror was not` : `${options.outdir}/ was not changed`}`);
    error(`  ${describeError(e)}`);
    return { exitCode: 1, stacks };
  }
  return { exitCode: 0, stacks };
}

/** One line for an unexpected error: its message and where it was thrown. */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const at = e.stack?.split('\n').find((l) => l.trim().startsWith('at '))?.trim();
  return `${e.name}: ${e.message}${at ? ` (${at})` : ''}`;
}

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
      return { exitCode: 1, stacks: [] };
    }
    throw e;
  }
  const rendered = process.hrtime.bigint();
  progress.update('validating');
  const findings = (options.validators ?? []).flatMap((v) => v(stacks));
  const validated = process.hrtime.bigint();
  progress.done();
  if (findings.length > 0) {
    error(`berth: synth refused: ${findings.length} problem(s) in the synthesized output; dist/ was not changed`);
    for (const f of findings) error(`  ${formatFinding(f)}`);
    return { exitCode: 1, stacks };
  }
  const files = filesOf(stacks);
  progress.update(`writing ${files.size} files`);
  writeTree(options.outdir, files);
  if (options.mirrorDir && path.resolve(options.mirrorDir) !== path.resolve(options.outdir)) {
    writeTree(options.mirrorDir, files);
  }
  progress.done();
  log(formatSummary({
    outdir: options.outdir,
    stacks: stacks.map((s, i) => statsOf(s, renderMs[i])),
    phases: { build: Number(built - started) / 1e6, render: Number(rendered - built) / 1e6, validate: Number(validated - rendered) / 1e6, write: since(validated) },
    totalMs: since(started),
  }));
  return { exitCode: 0, stacks };
}

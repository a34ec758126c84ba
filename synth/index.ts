import * as path from 'path';
import { ValidationError } from '../constructs/core/errors';
import { RenderedStack, renderUnit, SynthUnit } from './render';
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
  const log = options.log ?? ((l: string) => console.log(l));
  const error = options.error ?? ((l: string) => console.error(l));
  const started = process.hrtime.bigint();
  let stacks: RenderedStack[];
  try {
    stacks = build().map(renderUnit);
  } catch (e) {
    if (e instanceof ValidationError) {
      error(`berth: synth refused: ${e.problems.length} problem(s) in the stack definitions; dist/ was not changed`);
      for (const p of e.problems) error(`  ${p}`);
    } else {
      error('berth: synth failed while building the stacks; dist/ was not changed');
      error(`  ${describeError(e)}`);
    }
    return { exitCode: 1, stacks: [] };
  }
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
  if (findings.length > 0 || crashes.length > 0) {
    error(`berth: synth refused: ${findings.length + crashes.length} problem(s) in the synthesized output; dist/ was not changed`);
    for (const f of findings) error(`  ${formatFinding(f)}`);
    for (const c of crashes) error(`  ${c}`);
    return { exitCode: 1, stacks };
  }
  let written = false;
  try {
    const files = filesOf(stacks);
    writeTree(options.outdir, files);
    written = true;
    if (options.mirrorDir && path.resolve(options.mirrorDir) !== path.resolve(options.outdir)) {
      writeTree(options.mirrorDir, files);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const objects = stacks.reduce((n, s) => n + s.objects.length, 0);
    log(`berth: ${stacks.length} stack dir(s), ${objects} objects, ${files.size} files → ${options.outdir}/ in ${ms.toFixed(0)} ms`);
  } catch (e) {
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

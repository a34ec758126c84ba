// Where an error comes from, as one short phrase for a one-line message.
import * as path from 'path';

/** One `at …` line of a V8 stack trace: the file and 1-based line and column. */
interface Frame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

function framesOf(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const l of stack.split('\n')) {
    const m = FRAME.exec(l);
    if (m) frames.push({ file: m[1], line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

/**
 * Frames of node itself, of installed packages and of the generated bindings in imports/ say
 * nothing about the stack's code.
 */
const isOwn = (shown: string): boolean => !shown.startsWith('node:') && !shown.startsWith('imports/') && !/(^|\/)node_modules\//.test(shown);

/** berth's own library: an error there is best read with the line of stack code that called it. */
const LIBRARY = /^(constructs|synth|tools)\/|^charts\/(stack|index|platform|argocd|flux|cluster|environment|validate-environments)\.ts:/;

/**
 * The source location a reader should look at, from an error's stack (source-mapped by
 * scripts/run.mjs, or by jest): the innermost frame of berth's own code, plus the innermost
 * frame of stack code (`charts/stacks/`, or wherever the stack is defined) when the first is
 * in berth's library, e.g. `constructs/web-service.ts:120:11, from charts/stacks/shop.ts:40:5`.
 * Paths are relative to `cwd` when they are inside it. With `stackCodeOnly`, only the stack
 * code's frame when there is one. Undefined when the stack names no file.
 */
export function locate(stack: string | undefined, cwd: string = process.cwd(), options: { readonly stackCodeOnly?: boolean } = {}): string | undefined {
  if (stack === undefined) return undefined;
  const show = (f: Frame): string => {
    const rel = path.relative(cwd, f.file);
    const file = rel.startsWith('..') || path.isAbsolute(rel) ? f.file : rel.split(path.sep).join('/');
    return `${file}:${f.line}:${f.column}`;
  };
  const shown = framesOf(stack).map(show);
  const own = shown.filter(isOwn);
  if (own.length === 0) return shown[0];
  const stackCode = own.find((f) => !LIBRARY.test(f));
  if (options.stackCodeOnly === true && stackCode !== undefined) return stackCode;
  return stackCode === undefined || stackCode === own[0] ? own[0] : `${own[0]}, from ${stackCode}`;
}

/** One line for an unexpected error: its name, message and where it was thrown. */
export function describeError(e: unknown, cwd?: string): string {
  // Not only `instanceof Error`: errors from another realm (jest's sandbox, a vm) are errors too.
  const isError = e instanceof Error || (typeof e === 'object' && e !== null && typeof (e as Error).message === 'string' && typeof (e as Error).name === 'string');
  if (!isError) return String(e);
  const err = e as Error;
  const at = locate(err.stack, cwd);
  return `${err.name}: ${err.message}${at !== undefined ? ` (at ${at})` : ''}`;
}

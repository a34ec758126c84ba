// Types of scripts/tree-swap.cjs.

/** Where a tree's files live (a symlinked tree's target) and its work directory beside it. */
export interface TreeLocation {
  readonly target: string;
  readonly work: string;
  readonly lock: string;
}

/** A tree that could not be removed, and why. */
export interface Leftover {
  readonly path: string;
  readonly error: Error;
}

export interface Recovery {
  /** An interrupted swap was undone: the previous tree is back in place. */
  readonly restored: boolean;
  /** Trees of processes that are gone, removed. */
  readonly removed: readonly string[];
  readonly leftovers: readonly Leftover[];
}

/** A step of `commit`, named before it runs. */
export type CommitStep = 'lock' | 'ready' | 'move-old' | 'move-new' | 'remove-old' | 'done';

export function locate(outdir: string): TreeLocation;
export function recover(outdir: string): Recovery;
export function stage(outdir: string): string;
export function commit(staged: string, outdir: string, onStep?: (step: CommitStep) => void): Leftover | undefined;
export function discard(staged: string): void;

// The `npm run synth` command line: which units to synthesize. Callable in-process (tests).
import { parseArgs } from 'node:util';
import type { PlannedUnit } from './index';

export interface SynthCliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** What to do: exit now with `exit`, or synthesize `units` (part of the tree when `partial`). */
export type SynthCommand =
  | { readonly exit: number }
  | { readonly units: () => readonly PlannedUnit[]; readonly partial: boolean };

function usage(envs: readonly string[], stacks: readonly string[]): string {
  const list = (xs: readonly string[]): string => (xs.length > 0 ? `: ${xs.join(', ')}` : '');
  return `usage: npm run synth -- [options]

Builds every stack for every environment, checks each object with the safety net, and
writes dist/<env>/<stack>/ as one atomic replacement of dist/ (docs/writing.md).

  --env <env>     only this environment, or one cluster's directory (repeatable)${list(envs)}
  --stack <id>    only this stack (repeatable)${list(stacks)}
  -h, --help      print this and exit

With --env or --stack, every other directory of dist/ is left exactly as it is.
Exit status: 0 written (or nothing changed), 1 refused or failed (each problem listed,
dist/ not changed), 2 a bad option.`;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/**
 * Parses `npm run synth -- …` against the plan. `plan` is only listed, not built: a plan
 * that throws is left to `synthesize`, which reports it like any failure.
 */
export function synthCommand(argv: readonly string[], plan: () => readonly PlannedUnit[], io: SynthCliIo): SynthCommand {
  let units: readonly PlannedUnit[] | undefined;
  try {
    units = plan();
  } catch {
    units = undefined;
  }
  // An environment with clusters is listed with their directories: `prod (prod-eu-west, prod-us-east)`.
  const dirsOf = new Map<string, string[]>();
  for (const u of units ?? []) {
    const dirs = dirsOf.get(u.environment ?? u.env) ?? [];
    if (!dirs.includes(u.env)) dirs.push(u.env);
    dirsOf.set(u.environment ?? u.env, dirs);
  }
  const envs = [...dirsOf].map(([e, dirs]) => (dirs.length === 1 && dirs[0] === e ? e : `${e} (${dirs.join(', ')})`));
  const known = new Set([...dirsOf].flatMap(([e, dirs]) => [e, ...dirs]));
  const stacks = unique((units ?? []).map((u) => u.stack));
  let values: { env?: string[]; stack?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string', multiple: true },
        stack: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.stderr(`berth synth: ${e instanceof Error ? e.message : String(e)}\n\n${usage(envs, stacks)}\n`);
    return { exit: 2 };
  }
  if (values.help === true) {
    io.stdout(`${usage(envs, stacks)}\n`);
    return { exit: 0 };
  }
  const partial = values.env !== undefined || values.stack !== undefined;
  const planned = units;
  // A plan that threw is planned again by synthesize, which reports its error.
  if (planned === undefined) return { units: plan, partial: false };
  if (!partial) return { units: () => planned, partial: false };
  const refused = [
    ...(values.env ?? []).filter((e) => !known.has(e)).map((e) => `unknown environment '${e}'; the environments are ${envs.join(', ')}`),
    ...(values.stack ?? []).filter((s) => !stacks.includes(s)).map((s) => `unknown stack '${s}'; the stacks are ${stacks.join(', ')}`),
  ];
  if (refused.length > 0) {
    io.stderr(refused.map((r) => `berth synth: ${r}\n`).join(''));
    return { exit: 2 };
  }
  const inEnv = (u: PlannedUnit): boolean => values.env === undefined || values.env.includes(u.env) || values.env.includes(u.environment ?? u.env);
  const chosen = planned.filter((u) => inEnv(u) && (values.stack === undefined || values.stack.includes(u.stack)));
  return { units: () => chosen, partial: true };
}

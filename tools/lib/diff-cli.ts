// The `npm run diff` command, callable in-process (tests) as well as from tools/diff.ts.
import * as path from 'path';
import { parseArgs } from 'node:util';
import { isColorSupported } from 'picocolors';
import { diffEnvironments, diffStacks, DiffReport, exitCodeOf } from './diff';
import { formatJson, formatMarkdown, formatText } from './format-diff';
import { compareEnvs, identityOf, inEnvironment, loadDistAtRef, loadDistDir, StackManifests } from './load';
import { recoverTree } from '../../synth/write';

const USAGE = `usage: npm run diff -- [options]

Semantic diff of the synthesized manifests.

  (default)             dist/ in the work tree against dist/ at --ref
  --ref <ref>           the git ref to compare against (default: HEAD)
  --to <ref>            read the new side from this ref instead of the work tree
  --env <env>           only this environment (all its clusters), or one cluster's
                        directory such as prod-eu-west
  --vs <env>            with --env: compare environment <env> with environment <vs>
                        (an environment with clusters: name one of its directories)
                        (objects matched by stack/kind/name; namespace, domain and
                        -<env> suffixes factored out)
  --stack <id>          only this stack (repeatable)
  --dist <dir>          the output directory (default: dist)
  --format <f>          text (default; colored on a terminal), md (for a PR comment), json
  --exit-code           exit 1 when anything differs, 2 when a change is risky
  --color, --no-color   force colors on or off
  -h, --help

Exit status: 0, or with --exit-code 0 (no differences), 1 (differences), 2 (risky
differences); 3 when the diff could not run (bad option, unknown ref or environment).`;

/** An error's message, also for errors of another realm (jest's sandbox), which fail `instanceof Error`. */
const messageOf = (e: unknown): string => (typeof (e as Error | undefined)?.message === 'string' ? (e as Error).message : String(e));

class UsageError extends Error {}

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** The repository to read: dist paths and git refs resolve here. @default process.cwd() */
  readonly cwd?: string;
  /** Whether stdout is a color terminal. @default picocolors' detection and stdout.isTTY */
  readonly color?: boolean;
}

/** Runs `npm run diff` with `argv`; returns the exit status. */
export function diffCli(argv: readonly string[], io: CliIo): number {
  try {
    return run(argv, io);
  } catch (e) {
    io.stderr(`berth diff: ${messageOf(e)}\n`);
    // An unknown flag gets the usage; exit 3 still, as 2 means "risky differences" here.
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) io.stderr(`\n${USAGE}\n`);
    else if (e instanceof UsageError) io.stderr('run `npm run diff -- --help` for usage\n');
    return 3;
  }
}

function run(argv: readonly string[], io: CliIo): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'ref': { type: 'string', default: 'HEAD' },
      'to': { type: 'string' },
      'env': { type: 'string' },
      'vs': { type: 'string' },
      'stack': { type: 'string', multiple: true },
      'dist': { type: 'string', default: 'dist' },
      'format': { type: 'string', default: 'text' },
      'exit-code': { type: 'boolean', default: false },
      'color': { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'help': { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'md' && format !== 'json') throw new UsageError(`--format must be text, md or json, received '${format}'`);
  if (values.vs !== undefined && values.env === undefined) throw new UsageError('--vs needs --env: npm run diff -- --env dev --vs prod');

  const cwd = io.cwd ?? process.cwd();
  const dist = values.dist;
  // A synth killed in the middle of its swap is put right before dist/ is read.
  if (values.to === undefined) recoverTree(path.resolve(cwd, dist));
  const current = values.to !== undefined ? loadDistAtRef(values.to, dist, cwd) : loadDistDir(path.resolve(cwd, dist));
  const currentName = values.to ?? 'working tree';
  const stacks = values.stack;
  const keep = (s: StackManifests): boolean => stacks === undefined || stacks.includes(s.stack);

  let report: DiffReport;
  if (values.vs !== undefined && values.env !== undefined) {
    const present = new Set(current.map((s) => s.env));
    for (const e of [values.env, values.vs]) {
      if (present.has(e)) continue;
      const clusters = [...present].filter((dir) => dir !== e && inEnvironment(dir, e)).sort(compareEnvs);
      if (clusters.length > 0) throw new UsageError(`environment '${e}' has a directory per cluster: compare one of them (${clusters.join(', ')})`);
      throw new UsageError(`no environment '${e}' in ${dist}/ (${currentName}); found: ${[...present].sort(compareEnvs).join(', ') || 'none'}`);
    }
    report = diffEnvironments(current.filter(keep), identityOf(values.env), identityOf(values.vs));
  } else {
    const env = values.env;
    const inScope = (s: StackManifests): boolean => keep(s) && (env === undefined || inEnvironment(s.env, env));
    const before = loadDistAtRef(values.ref, dist, cwd).filter(inScope);
    report = { from: values.ref, to: currentName, stacks: diffStacks(before, current.filter(inScope)) };
  }

  const color = values['no-color'] ? false : values.color ? true : io.color ?? (isColorSupported && process.stdout.isTTY === true);
  const out = format === 'md' ? formatMarkdown(report) : format === 'json' ? formatJson(report) : formatText(report, { color });
  io.stdout(out.endsWith('\n') ? out : `${out}\n`);
  return values['exit-code'] ? exitCodeOf(report) : 0;
}

// The `npm run report` command, callable in-process (tests) as well as from tools/report.ts.
import * as path from 'path';
import { parseArgs } from 'node:util';
import { recoverTree, writeTree } from '../../synth/write';
import { inEnvironment, loadDistDir } from './load';
import { renderReports } from './report';

const USAGE = `usage: npm run report -- [options]

Writes an HTML report per environment and stack (resource budget, routes, CRDs and
operators, dependency picture) and an index page, from the synthesized manifests.

  --dist <dir>    the synthesized output to read (default: dist; run npm run synth first)
  --out <dir>     where to write (default: reports; replaced as a whole)
  --env <env>     only this environment, or one cluster's directory (repeatable)
  --stack <id>    only this stack (repeatable)
  -h, --help

Exit status: 0, 2 a bad option, or 3 when the report could not be written.`;

/** An error's message, also for errors of another realm (jest's sandbox), which fail `instanceof Error`. */
const messageOf = (e: unknown): string => (typeof (e as Error | undefined)?.message === 'string' ? (e as Error).message : String(e));

export interface ReportIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Where relative --dist and --out resolve. @default process.cwd() */
  readonly cwd?: string;
}

async function run(argv: readonly string[], io: ReportIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dist: { type: 'string', default: 'dist' },
      out: { type: 'string', default: 'reports' },
      env: { type: 'string', multiple: true },
      stack: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const cwd = io.cwd ?? process.cwd();
  const dist = path.resolve(cwd, values.dist);
  const out = path.resolve(cwd, values.out);
  // dist/ holds manifests only: GitOps applies everything in it.
  if (out === dist || out.startsWith(`${dist}${path.sep}`)) throw new Error(`--out must be outside ${values.dist}/, which holds manifests only`);
  // A synth killed in the middle of its swap is put right before dist/ is read.
  recoverTree(dist);
  const stacks = loadDistDir(dist)
    .filter((s) => (values.env === undefined || values.env.some((e) => inEnvironment(s.env, e))) && (values.stack === undefined || values.stack.includes(s.stack)));
  if (stacks.length === 0) throw new Error(`no stacks found in ${values.dist}/ (run npm run synth first)`);
  const files = await renderReports(stacks, `${values.dist}/`);
  writeTree(out, files);
  io.stdout(`berth report: ${stacks.length} stack(s), ${files.size} files → ${path.join(values.out, 'index.html')}\n`);
  return 0;
}

/** Runs `npm run report` with `argv`; resolves to the exit status. */
export async function reportCli(argv: readonly string[], io: ReportIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    io.stderr(`berth report: ${messageOf(e)}\n`);
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`\n${USAGE}\n`);
      return 2;
    }
    return 3;
  }
}

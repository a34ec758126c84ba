// The `npm run upgrade-check` command, callable in-process (tests) as well as from tools/upgrade-check.ts.
import { parseArgs } from 'node:util';
import { ACKNOWLEDGEMENTS_FILE, formatUpgrade, refusedOf, upgradeGate } from './upgrade';

const USAGE = `usage: npm run upgrade-check -- --base <ref> [options]

Refuses an upgrade the API server would reject: dist/ at <ref> (what the clusters run)
against dist/ in the work tree, unless each such change is acknowledged in ${ACKNOWLEDGEMENTS_FILE}
with the steps taken (docs/deployment.md, "Upgrades the API server refuses").

  --base <ref>              the git ref the clusters run (default: $BERTH_UPGRADE_BASE, else HEAD)
  --to <ref>                read the new side (and its acknowledgements) from this ref
  --dist <dir>              the output directory (default: dist)
  --acknowledgements <file> (default: ${ACKNOWLEDGEMENTS_FILE})
  --format <f>              text (default) or json
  --strict                  fail on stale acknowledgements too
  -h, --help

Exit status: 0 nothing refused, 1 a refused change (or, with --strict, a stale
acknowledgement), 3 the check could not run (bad option, unknown ref, malformed file).`;

export interface UpgradeCliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `npm run upgrade-check` with `argv`; returns the exit status. */
export function upgradeCli(argv: readonly string[], io: UpgradeCliIo): number {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        'base': { type: 'string' },
        'to': { type: 'string' },
        'dist': { type: 'string', default: 'dist' },
        'acknowledgements': { type: 'string', default: ACKNOWLEDGEMENTS_FILE },
        'format': { type: 'string', default: 'text' },
        'strict': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (values.format !== 'text' && values.format !== 'json') throw new Error(`--format must be text or json, received '${values.format}'`);
    const base = values.base ?? ((io.env ?? process.env).BERTH_UPGRADE_BASE || 'HEAD');
    const result = upgradeGate({ base, to: values.to, cwd: io.cwd, dist: values.dist, acknowledgements: values.acknowledgements });
    io.stdout(values.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatUpgrade(result, values.acknowledgements));
    return refusedOf(result).length > 0 || (values.strict && result.stale.length > 0) ? 1 : 0;
  } catch (e) {
    io.stderr(`berth upgrade-check: ${e instanceof Error ? e.message : String(e)}\n`);
    return 3;
  }
}

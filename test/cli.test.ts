// The command lines: `npm run synth -- --env/--stack`, and --help and unknown flags on every command.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PlannedUnit } from '../synth';
import { synthCommand } from '../synth/cli';
import { diffCli } from '../tools/lib/diff-cli';
import { reportCli } from '../tools/lib/report-cli';

const root = path.resolve(__dirname, '..');

/** Collects what a command prints. */
function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => { out.push(s); }, stderr: (s: string) => { err.push(s); } } };
}

const unit = (env: string, stack: string): PlannedUnit => ({ env, stack, build: () => { throw new Error(`built ${env}/${stack}`); } });
const plan = (): PlannedUnit[] => ['dev', 'staging', 'prod'].flatMap((e) => ['giia', 'shop', 'argocd'].map((s) => unit(e, s)));
const picked = (argv: string[]): string[] => {
  const c = synthCommand(argv, plan, io().io);
  if ('exit' in c) throw new Error(`exit ${c.exit}`);
  return c.units().map((u) => `${u.env}/${u.stack}`);
};

describe('npm run synth -- [--env <env>] [--stack <id>]', () => {
  test('no flags: the whole plan, as the whole tree', () => {
    const c = synthCommand([], plan, io().io);
    expect('exit' in c ? c : { partial: c.partial, units: c.units().length }).toEqual({ partial: false, units: 9 });
  });

  test('--env and --stack, each repeatable and both optional, pick a part of the tree', () => {
    expect(picked(['--env', 'dev'])).toEqual(['dev/giia', 'dev/shop', 'dev/argocd']);
    expect(picked(['--stack', 'shop'])).toEqual(['dev/shop', 'staging/shop', 'prod/shop']);
    expect(picked(['--env', 'prod', '--env', 'dev', '--stack', 'shop', '--stack', 'argocd'])).toEqual(['dev/shop', 'dev/argocd', 'prod/shop', 'prod/argocd']);
    const c = synthCommand(['--env', 'dev'], plan, io().io);
    expect('partial' in c && c.partial).toBe(true);
  });

  test('unknown environments and stacks are refused, listing the valid ones; nothing is built', () => {
    const t = io();
    expect(synthCommand(['--env', 'qa', '--stack', 'shop', '--stack', 'shpo'], plan, t.io)).toEqual({ exit: 2 });
    expect(t.err.join('')).toBe([
      "berth synth: unknown environment 'qa'; the environments are dev, staging, prod",
      "berth synth: unknown stack 'shpo'; the stacks are giia, shop, argocd",
      '',
    ].join('\n'));
  });

  test('--env names an environment (every cluster of it) or one cluster\'s directory', () => {
    const fleet = (): PlannedUnit[] => [
      ...['dev', 'staging'].flatMap((e) => ['shop', 'argocd'].map((s) => unit(e, s))),
      ...['prod-eu-west', 'prod-us-east'].flatMap((d) => ['shop', 'argocd'].map((s) => ({ ...unit(d, s), environment: 'prod' }))),
    ];
    const pick = (argv: string[]) => {
      const c = synthCommand(argv, fleet, io().io);
      return 'exit' in c ? c : c.units().map((u) => `${u.env}/${u.stack}`);
    };
    expect(pick(['--env', 'prod', '--stack', 'shop'])).toEqual(['prod-eu-west/shop', 'prod-us-east/shop']);
    expect(pick(['--env', 'prod-us-east'])).toEqual(['prod-us-east/shop', 'prod-us-east/argocd']);
    const t = io();
    expect(synthCommand(['--env', 'prod-eu'], fleet, t.io)).toEqual({ exit: 2 });
    expect(t.err.join('')).toBe("berth synth: unknown environment 'prod-eu'; the environments are dev, staging, prod (prod-eu-west, prod-us-east)\n");
    const h = io();
    synthCommand(['--help'], fleet, h.io);
    expect(h.out.join('')).toContain("  --env <env>     only this environment, or one cluster's directory (repeatable): dev, staging, prod (prod-eu-west, prod-us-east)\n");
  });

  test('--help prints the usage with the valid ids and does no run', () => {
    const t = io();
    expect(synthCommand(['--help'], plan, t.io)).toEqual({ exit: 0 });
    expect(t.out.join('')).toContain("  --env <env>     only this environment, or one cluster's directory (repeatable): dev, staging, prod\n");
    expect(t.out.join('')).toContain('  --stack <id>    only this stack (repeatable): giia, shop, argocd\n');
    expect(t.err).toEqual([]);
  });

  test('an unknown flag or a stray argument is refused with the usage, exit 2', () => {
    for (const argv of [['--envs', 'dev'], ['dev'], ['--env']]) {
      const t = io();
      expect([argv, synthCommand(argv, plan, t.io)]).toEqual([argv, { exit: 2 }]);
      expect(t.err.join('')).toMatch(/^berth synth: .+\n\nusage: npm run synth -- \[options\]\n/);
    }
  });

  test('a plan that throws is left to the synth, which reports it', () => {
    const broken = (): PlannedUnit[] => { throw new Error('bad environments'); };
    const c = synthCommand(['--env', 'dev'], broken, io().io);
    expect('units' in c && c.partial).toBe(false);
    expect(() => 'units' in c && c.units()).toThrow('bad environments');
  });
});

describe('--help on every command: usage, exit 0, no run', () => {
  const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf-8', env: { ...process.env, NODE_OPTIONS: '' } });

  test.each([
    ['check:dist', ['scripts/check-dist.mjs'], 'usage: npm run check:dist'],
    ['import', ['scripts/import.cjs'], 'usage: npm run import'],
    ['bench', ['bench/run.mjs'], 'usage: npm run bench'],
  ])('%s', (_name, script, usage) => {
    const help = node([...script, '--help']);
    expect({ status: help.status, head: help.stdout.split('\n')[0], stderr: help.stderr }).toEqual({ status: 0, head: `${usage} ${script[0] === 'bench/run.mjs' ? '-- [options]' : '[-- --help]'}`, stderr: '' });
    const bad = node([...script, '--no-such-flag']);
    expect({ status: bad.status, stdout: bad.stdout }).toEqual({ status: 2, stdout: '' });
    expect(bad.stderr).toMatch(new RegExp(`^berth [a-z:]+: Unknown option '--no-such-flag'\\n\\n${usage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  test('synth: through the runner, without touching dist/', () => {
    const dist = path.join(root, 'dist');
    const before = fs.statSync(dist).mtimeMs;
    const r = node(['scripts/run.mjs', 'main.ts', '--help']);
    expect({ status: r.status, head: r.stdout.split('\n')[0], stderr: r.stderr }).toEqual({ status: 0, head: 'usage: npm run synth -- [options]', stderr: '' });
    expect(r.stdout).toContain('--stack <id>    only this stack (repeatable): giia, todo-chatbot, shop, todo-app, nexus, cluster, argocd');
    expect(fs.statSync(dist).mtimeMs).toBe(before);
  });

  test('diff and report, in process; an unknown flag prints the usage', async () => {
    const d = io();
    expect(diffCli(['--help'], d.io)).toBe(0);
    expect(d.out.join('')).toMatch(/^usage: npm run diff -- \[options\]\n/);
    const r = io();
    expect(await reportCli(['-h'], r.io)).toBe(0);
    expect(r.out.join('')).toMatch(/^usage: npm run report -- \[options\]\n/);
    const badDiff = io();
    // 3, not 2: with --exit-code, 2 means risky differences.
    expect(diffCli(['--no-such-flag'], badDiff.io)).toBe(3);
    expect(badDiff.err.join('')).toMatch(/^berth diff: Unknown option '--no-such-flag'\n\nusage: npm run diff -- \[options\]\n/);
    const badReport = io();
    expect(await reportCli(['--no-such-flag'], badReport.io)).toBe(2);
    expect(badReport.err.join('')).toMatch(/^berth report: Unknown option '--no-such-flag'\n\nusage: npm run report -- \[options\]\n/);
  });
});

// `npm run release`: set, then promote, on a scratch copy of the repository (its release files,
// dist/ and upgrades.yaml, committed), checking that dist/ changes in exactly the expected
// objects, that refusals leave everything as it was, and the exact text of each.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { releaseCli, withVersions } from '../tools/lib/release-cli';
import { listTree, tmpdir } from './util';

const ROOT = path.join(__dirname, '..');

/** A repository with the data the command reads and writes, at one commit. */
function scratchRepo(): string {
  const dir = tmpdir('berth-release-');
  for (const p of ['dist', 'releases', 'upgrades.yaml']) fs.cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
  return dir;
}

function cli(cwd: string, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = releaseCli(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, cwd, color: false });
  return { code, stdout, stderr };
}

/** The files of `dir` that differ between two listings. */
const changed = (a: Record<string, string>, b: Record<string, string>) =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => a[f] !== b[f]).sort();

describe('npm run release', () => {
  const repo = scratchRepo();
  const dist = () => listTree(path.join(repo, 'dist'));
  const release = (env: string) => fs.readFileSync(path.join(repo, 'releases', `${env}.yaml`), 'utf-8');

  test('set: one entry of one file, and in dist/ only the workload that runs it', () => {
    const [before, file] = [dist(), release('staging')];
    const r = cli(repo, ['set', 'staging', 'shop/order', '1.0.1']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'berth release: set staging shop/order 1.0.1',
      '  releases/staging.yaml shop.order: 1.0.0 → 1.0.1',
      'berth diff: before → set staging shop/order 1.0.1',
      '1 stack(s) differ: 0 added, 0 removed, 1 changed',
      '',
    ]);
    expect(r.stdout).toContain('[image]    ~ spec.template.spec.containers[order].image: registry.example.com/shop/order:1.0.0 → registry.example.com/shop/order:1.0.1');
    expect(changed(before, dist())).toEqual(['staging/shop/05-deployment-order.yaml']);
    // One line of the file changed; its comments and order are as they were.
    expect(changed(Object.fromEntries(file.split('\n').map((l, i) => [i, l])), Object.fromEntries(release('staging').split('\n').map((l, i) => [i, l])))).toHaveLength(1);
    expect(release('staging')).toBe(file.replace(/(\n  # renovate: image=registry\.example\.com\/shop\/order\n  order: )1\.0\.0/, '$11.0.1'));
  });

  test('promote: the versions that passed in staging, into prod, in both of its clusters and nowhere else', () => {
    const before = dist();
    const r = cli(repo, ['promote', 'staging', 'prod']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['berth release: promote staging → prod', '  releases/prod.yaml shop.order: 1.0.0 → 1.0.1']);
    expect(changed(before, dist())).toEqual(['prod-eu-west/shop/05-deployment-order.yaml', 'prod-us-east/shop/05-deployment-order.yaml']);
    // Prod runs it once its branch moves to the merged commit.
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('prod syncs the branch release/prod: once this is merged, move it there: git push origin <merged commit>:refs/heads/release/prod');
    expect(cli(repo, ['promote', 'staging', 'prod']).stdout).toBe('berth release: promote staging → prod: nothing to change; the release file already has every version\n');
  });

  test('set in several environments at once writes each file, with one synth', () => {
    const before = dist();
    const r = cli(repo, ['set', 'dev,staging', 'todo-app/backend', '1.2.0']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      'berth release: set dev,staging todo-app/backend 1.2.0',
      '  releases/dev.yaml todo-app.backend: latest → 1.2.0',
      '  releases/staging.yaml todo-app.backend: 1.0.1 → 1.2.0',
    ]);
    expect(changed(before, dist())).toEqual(['dev/todo-app/05-deployment-backend.yaml', 'staging/todo-app/05-deployment-backend.yaml']);
  });

  test('refusals name what is wrong and change nothing', () => {
    const [before, files] = [dist(), ['dev', 'staging', 'prod'].map(release)];
    const refused = (argv: string[]) => {
      const r = cli(repo, argv);
      return [r.code, r.stdout, r.stderr];
    };
    expect(refused(['set', 'prod', 'shop/order', '1.0.2'])).toEqual([1, '',
      "berth release: refused: prod takes its versions only by promotion from staging: npm run release -- promote staging prod --stack shop --service order (or --hotfix, for a fix that can't wait)\n"]);
    expect(refused(['set', 'staging', 'shop/order', 'latest'])).toEqual([1, '',
      "berth release: refused: 'latest' must be a tag other than 'latest', or a digest (staging pins images: images.pin 'tag')\n"]);
    expect(refused(['set', 'staging', 'shop/order', '1.0 rc'])).toEqual([1, '',
      "berth release: refused: '1.0 rc' must be a tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'), a digest (sha256:<64 hex digits>) or <tag>@<digest>\n"]);
    expect(refused(['promote', 'dev', 'prod'])).toEqual([1, '', 'berth release: refused: prod is promoted from staging, not dev: npm run release -- promote staging prod\n']);
    // The synth's own refusal: an entry that names no service.
    const [code, out, err] = refused(['set', 'staging', 'shop/ordr', '1.0.1']);
    expect([code, out]).toEqual([1, '']);
    expect((err as string).split('\n').slice(0, 3)).toEqual([
      'berth release: refused: the synth refused releases/staging.yaml as changed; it is as before, and dist/ was not changed',
      'berth: synth refused: 1 problem(s) in the stack definitions; dist/ was not changed',
      "  [releases/staging.yaml] 'shop.ordr' is not a service of shop that takes its version from the release; did you mean 'order'?; remove it, received \"1.0.1\"",
    ]);
    expect([dist(), ['dev', 'staging', 'prod'].map(release)]).toEqual([before, files]);
  });

  test('usage: exit 2 for a bad command, environment, stack or option; --help', () => {
    const usage = (argv: string[]) => {
      const r = cli(repo, argv);
      return [r.code, r.stderr.split('\n')[0]];
    };
    expect(usage(['bump', 'dev'])).toEqual([2, "berth release: 'bump' is not a command (set, promote)"]);
    expect(usage(['set', 'stagin', 'shop/order', '1.0.1'])).toEqual([2, "berth release: 'stagin' is not an environment; did you mean 'staging'?"]);
    expect(usage(['set', 'staging', 'shopp/order', '1.0.1'])).toEqual([2, "berth release: 'shopp' is not a stack; did you mean 'shop'?"]);
    expect(usage(['set', 'staging', 'shop', '1.0.1'])).toEqual([2, "berth release: 'shop' must be <stack>/<service>, such as nexus/api"]);
    expect(usage(['promote', 'staging', 'prod', '--servise', 'order'])[0]).toBe(2);
    const help = cli(repo, ['--help']);
    expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, 'usage: npm run release -- set <env>[,<env>…] <stack>/<service> <version> [options]']);
  });

  test('withVersions keeps comments, order and quoting, and quotes what YAML would read as a number', () => {
    const text = '# head\nshop:\n  # renovate: image=r/shop/user\n  user: 1.0.0 # {"$imagepolicy": "flux-system:shop-user:tag"}\n  order: "1.0.0"\n';
    expect(withVersions(text, [
      { stack: 'shop', service: 'user', before: '1.0.0', after: '1.10' },
      { stack: 'shop', service: 'order', before: '1.0.0', after: '2.0.0' },
      { stack: 'shop', service: 'cart', before: undefined, after: '0.1.0' },
      { stack: 'nexus', service: 'api', before: undefined, after: '3.0.0' },
    ])).toBe('# head\nshop:\n  # renovate: image=r/shop/user\n  user: "1.10" # {"$imagepolicy": "flux-system:shop-user:tag"}\n  order: "2.0.0"\n  cart: 0.1.0\nnexus:\n  api: 3.0.0\n');
  });
});

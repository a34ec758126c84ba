// The README's "Adding a stack" example is a real stack: it is test/fixtures/acme.ts word for
// word, and it synthesizes in every environment through the whole safety net.
import * as fs from 'fs';
import * as path from 'path';
import { clusterTargets, ENVIRONMENTS, planFor, STACKS } from '../charts';
import { synthesize } from '../synth';
import { validatorsFor } from '../synth/validators';
import { acme } from './fixtures/acme';
import { releasesFor, tmpdir } from './util';

describe("README: 'Adding a stack'", () => {
  test('the example is test/fixtures/acme.ts, word for word', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
    const fixture = fs.readFileSync(path.join(__dirname, 'fixtures', 'acme.ts'), 'utf-8')
      .split('\n').slice(1).join('\n')
      .replace("from '../../charts/platform'", "from '../platform'").replace("from '../../charts/stack'", "from '../stack'");
    const indented = fixture.trimEnd().split('\n').map((l) => (l ? `   ${l}` : '')).join('\n');
    expect(readme).toContain(indented);
  });

  test('added to the stacks, it synthesizes in every environment and passes the safety net', () => {
    const errors: string[] = [];
    const outdir = path.join(tmpdir('berth-acme-'), 'dist');
    // The README's step 3: acme/api 1.4.2 in every environment's release file.
    const stacks = [...STACKS, acme];
    const releases = releasesFor(ENVIRONMENTS.map((e) => e.name), stacks.map((s) => s.id), Object.fromEntries(ENVIRONMENTS.map((e) => [e.name, { acme: { api: '1.4.2' } }])));
    const { exitCode } = synthesize(() => planFor(ENVIRONMENTS, stacks, { releases }).filter((u) => u.stack === 'acme'), { outdir, validators: validatorsFor(ENVIRONMENTS), log: () => undefined, error: (l) => errors.push(l) });
    expect(errors).toEqual([]);
    expect(exitCode).toBe(0);
    expect(fs.readdirSync(outdir).sort()).toEqual(ENVIRONMENTS.flatMap(clusterTargets).map((t) => t.dir).sort());
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { synthesize } from '../synth';
import { formatKinds, formatSummary, lineProgress, NO_PROGRESS, terminalProgress } from '../synth/summary';

describe('synth summary', () => {
  test('a table per env/stack, grouped by env: objects, files, render time and kinds, then the totals', () => {
    const kinds = (o: Record<string, number>) => new Map(Object.entries(o));
    expect(formatSummary({
      outdir: 'dist',
      stacks: [
        { env: 'dev', stack: 'shop', kinds: kinds({ Deployment: 4, Service: 7, StatefulSet: 3, NetworkPolicy: 9 }), files: 24, renderMs: 41.6 },
        { env: 'prod', stack: 'shop', kinds: kinds({ Deployment: 4, HorizontalPodAutoscaler: 4, Widget: 1 }), files: 10, renderMs: 120 },
        { env: 'dev', stack: 'argocd', kinds: kinds({ AppProject: 1, Application: 5 }), files: 7, renderMs: 3.2 },
      ],
      phases: { build: 310.4, render: 164.8, validate: 12, write: 30.2 },
      totalMs: 517.9,
    })).toBe([
      'env   stack   objects  files  render  kinds',
      'dev   shop         23     24   42 ms  9 netpol, 7 svc, 4 deploy, 3 sts',
      'dev   argocd        6      7    3 ms  5 app, 1 appproj',
      'prod  shop          9     10  120 ms  4 deploy, 4 hpa, 1 widget',
      'berth: 3 stack dir(s), 38 objects, 41 files → dist/ in 518 ms (build 310 ms, render 165 ms, validate 12 ms, write 30 ms)',
    ].join('\n'));
    expect(formatKinds(new Map())).toBe('');
  });

  test('synthesize() ends with the summary through its log option', () => {
    const lines: string[] = [];
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-summary-')), 'dist');
    const build = () => {
      const chart = new Chart(new App(), 'c', { namespace: 'demo-dev', disableResourceNameHashes: true });
      new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'demo-dev' } });
      new k8s.KubeConfigMap(chart, 'a', { metadata: { name: 'a' } });
      new k8s.KubeConfigMap(chart, 'b', { metadata: { name: 'b' } });
      return [{ env: 'dev', stack: 'demo', chart }];
    };
    expect(synthesize(build, { outdir: out, log: (l) => lines.push(l), error: () => undefined, progress: NO_PROGRESS }).exitCode).toBe(0);
    expect(lines.join('\n').replace(/ *\d+ ms/g, ' N ms').split('\n')).toEqual([
      'env  stack  objects  files  render  kinds',
      'dev  demo         3      4 N ms  2 cm, 1 ns',
      `berth: 1 stack dir(s), 3 objects, 4 files → ${out}/ in N ms (build N ms, render N ms, validate N ms, write N ms)`,
    ]);
  });
});

describe('synth progress', () => {
  test('nothing in the first second, then one self-overwriting line, cleared at the end', () => {
    let now = 0;
    const written: string[] = [];
    const p = lineProgress({ stream: { write: (s: string) => written.push(s) }, now: () => now });
    p.update('building charts');
    now = 999;
    p.update('rendering dev/shop', 0, 18);
    expect(written).toEqual([]);
    now = 1001;
    p.update('rendering prod/shop', 16, 18);
    p.update('validating');
    p.done();
    p.done();
    expect(written).toEqual(['\r\x1b[2Kberth: rendering prod/shop [17/18]', '\r\x1b[2Kberth: validating', '\r\x1b[2K']);
  });

  test('quiet in CI and when stderr is not a terminal', () => {
    const tty = { isTTY: true, write: () => true } as unknown as NodeJS.WriteStream;
    const pipe = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    expect(terminalProgress({ CI: 'true' }, tty)).toBe(NO_PROGRESS);
    expect(terminalProgress({}, pipe)).toBe(NO_PROGRESS);
    expect(terminalProgress({}, tty)).not.toBe(NO_PROGRESS);
  });
});

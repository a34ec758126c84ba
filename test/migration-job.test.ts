import { MigrationJob, MigrationJobProps } from '../constructs/migration-job';
import { get, namespacedChart, one, synth } from './util';

const HOLD = { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}' };

function template(props: Partial<MigrationJobProps> = {}) {
  const chart = namespacedChart('nexus-prod');
  new MigrationJob(chart, 'migrate', { image: 'nexus/api:1.0.0', command: ['nexus-api', 'migrate', 'up'], ...props });
  return get(one(synth(chart), 'Job', 'migrate'), 'spec', 'template');
}

describe('MigrationJob in a mesh', () => {
  test('meshSidecar: false, so the command runs as given and the pod has no proxy annotation', () => {
    const t = template();
    expect(t.metadata.annotations).toBeUndefined();
    expect(t.spec.containers[0].command).toEqual(['nexus-api', 'migrate', 'up']);
  });

  test('meshSidecar: waits for the proxy; the command runs under sh, which stops the sidecar and keeps its exit status', () => {
    const t = template({ meshSidecar: true });
    expect(t.metadata.annotations).toEqual(HOLD);
    const command = t.spec.containers[0].command;
    expect([command[0], command[1], ...command.slice(3)]).toEqual(['/bin/sh', '-c', 'sh', 'nexus-api', 'migrate', 'up']);
    expect(command[2]).toContain('"$@" & pid=$!');
    expect(command[2]).toContain('exit "$rc"');
  });

  test('sidecarQuitTool: curl, or wget for images without curl', () => {
    expect(template({ meshSidecar: true }).spec.containers[0].command[2])
      .toContain('curl -fsS -o /dev/null --max-time 5 -X POST http://127.0.0.1:15020/quitquitquit');
    expect(template({ meshSidecar: true, sidecarQuitTool: 'wget' }).spec.containers[0].command[2])
      .toContain("wget -q -O /dev/null -T 5 --post-data '' http://127.0.0.1:15020/quitquitquit");
  });

  test('sidecarQuitTool needs meshSidecar and must be curl or wget', () => {
    const chart = namespacedChart('nexus-prod');
    const props = { image: 'nexus/api:1.0.0', command: ['nexus-api', 'migrate', 'up'] };
    expect(() => new MigrationJob(chart, 'a', { ...props, sidecarQuitTool: 'wget' })).toThrow(
      "[nexus-prod/a] 'sidecarQuitTool' applies only with meshSidecar: true, received \"wget\"");
    expect(() => new MigrationJob(chart, 'b', { ...props, meshSidecar: true, sidecarQuitTool: 'python' as 'curl' })).toThrow(
      "[nexus-prod/b] 'sidecarQuitTool' must be one of curl, wget, received \"python\"");
  });
});

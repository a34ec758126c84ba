import { buildAll, clusterTargets, ENVIRONMENTS, planFor, STACKS } from '../charts';
import { clusterUnit, PRIORITY_CLASSES } from '../charts/cluster';
import { dev } from '../charts/environments';
import { RESERVED_STACK_IDS } from '../charts/validate-environments';
import { renderUnit } from '../synth/render';
import { safetyNet } from '../synth/validate';
import { podTemplateOf } from '../synth/validate/model';
import { problemsOf } from './util';

const rendered = renderUnit(clusterUnit(clusterTargets(dev)[0]));

describe("a cluster's prerequisites (dist/<dir>/cluster)", () => {
  test('berth\'s PriorityClasses: stores above services above jobs above batch, far below the system\'s, none the default', () => {
    expect(rendered.objects.map((o) => o.manifest)).toEqual([
      ['berth-batch', 100, 'Never'], ['berth-job', 1000, 'Never'], ['berth-service', 10000, 'PreemptLowerPriority'], ['berth-store', 100000, 'PreemptLowerPriority'],
    ].map(([name, value, preemptionPolicy]) => ({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      // Cluster-scoped: no namespace; wave 0, before anything that names it.
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'berth', 'app.kubernetes.io/part-of': 'berth' }, annotations: { 'argocd.argoproj.io/sync-wave': '0' } },
      value,
      globalDefault: false,
      preemptionPolicy,
      description: Object.values(PRIORITY_CLASSES).find((c) => c.name === name)!.description,
    })));
    expect(rendered.objects.map((o) => o.file)).toEqual([
      '00-priorityclass-berth-batch.yaml', '00-priorityclass-berth-job.yaml', '00-priorityclass-berth-service.yaml', '00-priorityclass-berth-store.yaml',
    ]);
    expect(safetyNet({ plaintextSecretEnvs: [], mutableTagEnvs: [] }).flatMap((v) => v(rendered))).toEqual([]);
  });

  test('every cluster of every environment gets one, and every pod of the reference stacks names one of its classes', () => {
    const units = planFor(ENVIRONMENTS, STACKS).filter((u) => u.stack === 'cluster').map((u) => u.env);
    expect(units).toEqual(ENVIRONMENTS.flatMap(clusterTargets).map((t) => t.dir));
    const classes = new Set(rendered.objects.map((o) => o.manifest.metadata.name));
    const used = new Map<string, string[]>();
    for (const s of buildAll().map(renderUnit).filter((x) => !RESERVED_STACK_IDS.includes(x.stack))) {
      for (const o of s.objects) {
        const t = podTemplateOf(o);
        if (!t) continue;
        const name = String((t.spec as { priorityClassName?: unknown }).priorityClassName);
        used.set(name, [...(used.get(name) ?? []), `${o.manifest.kind}/${o.manifest.metadata.name}`]);
      }
    }
    expect([...used.keys()].sort()).toEqual([...classes].sort());
    // Which pods get which class, in dev's nexus for instance.
    expect(used.get('berth-store')).toEqual(expect.arrayContaining(['StatefulSet/postgres', 'Deployment/postgres-pooler']));
    expect(used.get('berth-batch')).toEqual(expect.arrayContaining(['CronJob/postgres-backup']));
    expect(used.get('berth-job')).toEqual(expect.arrayContaining(['CronJob/postgres-restore']));
  });

  test("'cluster' is berth's own directory: no stack may take the id", () => {
    expect(RESERVED_STACK_IDS).toContain('cluster');
    expect(problemsOf(() => planFor([dev], [{ id: 'cluster', build: () => undefined }], { releases: { dev: '' } }))).toEqual([
      "[charts/index.ts: STACKS[0]] 'id' is berth's own output directory (dist/<env>/cluster/): choose another id, received \"cluster\"",
    ]);
  });
});

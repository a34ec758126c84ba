// The bad-input corpus's machinery: the good stack, the helpers that break one thing in it,
// and the runner that puts a case through the real synth entry point and safety net.
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { EnvironmentConfig, StackChart } from '../charts';
import { dev } from '../charts/environments';
import { synthesize } from '../synth';
import { validatorsFor } from '../synth/validators';
import { baseline, webApp, WebApp } from './fixtures/stack';
import { listTree, tmpdir } from './util';

/** The good stack: a namespace baseline and one web service. */
export function good(chart: StackChart): { web: WebApp } {
  baseline(chart);
  return { web: webApp(chart, 'web', { domain: chart.env.domain }) };
}

export function patch(obj: ApiObject, ...ops: JsonPatch[]): void {
  ApiObject.of(obj).addJsonPatch(...ops);
}

/**
 * Replaces a generated Kube* / CRD object with a plain ApiObject holding the same JSON,
 * at the same construct path. The generated classes re-serialize their typed props after
 * JSON patches, silently dropping unknown fields and mangling values of the wrong type,
 * so defects of that sort only survive on a plain ApiObject (as hand-written or
 * cdk8s-plus objects would carry them).
 */
export function raw(obj: ApiObject): ApiObject {
  const json = obj.toJson();
  const scope = obj.node.scope!;
  scope.node.tryRemoveChild(obj.node.id);
  return new ApiObject(scope, obj.node.id, json);
}

export const C0 = '/spec/template/spec/containers/0';

export interface Case {
  readonly name: string;
  /** Builds the stack in `chart`: the good stack with one defect, usually. */
  readonly build: (chart: StackChart) => void;
  /** @default dev */
  readonly env?: EnvironmentConfig;
  /** The report lines after the header, without their indent. */
  readonly expected: readonly string[];
}

/**
 * A case's synth is refused with exactly its lines, after the header that says where they
 * were found (`synthesized output` or `stack definitions`), and dist/ is as it was.
 */
export function expectRefused(c: Case, where: 'synthesized output' | 'stack definitions' = 'synthesized output'): void {
  const r = runCase(c);
  expect(r.errors.slice(1)).toEqual(c.expected.map((l) => `  ${l}`));
  expect(r.errors[0]).toBe(`berth: synth refused: ${c.expected.length} problem(s) in the ${where}; dist/ was not changed`);
  expect(r.exitCode).toBe(1);
  expect(r.after).toEqual(r.before);
}

/** The stack `build` makes in `env` synthesizes with nothing refused. */
export function expectAccepted(env: EnvironmentConfig, build: (chart: StackChart) => void): void {
  const r = runCase({ name: 'ok', env, build, expected: [] });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
}

/** Runs a case through `synthesize` into a dist/ holding an earlier synth's files. */
export function runCase(c: Case): { exitCode: number; errors: string[]; before: Record<string, string>; after: Record<string, string> } {
  const env = c.env ?? dev;
  const outdir = path.join(tmpdir('berth-corpus-'), 'dist');
  fs.mkdirSync(path.join(outdir, env.name, 'shop'), { recursive: true });
  fs.writeFileSync(path.join(outdir, env.name, 'shop', '00-namespace-shop.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
  fs.writeFileSync(path.join(outdir, env.name, 'shop', 'kustomization.yaml'), 'resources:\n  - 00-namespace-shop.yaml\n');
  const before = listTree(outdir);
  const errors: string[] = [];
  const build = () => {
    const chart = new StackChart(new App(), 'shop', env);
    c.build(chart);
    return [{ env: env.name, stack: 'shop', chart }];
  };
  const { exitCode } = synthesize(build, { outdir, validators: validatorsFor([env]), log: () => undefined, error: (l) => errors.push(l) });
  return { exitCode, errors, before, after: listTree(outdir) };
}


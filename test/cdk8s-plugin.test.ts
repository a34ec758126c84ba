import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Size, YamlOutputType } from 'cdk8s';
import { Validation, ValidationContext } from 'cdk8s-cli/plugins';
import * as kplus from 'cdk8s-plus-28';
import { NamespaceBaseline, Peer, PlusWorkload, StatefulStore, WebService } from '../constructs';
import { BerthValidation } from '../synth/cdk8s-plugin';
import { tmpdir } from './util';

/** A chart that passes, plus a cdk8s-plus worker with its defaults unless `restricted`. */
function shop(app: App, restricted: boolean): void {
  const chart = new Chart(app, 'shop', { namespace: 'shop-dev', disableResourceNameHashes: true });
  new NamespaceBaseline(chart, 'baseline', {});
  const db = new StatefulStore(chart, 'postgres', {
    engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true, postgres: { database: 'shop', username: 'shop' },
  });
  const api = new WebService(chart, 'api', { image: 'ghcr.io/acme/api:1.4.2', ports: [{ name: 'http', port: 8080 }] });
  api.connectTo(db);
  api.allowFrom(Peer.namespace('ingress-nginx'));
  const securityContext = restricted
    ? { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT }, capabilities: { drop: [kplus.Capability.ALL] } }
    : undefined;
  // Its own ServiceAccount and ephemeral storage, as berth's hardening asks of every pod (cdk8s-plus writes whole gibibytes only).
  const resources: kplus.ContainerResources = {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
    ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
  };
  const worker = new kplus.Deployment(chart, 'worker', {
    metadata: { name: 'worker' },
    serviceAccount: new kplus.ServiceAccount(chart, 'worker-sa', { metadata: { name: 'worker' }, automountToken: false }),
    containers: [{ image: 'ghcr.io/acme/worker:2.0.0', resources, ...(securityContext ? { securityContext } : {}) }],
  });
  PlusWorkload.of(worker).connectTo(api);
}

/** What cdk8s-cli hands a plugin after `cdk8s synth`: the manifest files and the construct metadata. */
function synthesized(restricted: boolean, yamlOutputType?: YamlOutputType): ValidationContext {
  const outdir = tmpdir('berth-plugin-');
  const app = new App({ outdir, recordConstructMetadata: true, ...(yamlOutputType ? { yamlOutputType } : {}) });
  shop(app, restricted);
  app.synth();
  const manifests: string[] = [];
  const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.yaml')) manifests.push(p);
  });
  walk(outdir);
  const recorded = JSON.parse(fs.readFileSync(path.join(outdir, 'construct-metadata.json'), 'utf-8')) as { resources: Record<string, { path: string }> };
  return new ValidationContext(manifests.sort(), 'berth', '0.1.0', recorded.resources, false);
}

async function run(context: ValidationContext): Promise<string[]> {
  const logged: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  try {
    const plugin: Validation = new BerthValidation({ env: 'dev', allowPlaintextSecrets: true });
    await plugin.validate(context);
  } finally {
    spy.mockRestore();
  }
  return logged;
}

describe('BerthValidation: the safety net as a cdk8s-cli validation plugin', () => {
  test('a refusal is one violation per finding, and the runner\'s lines in the log', async () => {
    const context = synthesized(false);
    const logged = await run(context);
    expect(context.report.success).toBe(false);
    const c0 = 'spec.template.spec.containers[0].securityContext';
    const manifestPath = context.manifests[0];
    expect(context.report.toJson().violations).toEqual([
      {
        ruleName: `dev/shop Deployment/worker ${c0}.seccompProfile.type`,
        recommendation: "must be RuntimeDefault or Localhost here or in the pod's securityContext, received undefined (Pod Security Standards restricted)",
        fix: 'cdk8s-plus sets no seccomp profile: give container "main" securityContext: { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } }',
        violatingConstructs: [{ resourceName: 'worker', locations: [`${c0}.seccompProfile.type`], manifestPath, constructPath: 'shop/worker/network-policy' }],
      },
      {
        ruleName: `dev/shop Deployment/worker ${c0}.capabilities.drop`,
        recommendation: 'must include ALL, received undefined (Pod Security Standards restricted)',
        fix: 'cdk8s-plus drops no capabilities: give container "main" securityContext: { capabilities: { drop: [kplus.Capability.ALL] } }',
        violatingConstructs: [{ resourceName: 'worker', locations: [`${c0}.capabilities.drop`], manifestPath, constructPath: 'shop/worker/network-policy' }],
      },
    ]);
    // The CLI keeps one path per name (here the NetworkPolicy's); the plugin names the construct that made both objects.
    expect(logged).toEqual([[
      'berth: synth refused: 2 problem(s) in the synthesized output',
      `  dev/shop Deployment/worker [shop/worker] ${c0}.seccompProfile.type: must be RuntimeDefault or Localhost here or in the pod's securityContext, received undefined (Pod Security Standards restricted) (hint: cdk8s-plus sets no seccomp profile: give container "main" securityContext: { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } })`,
      `  dev/shop Deployment/worker [shop/worker] ${c0}.capabilities.drop: must include ALL, received undefined (Pod Security Standards restricted) (hint: cdk8s-plus drops no capabilities: give container "main" securityContext: { capabilities: { drop: [kplus.Capability.ALL] } })`,
    ].join('\n')]);
  });

  test('an app that passes: success, nothing logged', async () => {
    const context = synthesized(true);
    expect(await run(context)).toEqual([]);
    expect(context.report.toJson().violations).toEqual([]);
    expect(context.report.toJson().summary).toEqual({ status: 'success', plugin: 'berth', version: '0.1.0', metadata: { objects: '21' } });
  });

  test('a file per resource in a folder per chart: the folder is the stack, so cross-object checks still see the whole chart', async () => {
    const context = synthesized(true, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE);
    // 21 with the worker's own ServiceAccount.
    expect(context.manifests.length).toBe(21);
    expect(await run(context)).toEqual([]);
    expect(context.report.success).toBe(true);
  });
});

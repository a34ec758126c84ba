// berth's safety net as a cdk8s-cli validation plugin (`validations:` in cdk8s.yaml). The CLI
// runs it after the app has written its manifests: it gets their file paths and, from the
// app's construct-metadata.json, one construct path per object *name*. So it checks what was
// written, can't keep it from being written (a refusal makes `cdk8s synth` exit 2), and can
// only name the construct above objects that share a name (a Deployment and its Service).
// Calling `validateApp(app)` before `app.synth()` has neither limit; see docs/library.md.
import * as path from 'path';
import { Manifest, RenderedObject, RenderedStack } from './render';
import { refusalText, runChecks, safetyNetFor, ValidateOptions } from './safety-net';

/** The part of cdk8s-cli's `ValidationContext` the plugin uses. */
export interface PluginContext {
  /** The manifest files the app wrote. */
  readonly manifests: readonly string[];
  /** Construct paths by object name (cdk8s records one per name). */
  readonly metadata: { readonly [name: string]: { readonly path: string } };
  readonly report: {
    addViolation(violation: {
      readonly ruleName: string;
      readonly recommendation: string;
      readonly fix: string;
      readonly violatingResources: readonly { readonly resourceName: string; readonly locations: readonly string[]; readonly manifestPath: string }[];
    }): void;
    submit(status: 'success' | 'failure', metadata?: { readonly [key: string]: string }): void;
  };
  readonly logger: { log(message: string): void };
  /** Every document of a manifest file. */
  parseManifest(manifestPath: string): unknown[];
}

/** `properties:` of the plugin's entry in cdk8s.yaml: the options of `validateApp`, without a platform policy to fall back on. */
export type BerthValidationProperties = ValidateOptions;

/**
 * Which manifests form one stack: a file per chart (cdk8s's default) or per app is a stack;
 * when every file holds one object (a file per resource, or a folder per chart), the
 * directory is.
 */
function stacksOf(files: readonly { readonly file: string; readonly objects: readonly Manifest[] }[]): Map<string, { file: string; manifest: Manifest }[]> {
  const byDirectory = files.length > 1 && files.every((f) => f.objects.length === 1);
  const stacks = new Map<string, { file: string; manifest: Manifest }[]>();
  for (const { file, objects } of files) {
    const name = byDirectory ? path.basename(path.dirname(path.resolve(file))) : path.basename(file).replace(/(\.k8s)?\.ya?ml$/, '');
    const list = stacks.get(name) ?? [];
    for (const manifest of objects) list.push({ file, manifest });
    stacks.set(name, list);
  }
  return stacks;
}

/**
 * cdk8s records one construct path per object name, the last object's. A name several objects
 * share (an L3's Deployment, Service and NetworkPolicy) is given the construct above that path,
 * the one that made them all, rather than one object's path for all of them.
 */
function constructPaths(metadata: PluginContext['metadata'], objects: readonly Manifest[]): (name: string) => string {
  const count = new Map<string, number>();
  for (const o of objects) count.set(o.metadata.name, (count.get(o.metadata.name) ?? 0) + 1);
  return (name) => {
    const recorded = metadata[name]?.path;
    if (recorded === undefined) return '?';
    return (count.get(name) ?? 0) > 1 && recorded.includes('/') ? recorded.slice(0, recorded.lastIndexOf('/')) : recorded;
  };
}

const isManifest = (v: unknown): v is Manifest =>
  typeof v === 'object' && v !== null && typeof (v as Manifest).kind === 'string' && typeof (v as Manifest).metadata?.name === 'string';

/**
 * The plugin class cdk8s-cli instantiates with the entry's `properties`:
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/berth/lib/entry/plugin.js
 *     class: BerthValidation
 *     version: 0.1.0
 *     properties: { env: dev, allowPlaintextSecrets: true }
 * ```
 */
export class BerthValidation {
  private readonly properties: BerthValidationProperties;

  constructor(properties: BerthValidationProperties = {}) {
    this.properties = properties;
  }

  public async validate(context: PluginContext): Promise<void> {
    const p = this.properties;
    const env = p.env ?? 'app';
    const validators = safetyNetFor(env, p);
    const files = context.manifests.map((file) => ({ file, objects: context.parseManifest(file).filter(isManifest) }));
    const pathOf = constructPaths(context.metadata, files.flatMap((f) => f.objects));
    const fileOf = new Map<string, string>();
    const stacks = [...stacksOf(files)].map(([stack, entries]) => {
      const objects: RenderedObject[] = entries.map(({ file, manifest }) => {
        fileOf.set(`${stack}\n${manifest.kind}\n${manifest.metadata.name}`, file);
        return { manifest, constructPath: pathOf(manifest.metadata.name), file: path.basename(file) };
      });
      return { validators, stack: { env, stack, objects, files: new Map() } satisfies RenderedStack };
    });
    const { findings, crashes } = runChecks(stacks);
    for (const f of findings) {
      context.report.addViolation({
        ruleName: `${f.env}/${f.stack} ${f.kind}/${f.name} ${f.field}`,
        recommendation: f.message,
        fix: f.hint ?? '-',
        violatingResources: [{ resourceName: f.name, locations: [f.field], manifestPath: fileOf.get(`${f.stack}\n${f.kind}\n${f.name}`) ?? '' }],
      });
    }
    for (const c of crashes) context.report.addViolation({ ruleName: 'berth: a check crashed', recommendation: c, fix: '-', violatingResources: [] });
    const text = refusalText([], findings, crashes).text;
    if (text !== undefined) context.logger.log(text);
    context.report.submit(text !== undefined ? 'failure' : 'success', { objects: String(files.reduce((n, f) => n + f.objects.length, 0)) });
  }
}

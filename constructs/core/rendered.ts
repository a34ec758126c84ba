import { ApiObject, ApiObjectMetadataDefinition, App, GroupVersionKind, ImplicitTokenResolver, IResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct } from 'constructs';
import { canonicalize, kindShape } from './canonical';

/** A generated kind (`k8s.KubeDeployment`, a CRD class…): its constructor and its GVK. */
export type GeneratedKind<P> = (new (scope: Construct, id: string, props: P) => ApiObject) & {
  readonly GVK: GroupVersionKind;
};

/** The generated `toJson_<Kind>Props` converter: typed props to the manifest's fields. */
export type PropsConverter<P> = (props: P | undefined) => Record<string, unknown> | undefined;

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/**
 * The same kind, rendered in one pass.
 *
 * A generated class renders through `ApiObject.toJson()`, which resolves every value
 * separately (an `App.of` walk, a resolution context, three resolvers, a copy of the key
 * path) and then copies and sorts the whole object again; at a thousand services that was
 * a quarter of the synth, plus the garbage it left. This subclass does the same work in
 * one walk: it applies cdk8s's three default resolvers in their order, drops null and
 * undefined, sorts keys as cdk8s does, applies the object's JSON patches, and hands the
 * result to the generated converter, as the generated `toJson()` does. An app with other
 * resolvers gets the generic path. A test renders every object of every reference stack
 * both ways and compares the JSON text.
 *
 * It is a subclass, so an object is still an instance of the generated class, and tests
 * and callers patch it through `ApiObject.of(x).addJsonPatch` as before.
 */
export function rendered<P, K extends GeneratedKind<P>>(kind: K, convert: PropsConverter<P>): K {
  const Base: GeneratedKind<P> = kind;
  const { apiVersion, kind: kindName } = Base.GVK;
  const stored = kindShape(apiVersion, kindName) !== undefined || (apiVersion === 'v1' && (kindName === 'Secret' || kindName === 'ConfigMap'));
  class Rendered extends Base {
    // Declared, then assigned in the constructor: V8 (Node 20) defines a class field on a
    // slow path when the class body is shared by many classes, as this one is, one per kind.
    declare private readonly renderedProps: P;
    declare private readonly renderedPatches: JsonPatch[];

    public constructor(scope: Construct, id: string, props: P) {
      super(scope, id, props);
      this.renderedProps = props;
      this.renderedPatches = [];
    }

    public override addJsonPatch(...ops: JsonPatch[]): void {
      super.addJsonPatch(...ops);
      this.renderedPatches.push(...ops);
    }

    public override toJson(): Record<string, unknown> {
      if (!hasDefaultResolvers(App.of(this))) {
        const generic = super.toJson() as Record<string, unknown>;
        if (stored) canonicalize(generic);
        return generic;
      }
      try {
        const sortKeys = !process.env.CDK8S_DISABLE_SORT;
        const json = renderRecord((this.renderedProps ?? {}) as Record<string, unknown>, sortKeys, false, 'metadata') ?? {};
        // Last, not in key order: the generated converter puts the keys in its own order.
        const metadata = renderMetadata(this.metadata, sortKeys);
        if (metadata !== undefined) json.metadata = metadata;
        const patched = this.renderedPatches.length > 0 ? (JsonPatch.apply(json, ...this.renderedPatches) as Json) : json;
        const out = Object.assign({ apiVersion, kind: kindName }, convert(patched as P));
        // renderMetadata already left out empty maps and lists, all metadata can hold of it.
        if (stored) canonicalize(out, { metadataStored: this.renderedPatches.length === 0 });
        return out;
      } catch (e) {
        throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
      }
    }
  }
  return Rendered as unknown as K;
}

/**
 * Typed props (a Job's spec, say) resolved as the render resolves them, with keys sorted:
 * for content hashes of what an object will hold.
 */
export function resolveProps(value: unknown): unknown {
  return renderValue(value, true);
}

/**
 * The fields `ApiObjectMetadataDefinition.toJson()` reads. They are private in cdk8s's
 * typings; the test that renders every reference object both ways would catch a rename.
 */
interface MetadataFields {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels: Record<string, unknown>;
  readonly annotations: Record<string, unknown>;
  readonly finalizers: unknown[];
  readonly ownerReferences: unknown[];
  readonly _additionalAttributes: Record<string, unknown>;
}

/**
 * What `metadata.toJson()` computes (resolved, sorted, empty arrays and objects dropped),
 * without cdk8s's per-value resolution, which cost as much as rendering the rest of the
 * object.
 */
function renderMetadata(metadata: ApiObjectMetadataDefinition, sortKeys: boolean): Json | undefined {
  const m = metadata as unknown as MetadataFields;
  return renderValue(Object.assign({}, m._additionalAttributes, {
    name: m.name,
    namespace: m.namespace,
    annotations: m.annotations,
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
    labels: m.labels,
  }), sortKeys, true);
}

const DEFAULT_RESOLVERS: ReadonlyArray<new () => IResolver> = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

function hasDefaultResolvers(app: App): boolean {
  const { resolvers } = app;
  return resolvers.length === DEFAULT_RESOLVERS.length
    && resolvers.every((r, i) => Object.getPrototypeOf(r) === DEFAULT_RESOLVERS[i].prototype);
}

/**
 * `sanitizeValue(resolve(value), { sortKeys })` as cdk8s computes it, in one walk: null and
 * undefined dropped from objects (kept as undefined in arrays, as cdk8s does), a `Lazy`
 * produced, an object with a `resolve()` method resolved, a number/string union class
 * turned into `{ value }` for the generated converter, and any other class refused. With
 * `dropEmpty`, empty arrays and objects go too, at any depth, as `metadata.toJson()` does.
 */
function renderValue(value: unknown, sortKeys: boolean, dropEmpty = false): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value as Json;
  if (value instanceof Lazy) return renderValue(value.produce(), sortKeys, dropEmpty);
  const token = value as { resolve?: unknown; value?: unknown };
  if (typeof token.resolve === 'function') return renderValue((token.resolve as () => unknown).call(value), sortKeys, dropEmpty);
  if (Array.isArray(value)) {
    if (dropEmpty && value.length === 0) return undefined;
    return value.map((v) => renderValue(v, sortKeys, dropEmpty)) as Json[];
  }
  if (value.constructor !== Object) {
    if (typeof token.value === 'number' || typeof token.value === 'string') return { value: token.value };
    throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  }
  return renderRecord(value as Record<string, unknown>, sortKeys, dropEmpty);
}

function renderRecord(record: Record<string, unknown>, sortKeys: boolean, dropEmpty: boolean, omit?: string): { [key: string]: Json } | undefined {
  const keys = Object.keys(record);
  if (sortKeys) sortInPlace(keys);
  const out: { [key: string]: Json } = {};
  let empty = true;
  for (const k of keys) {
    if (k === omit) continue;
    const v = renderValue(record[k], sortKeys, dropEmpty);
    if (v !== undefined) {
      out[k] = v;
      empty = false;
    }
  }
  return dropEmpty && empty ? undefined : out;
}

/**
 * Sorts keys as `Array#sort()` does (by UTF-16 code units), in place. Objects have a few
 * keys, often already in order; V8's sort allocates work arrays on every call, which at a
 * thousand services was a fifth of the synth's garbage.
 */
function sortInPlace(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
}

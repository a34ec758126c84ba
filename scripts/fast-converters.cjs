// The generated imports' two slow idioms, made fast.
//
// `cdk8s import` ends every converter (and every map-typed field) with
//   Object.entries(x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: V }), {})
// which copies the growing object once per field: at a thousand services the converters
// took half of rendering. The helper below builds the same object (same keys, same order, a
// field kept when its input is not undefined, even if V maps it to undefined).
//
// Each kind's constructor, manifest() and toJson() also start an object with `...Kind.GVK,`.
// V8 (Node 20) builds an object that begins with a spread of a non-empty object and then
// gains more keys on a slow path, ~2 µs each time, and every object of a synth is
// constructed through one. `apiVersion: Kind.GVK.apiVersion, kind: Kind.GVK.kind,` defines
// the same two keys first, on the fast path.
//
// scripts/run.mjs applies both rewrites to imports/*.ts as it bundles them, so imports/
// stays exactly what `cdk8s import` wrote; test/fast-converters.test.ts runs every
// reference object through both forms and compares the JSON text.
'use strict';

const HELPER = 'berthDefinedEntries';

// V is an expression of i[1]; it never contains " }), {})".
const IDIOM = /Object\.entries\(([^()]*)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.+?) \}\), \{\}\)/g;

const PRELUDE = `
/** Added by scripts/fast-converters.cjs: the converters' entries-reduce idiom, in one pass. */
function ${HELPER}(o: any, f?: (v: any) => any): any {
  const out: any = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    const x = f === undefined ? v : f(v);
    // A computed key in a literal defines "__proto__" as an own property; assignment would not.
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}
`;

// A GVK spread on a line of its own, as the generator writes it.
const GVK_SPREAD = /^(\s*)\.\.\.(\w+)\.GVK,$/gm;

/**
 * Rewrites one generated module's source; returns it with the number of converter idioms
 * (`count`) and GVK spreads (`gvk`) replaced.
 */
function fastConverters(source) {
  let count = 0;
  let gvk = 0;
  const withGvk = source.replace(GVK_SPREAD, (_, indent, kind) => {
    gvk++;
    return `${indent}apiVersion: ${kind}.GVK.apiVersion, kind: ${kind}.GVK.kind,`;
  });
  const rewritten = withGvk.replace(IDIOM, (idiom, target, value) => {
    const mapped = value.replace(/i\[1\]/g, 'v');
    // Anything else of `r` or `i` in V: not the idiom this knows, left as generated.
    if (/\b[ri]\b/.test(mapped)) return idiom;
    count++;
    return mapped === 'v' ? `${HELPER}(${target})` : `${HELPER}(${target}, (v) => ${mapped})`;
  });
  return { source: count > 0 ? `${rewritten}\n${PRELUDE}` : rewritten, count, gvk };
}

module.exports = { fastConverters };

// The generated imports' `toJson_*` converters, with their one slow idiom made linear.
//
// `cdk8s import` ends every converter (and every map-typed field) with
//   Object.entries(x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: V }), {})
// which copies the growing object once per field: at a thousand services the converters
// took half of rendering. scripts/run.mjs applies this rewrite to imports/*.ts as it
// bundles them, so imports/ stays exactly what `cdk8s import` wrote. The helper builds the
// same object (same keys, same order, a field kept when its input is not undefined, even if
// V maps it to undefined); test/fast-converters.test.ts runs every reference object through
// both forms and compares the JSON text.
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

/** Rewrites one generated module's source; returns it with the number of idioms replaced. */
function fastConverters(source) {
  let count = 0;
  const rewritten = source.replace(IDIOM, (idiom, target, value) => {
    const mapped = value.replace(/i\[1\]/g, 'v');
    // Anything else of `r` or `i` in V: not the idiom this knows, left as generated.
    if (/\b[ri]\b/.test(mapped)) return idiom;
    count++;
    return mapped === 'v' ? `${HELPER}(${target})` : `${HELPER}(${target}, (v) => ${mapped})`;
  });
  return { source: count > 0 ? `${rewritten}\n${PRELUDE}` : source, count };
}

module.exports = { fastConverters };

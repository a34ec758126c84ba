// YAML for Kubernetes manifests: the synth's hottest path.
//
// Manifests are plain JSON data (objects, arrays, strings, finite numbers, booleans, null),
// so this emitter handles exactly that and nothing else: block mappings and sequences in
// the layout kubectl and reviewers expect. js-yaml produced the same shape but spent ~40 %
// of a large synth in its general-purpose scalar analysis; this is ~10× faster (see
// docs/performance.md). Correctness is held by tests that parse every synthesized manifest
// back with js-yaml under both the YAML 1.1 schema (what kubectl's go-yaml reads) and the
// 1.2 core schema, plus generated adversarial strings.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// Words YAML 1.1 or 1.2 would read as booleans or null (any case), and YAML 1.1's `=` and `<<`.
const SPECIAL_WORDS = new Set([
  'y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null', '~', '=', '<<',
]);

// A plain (unquoted) scalar: ASCII letters, digits and a few punctuation characters, starting
// with a letter, `_`, `/` or a flag's dashes (`-c`, `--port`); `:` only when not followed
// by a space, after an inner space too (`in dev: syncs` is a mapping); single inner spaces.
const PLAIN = /^(?:[A-Za-z_/]|-+(?=[A-Za-z]))[A-Za-z0-9_./@+=,()-]*(?:(?::(?=[^ \n])|[ ](?=[^ #\n]))[A-Za-z0-9_./@+=,()-]*)*$/;

// Strings starting with a digit are numbers, dates or sexagesimals to some YAML reader;
// quantities and durations (`250m`, `512Mi`, `30s`, `1.5`-free forms) are safe and common.
// So are dotted versions (`1.10.2`): no YAML reader takes two dots for a number; and names
// like `05-deployment-auth.yaml`, where a letter follows the first dash (never a date).
const PLAIN_NUMERIC = /^[0-9]+(?:m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|ms|s|h|(?:\.[0-9]+){2,}(?:-[A-Za-z0-9.]+)?|-[A-Za-z][A-Za-z0-9_./-]*)$/;

// Printable characters that may appear inside a single-quoted scalar.
const UNPRINTABLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/;

const LONGEST_SPECIAL_WORD = Math.max(...[...SPECIAL_WORDS].map((w) => w.length));

/** Lower-cases only strings short enough to be one of the words: most values are longer. */
function isSpecialWord(s: string): boolean {
  return s.length <= LONGEST_SPECIAL_WORD && SPECIAL_WORDS.has(s.toLowerCase());
}

function scalar(s: string): string {
  if (s === '') return "''";
  if ((PLAIN.test(s) && !isSpecialWord(s) && !s.endsWith(':')) || PLAIN_NUMERIC.test(s)) return s;
  if (s.includes('\n') || s.includes('\t') || UNPRINTABLE.test(s)) return JSON.stringify(s);
  return `'${s.replace(/'/g, "''")}'`;
}

/** A literal block (`|`) for readable multi-line strings such as scripts and SQL. */
function literalBlock(s: string, indent: string): string | undefined {
  // Literal blocks can't carry these faithfully: fall back to a quoted scalar.
  if (s.includes('\r') || UNPRINTABLE.test(s) || /[ \t]\n|[ \t]$/.test(s) || /^\n/.test(s)) return undefined;
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, s.length - trailing);
  const lines = body.split('\n');
  const head = /^[ \t]/.test(lines[0]) ? '2' : '';
  const inner = `${indent}  `;
  const text = lines.map((l) => (l === '' ? '' : inner + l)).join('\n');
  return `|${head}${chomp}\n${text}${'\n'.repeat(Math.max(0, trailing - 1))}`;
}

function value(v: Json, indent: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'string') return (v.includes('\n') && literalBlock(v, indent)) || scalar(v);
  throw new Error('value() takes scalars only');
}

function isEmptyCollection(v: Json): boolean {
  if (Array.isArray(v)) return v.length === 0;
  for (const _ in v as object) return false;
  return true;
}

// Keys repeat across every manifest (`name`, `app.kubernetes.io/name`…): each is analysed
// once per synth. A key's rendering depends on the key alone, so the memo can't go stale;
// it is bounded so that data keys by the million can't grow it without end.
const KEY_MEMO_LIMIT = 20_000;
const keyMemo = new Map<string, string>();

function key(k: string): string {
  let s = keyMemo.get(k);
  if (s === undefined) {
    s = scalar(k);
    if (keyMemo.size < KEY_MEMO_LIMIT) keyMemo.set(k, s);
  }
  return s;
}

// Both writers build one string by concatenation: V8 joins the pieces as a rope and
// flattens it once, which measured faster than collecting them in an array.
function writeMapping(o: { [key: string]: Json }, indent: string, first: string): string {
  let out = '';
  let prefix = first;
  const inner = `${indent}  `;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null) {
      out += `${prefix}${key(k)}: ${value(v, indent)}\n`;
    } else if (isEmptyCollection(v)) {
      out += `${prefix}${key(k)}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
    } else if (Array.isArray(v)) {
      out += `${prefix}${key(k)}:\n${writeSequence(v, inner)}`;
    } else {
      out += `${prefix}${key(k)}:\n${writeMapping(v, inner, inner)}`;
    }
    prefix = indent;
  }
  return out;
}

function writeSequence(a: Json[], indent: string): string {
  let out = '';
  for (const item of a) {
    if (typeof item !== 'object' || item === null) {
      out += `${indent}- ${value(item, indent)}\n`;
    } else if (isEmptyCollection(item)) {
      out += `${indent}- ${Array.isArray(item) ? '[]' : '{}'}\n`;
    } else if (Array.isArray(item)) {
      out += `${indent}-\n${writeSequence(item, `${indent}  `)}`;
    } else {
      // The first key shares the dash's line; the rest align under it.
      out += writeMapping(item, `${indent}  `, `${indent}- `);
    }
  }
  return out;
}

/** One manifest (a JSON object) as a YAML document, keys in insertion order. */
export function toYaml(manifest: unknown): string {
  const doc = manifest as Json;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return `${value(doc as Json, '')}\n`;
  if (isEmptyCollection(doc)) return '{}\n';
  return writeMapping(doc, '', '');
}

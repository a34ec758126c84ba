// Run-time shapes of props: `npm run synth` bundles with esbuild, which strips types without
// checking them, so a misspelt prop or a value of the wrong type would otherwise be dropped
// or rendered as given. Each construct describes its props with a table typed against its
// props interface (`shape<WebServiceProps>(…)`): tsc then refuses a table that misses a
// prop, names one that doesn't exist, gets its optionality wrong or gives it a shape of
// another type. Shapes check types only; the constructors check values.
import { Problems } from './errors';

/** What a value must look like at run time; `T` is the TypeScript type it stands for. */
export interface Shape<T> {
  /** For messages: `a string`, `an array of ServicePortSpec`. */
  readonly what: string;
  /** Whether the value's own type fits (unions pick a branch with it). */
  readonly is: (value: unknown) => boolean;
  /** Checks what is inside a value that passed `is`, reporting under `at`. */
  readonly inner?: (value: unknown, at: string, problems: Problems) => void;
  /** Ties the shape to `T` both ways, so a table entry's type must match its prop's. */
  readonly type?: (value: T) => T;
}

export interface RequiredField<T> {
  readonly shape: Shape<T>;
  readonly optional: false;
}

export interface OptionalField<T> {
  readonly shape: Shape<T>;
  readonly optional: true;
}

/** One entry per key of `T`, optional exactly where `T`'s is. */
export type Fields<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? OptionalField<Exclude<T[K], undefined>> : RequiredField<T[K]>;
};

export function req<T>(shape: Shape<T>): RequiredField<T> {
  return { shape, optional: false };
}

export function opt<T>(shape: Shape<T>): OptionalField<T> {
  return { shape, optional: true };
}

/** Reports `value` under `at` when it doesn't have `shape`. */
export function checkShape<T>(shape: Shape<T>, value: unknown, at: string, problems: Problems): void {
  if (!shape.is(value)) problems.add(at, `must be ${shape.what}`, value);
  else shape.inner?.(value, at, problems);
}

/**
 * Checks a construct's props against their table and throws every problem at once. Call it
 * first in the constructor: the other checks may then rely on the types.
 */
export function checkProps<T>(problems: Problems, shape: Shape<T>, props: unknown): void {
  if (!shape.is(props)) {
    problems.add('props', `must be ${shape.what}`, props);
  } else {
    shape.inner?.(props, '', problems);
  }
  problems.throwIfAny();
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (at: string, key: string): string => (at === '' ? key : `${at}.${key}`);

export const str: Shape<string> = { what: 'a string', is: (v) => typeof v === 'string' };
export const num: Shape<number> = { what: 'a number', is: (v) => typeof v === 'number' && !Number.isNaN(v) };
export const bool: Shape<boolean> = { what: 'true or false', is: (v) => typeof v === 'boolean' };

/**
 * A string type narrower than `string` whose values the constructor checks with a message of
 * its own (an enum it lists, a mode it explains).
 */
export function text<T extends string>(): Shape<T> {
  return str as unknown as Shape<T>;
}

/** One of a few literal values. */
export function oneOf<const T extends readonly (string | number | boolean)[]>(...values: T): Shape<T[number]> {
  const shown = values.map((v) => JSON.stringify(v));
  const what = shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
  return { what, is: (v) => values.includes(v as T[number]) };
}

export function arrayOf<T>(item: Shape<T>): Shape<readonly T[]> {
  return {
    what: plural(item.what) ? `an array of ${plural(item.what)}` : `an array (each ${item.what})`,
    is: Array.isArray,
    inner: (v, at, p) => (v as readonly unknown[]).forEach((x, i) => checkShape(item, x, `${at}[${i}]`, p)),
  };
}

/** An object used as a map: any keys, each value of `value`'s shape. */
export function recordOf<T>(value: Shape<T>): Shape<Readonly<Record<string, T>>> {
  return {
    what: plural(value.what) ? `an object of ${plural(value.what)}` : `an object (each value ${value.what})`,
    is: isRecord,
    inner: (v, at, p) => {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) checkShape(value, x, join(at, k), p);
    },
  };
}

export function anyOf<A, B>(a: Shape<A>, b: Shape<B>): Shape<A | B> {
  return {
    what: `${a.what} or ${b.what}`,
    is: (v) => a.is(v) || b.is(v),
    inner: (v, at, p) => (a.is(v) ? a : b).inner?.(v, at, p),
  };
}

/** An instance of a class, such as `Probe` or `EnvValue` (made by its factories: constructors may be private). */
export function instanceOf<T>(cls: { readonly prototype: T }, what: string, inner?: (value: T, at: string, problems: Problems) => void): Shape<T> {
  const ctor = cls as unknown as abstract new () => T;
  return { what, is: (v) => v instanceof ctor, ...(inner ? { inner: (v: unknown, at: string, p: Problems) => inner(v as T, at, p) } : {}) };
}

/** A value recognised by a test, for interfaces such as IRoutable. */
export function like<T>(what: string, is: (v: unknown) => boolean): Shape<T> {
  return { what, is };
}

/**
 * An object with the fields of `T`. `noun` says what its keys are in messages:
 * `'healthcheckPath' is not a prop of WebService`, `… is not a field of AutoscalingProps`.
 */
export function object<T>(name: string, fields: Fields<T>, keysAre: { readonly noun: 'prop' | 'field'; readonly of: string } = { noun: 'field', of: name }): Shape<T> {
  const table = fields as Readonly<Record<string, RequiredField<unknown> | OptionalField<unknown>>>;
  const keys = Object.keys(table);
  return {
    what: `an object (${name})`,
    is: isRecord,
    inner: (v, at, p) => {
      const value = v as Readonly<Record<string, unknown>>;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(table, key)) p.addPlain(join(at, key), unknownKeyMessage(key, keys, `${keysAre.noun} of ${keysAre.of}`, `${keysAre.noun}s`));
      }
      for (const key of keys) {
        const field = table[key];
        const x = value[key];
        if (x === undefined && field.optional) continue;
        checkShape(field.shape, x, join(at, key), p);
      }
    },
  };
}

/** A construct's props: `object` whose keys are called props. */
export function propsOf<T>(construct: string, fields: Fields<T>): Shape<T> {
  return object<T>(`${construct}Props`, fields, { noun: 'prop', of: construct });
}

type Variant<T, K extends keyof T, M> = Extract<T, Readonly<Record<K, M>>>;

/** A union of object types told apart by the string in `key`, such as SecretSource's `mode`. */
export function variants<T extends Readonly<Record<K, string>>, K extends keyof T & string>(
  name: string,
  key: K,
  table: { readonly [M in T[K]]: Shape<Variant<T, K, M>> },
): Shape<T> {
  const byTag = table as Readonly<Record<string, Shape<unknown>>>;
  const tags = Object.keys(byTag);
  return {
    what: `an object (${name})`,
    is: isRecord,
    inner: (v, at, p) => {
      const tag = (v as Readonly<Record<string, unknown>>)[key];
      const variant = typeof tag === 'string' && Object.prototype.hasOwnProperty.call(byTag, tag) ? byTag[tag] : undefined;
      if (variant) variant.inner?.(v, at, p);
      else p.add(join(at, key), `must be one of ${tags.map((t) => JSON.stringify(t)).join(', ')}`, tag);
    },
  };
}

/** `a string` → `strings`, `an object (Port)` → `Port objects`; undefined for anything longer. */
function plural(what: string): string | undefined {
  const named = /^an object \(([A-Za-z]+)\)$/.exec(what);
  if (named) return `${named[1]} objects`;
  const simple = /^an? ([a-z]+)$/.exec(what);
  return simple ? `${simple[1]}s` : undefined;
}

// ---------------------------------------------------------------- did you mean

/** `'<key>' is not a <what>; did you mean '<close>'?`, or the list of keys when it is short. */
export function unknownKeyMessage(key: string, known: readonly string[], what: string, plural: string): string {
  const close = closest(key, known);
  const article = /^[aeiou]/.test(what) ? 'an' : 'a';
  if (close !== undefined) return `is not ${article} ${what}; did you mean '${close}'?`;
  return known.length <= 12 ? `is not ${article} ${what} (${plural}: ${known.join(', ')})` : `is not ${article} ${what}`;
}

/** The known word nearest `word` by edit distance, when it is near enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(w, k.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(w.length, k.length) / 3));
    if (d <= limit && d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

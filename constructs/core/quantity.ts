// Kubernetes resource.Quantity parsing, enough to compare requests, limits and sizes.

const QUANTITY = /^([+-]?[0-9]+(?:\.[0-9]+)?|[+-]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const SUFFIX: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** True for a well-formed quantity such as `250m`, `1.5`, `512Mi` or `1e3`. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity's value in base units (cores, bytes), or undefined when malformed. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return Number(m[1]) * scale;
}

// ---------------------------------------------------------------------------------------
// The form the API server stores and prints (k8s.io/apimachinery resource.Quantity): a
// value is parsed exactly, rounded up to nano units (ResourceLists: to milli units, as
// SetDefaults_ResourceList does), and written with the largest suffix of its own kind that
// loses no precision: `0.5` → `500m`, `1000m` → `1`, `1000` → `1k`, `1024Mi` → `1Gi`,
// `1536Mi` stays, `1.5Gi` → `1536Mi`, `512` of a binary kind (below 1Ki) → `512`, and a
// number → the string of its digits. Exact, with BigInt: no float ever rounds a value.

/** The upstream grammar: a number (`1`, `1.5`, `.5`, `1.`) and one suffix. */
const UPSTREAM = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const BINARY_EXP: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Readonly<Record<string, number>> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const pow10 = (n: number): bigint => 10n ** BigInt(n);

export interface CanonicalQuantityOptions {
  /** A ResourceList value (requests, limits, quota, LimitRange): rounded up to milli units. @default false */
  readonly resourceList?: boolean;
}

/**
 * The API server's canonical form of a quantity (what `kubectl get -o yaml` shows after an
 * apply), or undefined when `value` is not a quantity. Already canonical values come back
 * unchanged, so `canonicalQuantity(q) === q` tells whether `q` is canonical.
 */
export function canonicalQuantity(value: string | number, options: CanonicalQuantityOptions = {}): string | undefined {
  // A JSON number is parsed from its text, as Quantity.UnmarshalJSON does.
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (text === '0') return '0';
  const m = UPSTREAM.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, whole, fraction = '', suffix = ''] = m;
  // value = mantissa × 10^scale, exactly
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let scale = -fraction.length;
  let format: 'binary' | 'decimal' | 'exponent' = 'decimal';
  if (suffix in BINARY_EXP) {
    format = 'binary';
    mantissa <<= BigInt(BINARY_EXP[suffix]);
  } else if (suffix in DECIMAL_EXP) {
    scale += DECIMAL_EXP[suffix];
  } else {
    format = 'exponent';
    scale += Number(suffix.slice(1));
  }
  if (mantissa === 0n) return '0';
  // Rounded up (away from zero) to nano units, or milli units in a ResourceList.
  const floor = options.resourceList ? -3 : -9;
  if (scale < floor) {
    const d = pow10(floor - scale);
    mantissa = (mantissa + d - 1n) / d;
    scale = floor;
  }
  const minus = sign === '-' ? '-' : '';
  if (format === 'binary') {
    // Between -1024 and 1024, or not a whole number: printed as a decimal quantity.
    const whole10 = scale >= 0 ? mantissa * pow10(scale) : undefined;
    const exact = whole10 !== undefined || mantissa % pow10(-scale) === 0n;
    const integer = whole10 ?? (exact ? mantissa / pow10(-scale) : 0n);
    if (exact && integer >= 1024n) {
      let n = integer;
      let e = 0;
      while (n % 1024n === 0n && e < BINARY_SUFFIX.length - 1) {
        n /= 1024n;
        e++;
      }
      return `${minus}${n}${BINARY_SUFFIX[e]}`;
    }
    format = 'decimal';
  }
  // Factors of ten into the exponent, then the exponent down to a multiple of three.
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    scale++;
  }
  while (((scale % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    scale--;
  }
  if (format === 'exponent') return `${minus}${mantissa}${scale === 0 ? '' : `e${scale}`}`;
  if (scale > 18) {
    mantissa *= pow10(scale - 18);
    scale = 18;
  }
  return `${minus}${mantissa}${DECIMAL_SUFFIX[scale]}`;
}

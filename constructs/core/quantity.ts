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

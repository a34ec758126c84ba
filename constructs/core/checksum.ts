import { createHash } from 'crypto';

/** JSON with object keys sorted at every level, so equal data always hashes the same. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  });
}

/** sha256 (hex) of data's stable JSON: pod-template annotations that roll pods on change. */
export function checksum(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

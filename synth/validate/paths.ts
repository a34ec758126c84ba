// Field paths as findings print them: `spec.template.spec.containers[0].image`,
// `metadata.labels["app.kubernetes.io/name"]`.

/** A path into a manifest: property names and array indexes. */
export type Path = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `/spec/containers/0` (a JSON pointer, as ajv reports) → `['spec', 'containers', 0]`. */
export function fromJsonPointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const seg = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^(0|[1-9][0-9]*)$/.test(seg) ? Number(seg) : seg;
  });
}

/** The value at `path`, or undefined. */
export function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

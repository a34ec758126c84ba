// Canonical form: every object as the API server stores it, so applying it twice, or
// moving from `kubectl apply` to server-side apply (Argo CD, Flux), changes nothing. The
// render path writes this form (constructs/core/canonical.ts); this check refuses an object
// that reached the synth another way (a plain ApiObject, cdk8s-plus) in another form.
import { Deviation, deviationsOf } from '../../constructs/core/canonical';
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import { formatPath } from './paths';
import { perObject } from './report';

const SSA = 'server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one';

function explain(d: Deviation): { message: string; hint: string } {
  const c = formatValue(d.canonical);
  switch (d.rule) {
    case 'quantity':
      return {
        message: `is stored by the API server as ${c}, so ${SSA}, received ${formatValue(d.received)}`,
        hint: `write ${c}, as kubectl get -o yaml prints it`,
      };
    case 'empty-list':
    case 'empty-map':
      return {
        message: `is an empty ${d.rule === 'empty-list' ? 'list' : 'map'}, which the API server does not store: every kubectl apply rewrites the object and a GitOps diff never settles, received ${formatValue(d.received)}`,
        hint: 'leave the field out',
      };
    case 'atomic-default':
      return {
        message: `is unset, and the API server stores its default ${c}; ${formatPath(d.atomicAt ?? [])} is atomic, so ${SSA}`,
        hint: `set it to ${c}`,
      };
    case 'list-key-default':
      return {
        message: `is unset in a list keyed by it, and the API server stores its default ${c}, so ${SSA}`,
        hint: `set it to ${c}`,
      };
    case 'string-data':
      return {
        message: `is merged into data by the API server and not stored: every apply sends it again, and a key removed from it stays in data, received keys ${formatValue(Object.keys(d.received as object))}`,
        hint: 'write the values base64-encoded under data',
      };
    case 'base64':
      return {
        message: `is stored by the API server as ${c} (it keeps the decoded bytes), received ${formatValue(d.received)}`,
        hint: `write ${c}`,
      };
  }
}

/** Every object in the form the API server stores. */
export function canonicalValidator(): Validator {
  return perObject((report, object) => {
    const found = deviationsOf(object.manifest);
    found.sort((a, b) => (formatPath(a.path) < formatPath(b.path) ? -1 : formatPath(a.path) > formatPath(b.path) ? 1 : 0));
    for (const d of found) {
      const { message, hint } = explain(d);
      report.add(object, d.path, message, hint);
    }
  });
}

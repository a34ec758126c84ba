// Least privilege for namespaced Roles, shared by the constructs (props) and the safety net
// (every Role in the output): no wildcard, and objects named wherever RBAC can name them.
import { Problems } from './errors';

/** A Role rule as props give it or a manifest holds it. */
export interface RuleShape {
  readonly apiGroups?: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface RuleProblem {
  readonly field: 'apiGroups' | 'resources' | 'verbs' | 'resourceNames';
  readonly message: string;
  readonly value: unknown;
}

/** Verbs RBAC checks against `resourceNames`: the request names its object. */
const NAMEABLE = ['get', 'update', 'patch', 'delete'];
/** Verbs on a collection: `list` and `watch` read every object (unless the client selects by name). */
const READS_ALL = ['list', 'watch'];
/** Verbs whose request has no object name yet: `resourceNames` never matches them. */
const UNNAMED = ['create', 'deletecollection'];

/**
 * What is wrong with one rule: a wildcard; `create` or `deletecollection` beside
 * `resourceNames` (never allowed: the request carries no name to match, so the API server
 * refuses them); or `get`, `update`, `patch` or `delete` on every object where RBAC could
 * name them (a `get` beside `list` or `watch` reads nothing more, so it may stay unnamed).
 */
export function rbacRuleProblems(rule: RuleShape): RuleProblem[] {
  const out: RuleProblem[] = [];
  for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
    const values: readonly string[] = rule[field] ?? [];
    if (values.includes('*')) out.push({ field, message: "must not use '*' (grant only what the service needs)", value: values });
  }
  if (out.length > 0) return out;
  const verbs = rule.verbs;
  if (rule.resourceNames !== undefined) {
    if (rule.resourceNames.length === 0) {
      out.push({ field: 'resourceNames', message: 'must list at least one name (leave it unset for every object)', value: rule.resourceNames });
    }
    const unnamed = verbs.filter((v) => UNNAMED.includes(v));
    if (unnamed.length > 0) {
      out.push({
        field: 'verbs',
        message: `must not include ${unnamed.join(', ')} beside resourceNames: the request has no object name to match, so the API server would refuse every one (give them a rule of their own, without resourceNames)`,
        value: verbs,
      });
    }
    return out;
  }
  const nameable = verbs.filter((v) => NAMEABLE.includes(v));
  const readsAll = verbs.some((v) => READS_ALL.includes(v));
  if (nameable.length > 0 && !(readsAll && nameable.every((v) => v === 'get'))) {
    out.push({
      field: 'resourceNames',
      message: `must name the objects: ${nameable.join(', ')} can be limited to named ${rule.resources.join(', ')} (create, list, watch and deletecollection can't: give them a rule of their own)`,
      value: undefined,
    });
  }
  return out;
}

/** Checks props' rules under `prop` (`rbac[0].resourceNames`, …). */
export function checkRbacRules(problems: Problems, prop: string, rules: readonly RuleShape[]): void {
  rules.forEach((r, i) => {
    const at = `${prop}[${i}]`;
    problems.check(r.resources.length > 0, `${at}.resources`, 'must not be empty', r.resources);
    problems.check(r.verbs.length > 0, `${at}.verbs`, 'must not be empty', r.verbs);
    for (const p of rbacRuleProblems(r)) problems.add(`${at}.${p.field}`, p.message, p.value);
  });
}

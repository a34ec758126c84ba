// Renders a DiffReport for a terminal (optionally colored), for a PR comment (Markdown),
// or as JSON for other tools.
import { createColors } from 'picocolors';
import { countsOf, DiffReport, FieldChange, isSetLike, ObjectDiff, Risk, StackDiff } from './diff';
import { NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule, peerText, portText, ruleText } from './shapes';
import { shapeOf } from './topics';

type Colors = ReturnType<typeof createColors>;

/** A value on one line: scalars as they are, structures as compact JSON, long ones cut. */
export function formatValue(v: unknown, max = 100): string {
  const s = typeof v === 'string' ? (v === '' || /^\s|\s$|\n/.test(v) ? JSON.stringify(v) : v) : v === undefined ? '(none)' : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Before → after. Two multi-line strings (scripts, SQL, config files) show the first line
 * that differs, since the whole values would be cut before it.
 */
export function formatChange(before: unknown, after: unknown): [string, string] {
  if (typeof before === 'string' && typeof after === 'string' && (before.includes('\n') || after.includes('\n'))) {
    const a = before.split('\n');
    const b = after.split('\n');
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    const line = (l: string | undefined): string => (l === undefined ? '(none)' : formatValue(l, 80));
    return [`line ${i + 1} of ${a.length}: ${line(a[i])}`, `line ${i + 1} of ${b.length}: ${line(b[i])}`];
  }
  return [formatValue(before), formatValue(after)];
}

/**
 * A value at `path` for display: a NetworkPolicy rule, peer or port in words (the JSON
 * would be cut before the labels that tell rules apart), anything else by {@link formatValue}.
 */
export function describeValue(path: string, v: unknown): string {
  const shape = shapeOf(path);
  const [spec, direction, item, peers, peer] = shape;
  if (spec === 'spec' && (direction === 'ingress' || direction === 'egress') && item === '[]' && typeof v === 'object' && v !== null) {
    if (shape.length === 3) return ruleText(v as NetworkPolicyRule, direction);
    if (shape.length === 5 && peer === '[]' && (peers === 'from' || peers === 'to')) return peerText(v as NetworkPolicyPeer);
    if (shape.length === 5 && peer === '[]' && peers === 'ports') return portText(v as NetworkPolicyPort);
  }
  return formatValue(v);
}

const isScalars = (v: unknown): v is readonly unknown[] => Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');

/** How a field change reads, before the text or Markdown around it. */
type Shown =
  | { readonly kind: 'added' | 'removed'; readonly value: string }
  | { readonly kind: 'changed'; readonly before: string; readonly after: string; readonly at?: string }
  | { readonly kind: 'members'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'order'; readonly before: string; readonly after: string }
  /** Items inserted into or removed from a positional list, at one place. */
  | { readonly kind: 'splice'; readonly at: string; readonly what: string };

function show(f: FieldChange): Shown {
  if (f.op === 'added') return { kind: 'added', value: describeValue(f.path, f.after) };
  if (f.op === 'removed') return { kind: 'removed', value: describeValue(f.path, f.before) };
  if (f.op === 'reordered') {
    const list = (v: unknown): string => formatValue((Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', '));
    return { kind: 'order', before: list(f.before), after: list(f.after) };
  }
  const a = f.before;
  const b = f.after;
  if (isScalars(a) && isScalars(b)) {
    // A set (hosts, dnsNames): what joined and what left.
    if (isSetLike(f.path)) {
      const key = (x: unknown): string => JSON.stringify(x);
      const had = new Set(a.map(key));
      const has = new Set(b.map(key));
      return { kind: 'members', added: b.filter((x) => !had.has(key(x))).map((x) => formatValue(x)), removed: a.filter((x) => !has.has(key(x))).map((x) => formatValue(x)) };
    }
    // A positional list (args, command): whole when it fits, else the part that differs.
    const whole = [JSON.stringify(a), JSON.stringify(b)];
    if (whole.every((w) => w.length <= 100)) return { kind: 'changed', before: whole[0], after: whole[1] };
    let p = 0;
    while (p < a.length && p < b.length && JSON.stringify(a[p]) === JSON.stringify(b[p])) p++;
    let q = 0;
    while (q < a.length - p && q < b.length - p && JSON.stringify(a[a.length - 1 - q]) === JSON.stringify(b[b.length - 1 - q])) q++;
    const ma = a.slice(p, a.length - q);
    const mb = b.slice(p, b.length - q);
    if (ma.length === 1 && mb.length === 1) {
      const [x, y] = formatChange(ma[0], mb[0]);
      return { kind: 'changed', before: x, after: y, at: `[${p}]` };
    }
    if (ma.length === 0) return { kind: 'splice', at: `[${p}]`, what: `inserted ${formatValue(mb)}` };
    if (mb.length === 0) return { kind: 'splice', at: `[${p}]`, what: `removed ${formatValue(ma)}` };
    return { kind: 'changed', before: formatValue(ma), after: formatValue(mb), at: `[${p}…${p + ma.length - 1}]` };
  }
  const [x, y] = formatChange(a, b);
  return { kind: 'changed', before: x, after: y };
}

function headline(report: DiffReport): string {
  const c = countsOf(report);
  const parts = [`${c.added} added`, `${c.removed} removed`, `${c.changed} changed`];
  return `${report.stacks.length} stack(s) differ: ${parts.join(', ')}${c.risky ? ` · ${c.risky} risky` : ''}`;
}

const MARK = { added: '+', removed: '-', changed: '~', reordered: '~' } as const;

function fieldText(f: FieldChange): string {
  const s = show(f);
  const head = `${MARK[f.op]} ${f.path}`;
  switch (s.kind) {
    case 'added': case 'removed': return `${head}: ${s.value}`;
    case 'changed': return `${head}${s.at ? ` ${s.at}` : ''}: ${s.before} → ${s.after}`;
    case 'members': return `${head}: ${[s.added.length ? `added ${s.added.join(', ')}` : '', s.removed.length ? `removed ${s.removed.join(', ')}` : ''].filter(Boolean).join('; ')}`;
    case 'order': return `${head}: order ${s.before} → ${s.after}`;
    case 'splice': return `${head} ${s.at}: ${s.what}`;
  }
}

function riskText(r: Risk): string {
  return `${r.category}${r.path ? ` ${r.path}` : ''}: ${r.message}`;
}

/** Plain or colored text, one object per line with its fields and risks indented below. */
export function formatText(report: DiffReport, options: { color?: boolean } = {}): string {
  const c: Colors = createColors(options.color ?? false);
  const title = c.bold(`berth diff: ${report.from} → ${report.to}`);
  if (report.stacks.length === 0) return `${title}: no differences\n`;
  const lines = [title, headline(report), ''];
  const paint = { added: c.green, removed: c.red, changed: c.yellow, reordered: c.yellow };
  const risky: string[] = [];
  for (const s of report.stacks) {
    lines.push(c.bold(c.cyan(`${s.env}/${s.stack}`)));
    for (const o of s.objects) {
      const tail = o.summary ? c.dim(`  ${o.summary}`) : '';
      lines.push(`  ${paint[o.change](`${MARK[o.change]} ${o.kind}/${o.name}`)}${tail}`);
      const width = Math.max(0, ...o.fields.map((f) => f.topic.length));
      for (const f of o.fields) {
        lines.push(`      ${c.dim(`[${f.topic}]`.padEnd(width + 2))} ${paint[f.op](fieldText(f))}`);
      }
      for (const r of o.risks) {
        lines.push(`      ${c.bold(c.red(`! ${riskText(r)}`))}`);
        risky.push(`  ${c.red('!')} ${s.env}/${s.stack} ${o.kind}/${o.name}: ${riskText(r)}`);
      }
    }
    lines.push('');
  }
  if (risky.length) lines.push(c.bold(c.red(`Risky changes (${risky.length})`)), ...risky, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------

/** An inline code span that survives backticks in the value. */
function code(s: string): string {
  const fence = s.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${s}${fence.length > 1 ? ' ' : ''}${fence}`;
}

const ICON = { added: '➕', removed: '➖', changed: '✏️' } as const;

/** Most fields listed per object, to keep a PR comment readable (and under GitHub's limit). */
const MD_FIELDS = 40;

function whatMd(s: Shown): string {
  switch (s.kind) {
    case 'added': return `added ${code(s.value)}`;
    case 'removed': return `removed (was ${code(s.value)})`;
    case 'changed': return `${s.at ? `${code(s.at)} ` : ''}${code(s.before)} → ${code(s.after)}`;
    case 'members': return [s.added.length ? `added ${s.added.map(code).join(', ')}` : '', s.removed.length ? `removed ${s.removed.map(code).join(', ')}` : ''].filter(Boolean).join('; ');
    case 'order': return `order ${code(s.before)} → ${code(s.after)}`;
    case 'splice': return `${code(s.at)} ${s.what.replace(/ .*/s, '')} ${code(s.what.replace(/^\S+ /, ''))}`;
  }
}

function fieldMd(f: FieldChange): string {
  return `${code(f.path)}: ${whatMd(show(f))} _(${f.topic})_`;
}

function riskMd(r: Risk): string {
  return `⚠️ **${r.category}**${r.path ? ` ${code(r.path)}` : ''}: ${r.message}`;
}

function objectMd(o: ObjectDiff): string[] {
  const lines = [`- ${ICON[o.change]} **${o.kind}/${o.name}** ${o.change}${o.summary ? ` — ${o.summary}` : ''}`];
  for (const f of o.fields.slice(0, MD_FIELDS)) lines.push(`  - ${fieldMd(f)}`);
  if (o.fields.length > MD_FIELDS) lines.push(`  - … and ${o.fields.length - MD_FIELDS} more field(s)`);
  for (const r of o.risks) lines.push(`  - ${riskMd(r)}`);
  return lines;
}

function stackMd(s: StackDiff): string[] {
  return [`### ${s.env}/${s.stack}`, '', ...s.objects.flatMap(objectMd), ''];
}

/** Markdown for a pull-request comment: risks first, then each stack. */
export function formatMarkdown(report: DiffReport): string {
  const lines = [`## berth diff: ${code(report.from)} → ${code(report.to)}`, ''];
  if (report.stacks.length === 0) return [...lines, 'No differences in the synthesized output.', ''].join('\n');
  lines.push(headline(report), '');
  const risky = report.stacks.flatMap((s) => s.objects.flatMap((o) => o.risks.map((r) => `- ${code(`${s.env}/${s.stack}`)} **${o.kind}/${o.name}** — ${riskMd(r)}`)));
  if (risky.length) lines.push('> [!WARNING]', `> **${risky.length} risky change(s)**`, '>', ...risky.map((l) => `> ${l}`), '');
  for (const s of report.stacks) lines.push(...stackMd(s));
  return lines.join('\n');
}

export function formatJson(report: DiffReport): string {
  return `${JSON.stringify({ ...report, counts: countsOf(report) }, null, 2)}\n`;
}

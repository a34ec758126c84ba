// Renders a DiffReport for a terminal (optionally colored), for a PR comment (Markdown),
// or as JSON for other tools.
import { createColors } from 'picocolors';
import { countsOf, DiffReport, FieldChange, ObjectDiff, Risk, StackDiff } from './diff';

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

function headline(report: DiffReport): string {
  const c = countsOf(report);
  const parts = [`${c.added} added`, `${c.removed} removed`, `${c.changed} changed`];
  return `${report.stacks.length} stack(s) differ: ${parts.join(', ')}${c.risky ? ` · ${c.risky} risky` : ''}`;
}

const MARK = { added: '+', removed: '-', changed: '~' } as const;

function fieldText(f: FieldChange): string {
  if (f.op === 'added') return `+ ${f.path}: ${formatValue(f.after)}`;
  if (f.op === 'removed') return `- ${f.path}: ${formatValue(f.before)}`;
  const [a, b] = formatChange(f.before, f.after);
  return `~ ${f.path}: ${a} → ${b}`;
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
  const paint = { added: c.green, removed: c.red, changed: c.yellow };
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

function fieldMd(f: FieldChange): string {
  const what = f.op === 'added' ? `added ${code(formatValue(f.after))}`
    : f.op === 'removed' ? `removed (was ${code(formatValue(f.before))})`
      : formatChange(f.before, f.after).map(code).join(' → ');
  return `${code(f.path)}: ${what} _(${f.topic})_`;
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

import { CronExpressionParser } from 'cron-parser';
import { Problems } from './errors';

/** Descriptors the CronJob controller (robfig/cron's standard parser) accepts. */
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** cron-parser extensions a CronJob schedule does not support. */
const UNSUPPORTED = /(^|[^a-z])[LH]([^a-z]|$)|#|W$|\dW/i;

const FORMAT = 'must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or a descriptor such as @daily';

/**
 * Checks a CronJob `schedule`: five fields as Kubernetes parses them (no seconds field,
 * no `L`/`W`/`#`/`H` extensions, no `TZ=` prefix: use the CronJob's `timeZone`), with
 * every value in range and at least one matching date. cron-parser checks the ranges.
 */
export function checkCronSchedule(problems: Problems, prop: string, schedule: string): void {
  const problem = scheduleProblem(schedule);
  if (problem !== undefined) problems.add(prop, problem, schedule);
}

/**
 * `check`, computed once per argument. Both checks below depend on their argument alone, and
 * a stack repeats a few schedules and time zones across all its stores: parsing a schedule,
 * or making a DateTimeFormat for a zone, costs ~0.1 ms each time.
 */
function memoized<T>(check: (arg: string) => T): (arg: string) => T {
  const answers = new Map<string, T>();
  return (arg) => {
    if (!answers.has(arg)) answers.set(arg, check(arg));
    return answers.get(arg) as T;
  };
}

const scheduleProblem = memoized((schedule: string): string | undefined => {
  const trimmed = schedule.trim();
  if (DESCRIPTORS.has(trimmed)) return undefined;
  const fields = trimmed.split(/\s+/);
  if (trimmed.startsWith('@') || fields.length !== 5 || fields.some((f) => UNSUPPORTED.test(f))) return FORMAT;
  try {
    CronExpressionParser.parse(trimmed);
    return undefined;
  } catch (e) {
    return `${FORMAT} (${(e as Error).message})`;
  }
});

/** Checks an IANA time zone name such as `Etc/UTC` or `Europe/Berlin`. */
export function checkTimeZone(problems: Problems, prop: string, timeZone: string): void {
  problems.check(isTimeZone(timeZone), prop, "must be an IANA time zone such as 'Etc/UTC'", timeZone);
}

const isTimeZone = memoized((timeZone: string): boolean => {
  if (!/^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
});

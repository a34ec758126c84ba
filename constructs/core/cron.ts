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
  const trimmed = schedule.trim();
  if (DESCRIPTORS.has(trimmed)) return;
  const fields = trimmed.split(/\s+/);
  if (trimmed.startsWith('@') || fields.length !== 5 || fields.some((f) => UNSUPPORTED.test(f))) {
    problems.add(prop, FORMAT, schedule);
    return;
  }
  try {
    CronExpressionParser.parse(trimmed);
  } catch (e) {
    problems.add(prop, `${FORMAT} (${(e as Error).message})`, schedule);
  }
}

/** Checks an IANA time zone name such as `Etc/UTC` or `Europe/Berlin`. */
export function checkTimeZone(problems: Problems, prop: string, timeZone: string): void {
  let ok = /^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/.test(timeZone);
  if (ok) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      ok = false;
    }
  }
  problems.check(ok, prop, "must be an IANA time zone such as 'Etc/UTC'", timeZone);
}

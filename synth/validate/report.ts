import type { Finding, Validator } from '../finding';
import type { RenderedObject, RenderedStack } from '../render';
import { formatPath, Path } from './paths';

/** Collects the findings of one stack; each names the object, its construct path and the field. */
export class Report {
  public readonly findings: Finding[] = [];

  constructor(public readonly stack: RenderedStack) {}

  public add(object: RenderedObject, field: Path, message: string, hint?: string): void {
    this.findings.push({
      env: this.stack.env,
      stack: this.stack.stack,
      kind: object.manifest.kind,
      name: object.manifest.metadata?.name ?? '',
      constructPath: object.constructPath,
      field: formatPath(field),
      message,
      ...(hint !== undefined ? { hint } : {}),
    });
  }
}

/** A validator that looks at one stack at a time. */
export function perStack(check: (report: Report) => void): Validator {
  return (stack) => {
    const report = new Report(stack);
    check(report);
    return report.findings;
  };
}

/** A validator that looks at one object at a time. */
export function perObject(check: (report: Report, object: RenderedObject) => void): Validator {
  return perStack((report) => {
    for (const object of report.stack.objects) check(report, object);
  });
}

/**
 * Collects every problem with a component's arguments, then throws one error naming each argument,
 * so `pulumi preview` fails before any resource is planned.
 */
export function validate(subject: string, what = "arguments") {
  const problems: string[] = [];
  return {
    fail(problem: string): void {
      problems.push(problem);
    },
    /** An optional integer within [min, max]. */
    integer(arg: string, value: number | undefined, min: number, max: number): void {
      if (value === undefined) return;
      if (!Number.isInteger(value) || value < min || value > max) {
        problems.push(`${arg} must be an integer from ${min} to ${max}, got ${value}`);
      }
    },
    /** An optional value from a fixed list. */
    oneOf<T>(arg: string, value: T | undefined, allowed: readonly T[]): void {
      if (value !== undefined && !allowed.includes(value)) {
        problems.push(`${arg} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`);
      }
    },
    done(): void {
      if (problems.length > 0) throw new Error(`${subject}: invalid ${what}:\n  - ${problems.join("\n  - ")}`);
    },
  };
}

import * as pulumi from "@pulumi/pulumi";
import { IAM_ROLE_ARN, LOG_RETENTION_DAYS } from "./aws-rules";

/**
 * Collects every problem with a component's arguments (or a stack's config), then throws one error
 * naming each, so `pulumi preview` fails before any resource is planned. With a component the error
 * is a `ResourceError` on it; without one (stack config) a `RunError`: Pulumi prints either as a
 * plain message, not as an unhandled exception with a stack trace.
 */
export function validate(subject: string, what = "arguments", resource?: pulumi.Resource) {
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
    /** An optional IAM role ARN (`arn:aws:iam::<account>:role/<name>`), as a principal or a trusted role. */
    roleArn(arg: string, value: unknown): void {
      if (typeof value === "string" && !IAM_ROLE_ARN.test(value)) problems.push(`${arg} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "${value}"`);
    },
    /** An optional log retention CloudWatch Logs accepts (components/internal/aws-rules.ts). */
    logRetention(arg: string, value: number | undefined): void {
      if (value !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
        problems.push(`${arg} must be a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")}), got ${value}`);
      }
    },
    /**
     * A deprecated argument: still honoured, with a warning at preview naming what replaces it;
     * refused beside its replacement, since one of the two would be ignored.
     */
    deprecated(arg: string, value: unknown, instead: string, insteadValue: unknown): void {
      if (value === undefined) return;
      if (insteadValue !== undefined) problems.push(`${arg} is the deprecated name of ${instead}: give ${instead} only`);
      else void pulumi.log.warn(`${arg} is deprecated: give ${instead} instead`, resource);
    },
    done(): void {
      if (problems.length === 0) return;
      const message = `${subject}: invalid ${what}:\n  - ${problems.join("\n  - ")}`;
      throw resource ? new pulumi.ResourceError(message, resource, true) : new pulumi.RunError(message);
    },
  };
}

export type Check = ReturnType<typeof validate>;

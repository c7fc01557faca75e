import * as pulumi from "@pulumi/pulumi";
import { SettingsCheck } from "../settings/check";
import { checkLiveChange, type LiveChange } from "../settings/shared";

/** The one error naming every problem: `subject: invalid arguments:` and a line per problem. */
function problemsMessage(subject: string, what: string, problems: readonly string[]): string {
  return `${subject}: invalid ${what}:\n  - ${problems.join("\n  - ")}`;
}

/**
 * Fails a component at preview when its settings model found problems: one `ResourceError` naming
 * each, which Pulumi prints as a plain message on the component, not as an exception with a stack trace.
 */
export function refuseProblems(component: pulumi.Resource, subject: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new pulumi.ResourceError(problemsMessage(subject, "arguments", problems), component, true);
}

/**
 * A live change whose new value another resource gives (not known to the settings model at
 * preview), checked once it is known: refused as the settings model refuses a known one. Returns
 * the value, for the component's `deployment` output.
 */
export function checkedLiveChange(
  component: pulumi.Resource,
  subject: string,
  change: Omit<LiveChange, "to"> & { to: pulumi.Input<string | undefined> },
  acknowledged: readonly string[] | undefined,
): pulumi.Output<string | undefined> {
  return pulumi.output(change.to).apply((to) => {
    const check = new SettingsCheck();
    checkLiveChange(check, { ...change, to }, acknowledged);
    refuseProblems(component, subject, check.problems);
    return to;
  });
}

/**
 * Collects every problem with a stack's config, then throws one `RunError` naming each, so
 * `pulumi preview` fails before any resource is planned.
 */
export function validate(subject: string, what = "config") {
  const check = new SettingsCheck();
  return Object.assign(check, {
    done(): void {
      if (check.problems.length > 0) throw new pulumi.RunError(problemsMessage(subject, what, check.problems));
    },
  });
}

export type Check = ReturnType<typeof validate>;

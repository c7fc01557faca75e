import { AUTONAME_SUFFIX_LENGTH, PHYSICAL_NAME_RULES } from "./aws-rules";

/** A child resource a component names after its own name: its Pulumi type and logical name. */
export type DerivedName = readonly [type: keyof typeof PHYSICAL_NAME_RULES, logicalName: string];

/** Where name problems go: a settings check, or a stack's config check. */
interface Problems {
  fail(problem: string): void;
}

/** The longest physical name Pulumi makes of a logical name: the name, "-", and 7 random characters. */
export function autoNamed(logicalName: string, lowercased = false): string {
  const base = lowercased ? logicalName.toLowerCase() : logicalName;
  return `${base}-${"0".repeat(AUTONAME_SUFFIX_LENGTH - 1)}`;
}

/** The children `createStreamFunction(name, {deadLetterName})` names after `name`. */
export const streamFunctionNames = (name: string, deadLetterName: string): DerivedName[] => [
  ["aws:lambda/function:Function", `${name}-function`],
  ["aws:iam/role:Role", `${name}-role`],
  ["aws:s3/bucket:Bucket", deadLetterName],
];

/**
 * Adds a problem for each child whose auto-named physical name would break its service's length
 * limit or character set, so a component name too long or with the wrong characters fails at
 * preview, naming the child and the limit (see components/internal/aws-rules.ts).
 */
export function checkDerivedNames(check: Problems, arg: string, value: string, children: readonly DerivedName[]): void {
  for (const [type, logicalName] of children) {
    const rule = PHYSICAL_NAME_RULES[type];
    const physical = autoNamed(logicalName, rule.lowercased);
    if (physical.length > rule.maxLength) {
      check.fail(`${arg} "${value}" makes the ${rule.what} "${physical}" ${physical.length} characters long; AWS allows ${rule.maxLength} (${rule.doc})`);
    } else if (!rule.pattern.test(physical)) {
      check.fail(`${arg} "${value}" makes the ${rule.what} "${physical}", which AWS refuses: ${rule.patternRule} only (${rule.doc})`);
    }
  }
}

/** Checks a physical name given explicitly (no suffix added). */
export function checkPhysicalName(check: Problems, arg: string, type: keyof typeof PHYSICAL_NAME_RULES, value: string | undefined): void {
  if (value === undefined) return;
  const rule = PHYSICAL_NAME_RULES[type];
  if (typeof value !== "string" || value.length > rule.maxLength || !rule.pattern.test(value)) {
    check.fail(`${arg} must be a ${rule.what} of at most ${rule.maxLength} characters, ${rule.patternRule}, got "${value}" (${rule.doc})`);
  }
}

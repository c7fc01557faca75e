/**
 * Refuses overrides of the arguments a component owns because the rest of the pipeline depends on
 * them (keys, streams, names checked elsewhere): the escape hatch is for everything else.
 */
export function checkOverrides(
  check: { fail(problem: string): void },
  label: string,
  overrides: object | undefined,
  owned: { keys: readonly string[]; instead: string },
): void {
  for (const key of owned.keys) {
    if (overrides && typeof overrides === "object" && key in overrides) check.fail(`${label}.${key} cannot be overridden: ${owned.instead}`);
  }
}

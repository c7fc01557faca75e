/**
 * Test-only changes to the functions' bundles, made as the local runtime loads them, so that a
 * test can plant a bug in a function and prove that a check notices it. The product code knows
 * nothing of them: they come from this environment variable, a JSON array of `{ find, replace }`,
 * each applied to every bundle holding `find` (exactly once), and at least one bundle must.
 */
export const PLANTED_CHANGES_VARIABLE = "LOCAL_RUNTIME_PLANTED_CHANGES";

export interface PlantedChange {
  find: string;
  replace: string;
}

export class PlantedChanges {
  private readonly changes: PlantedChange[];
  private readonly applied = new Set<PlantedChange>();

  constructor(text: string | undefined = process.env[PLANTED_CHANGES_VARIABLE]) {
    this.changes = text ? (JSON.parse(text) as PlantedChange[]) : [];
    for (const change of this.changes) {
      if (typeof change.find !== "string" || !change.find || typeof change.replace !== "string")
        throw new Error(`${PLANTED_CHANGES_VARIABLE}: each change needs a non-empty find and a replace`);
    }
  }

  /** The bundle with every change whose text it holds made. */
  apply(name: string, code: string): string {
    for (const change of this.changes) {
      const at = code.indexOf(change.find);
      if (at < 0) continue;
      if (code.indexOf(change.find, at + 1) >= 0)
        throw new Error(`${PLANTED_CHANGES_VARIABLE}: ${JSON.stringify(change.find)} occurs more than once in ${name}'s bundle`);
      code = code.slice(0, at) + change.replace + code.slice(at + change.find.length);
      this.applied.add(change);
    }
    return code;
  }

  /** Fails when a change found no bundle to plant itself in: the bug it stands for would not be there. */
  checkAllApplied(): void {
    const missed = this.changes.filter((change) => !this.applied.has(change));
    if (missed.length > 0) throw new Error(`${PLANTED_CHANGES_VARIABLE}: no function's bundle holds ${missed.map((c) => JSON.stringify(c.find)).join(", ")}`);
  }
}

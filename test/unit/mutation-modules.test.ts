import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const modules: { mutated: string[]; mutatedOnEngines: string[]; notMutated: Record<string, string> } = JSON.parse(
  readFileSync(path.join(ROOT, "mutation", "modules.json"), "utf8"),
);

/** Every TypeScript module under functions/, as a path from the repository root. */
function functionModules(dir = "functions"): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return functionModules(relative);
    return entry.name.endsWith(".ts") ? [relative] : [];
  });
}

// Stryker skips a `mutate` path that matches no file without a word, so a renamed module would
// silently leave the measurement; a new module must be placed on one side or the other.
describe("npm run mutation's module list (mutation/modules.json)", () => {
  it("names only modules that exist", () => {
    const missing = [...modules.mutated, ...modules.mutatedOnEngines, ...Object.keys(modules.notMutated)].filter((file) => !existsSync(path.join(ROOT, file)));
    expect(missing, "listed in mutation/modules.json but not in the tree").to.deep.equal([]);
  });

  it("places every module of functions/ once: mutated by the fast run or on the engines, or not mutated with a reason", () => {
    const lists = [modules.mutated, modules.mutatedOnEngines, Object.keys(modules.notMutated)];
    const twice = functionModules().filter((file) => lists.filter((list) => list.includes(file)).length > 1);
    expect(twice, "on more than one list").to.deep.equal([]);
    const unplaced = functionModules().filter((file) => !lists.some((list) => list.includes(file)));
    expect(unplaced, "modules of functions/ missing from mutation/modules.json").to.deep.equal([]);
  });
});

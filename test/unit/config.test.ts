import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { declaredConfig, StackConfig } from "../../stacks/config";
import { MockCloud } from "../harness/mock-cloud";
import { stackConfig, up } from "../support/stacks";

const exampleKeys = (stack: "prod" | "poc") =>
  Object.keys((load(readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config)
    .filter((key) => key.startsWith("stream-replication:"))
    .map((key) => key.replace("stream-replication:", ""));

/** Whether a value has a declared type, as the Pulumi CLI checks a stack's value against Pulumi.yaml. */
const hasType = (type: string, value: unknown): boolean =>
  ({
    string: typeof value === "string",
    integer: Number.isInteger(value),
    boolean: typeof value === "boolean",
    array: Array.isArray(value),
    object: typeof value === "object" && value !== null && !Array.isArray(value),
  })[type] ?? false;

describe("stack config", () => {
  const declared = declaredConfig();

  it("declares in Pulumi.yaml every key the example stacks set, with a type, a description, and a default of that type unless it is required", () => {
    for (const key of [...exampleKeys("prod"), ...exampleKeys("poc")]) expect(declared, key).to.have.property(key);
    for (const [key, declaration] of Object.entries(declared)) {
      expect(declaration.type, key).to.be.oneOf(["string", "integer", "boolean", "array", "object"]);
      expect(declaration.description, key).to.be.a("string").and.not.equal("");
      if (declaration.default !== undefined) expect(hasType(declaration.type, declaration.default), `${key}'s default`).to.equal(true);
    }
    expect(Object.keys(declared).filter((key) => declared[key].default === undefined)).to.deep.equal(["sourceAccountId", "consumerAccountId"]);
  });

  it("holds example values of the declared types", () => {
    for (const stack of ["prod", "poc"] as const) {
      const file = load(readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
      for (const [key, value] of Object.entries(file.config).filter(([k]) => k.startsWith("stream-replication:"))) {
        const declaration = declared[key.replace("stream-replication:", "")];
        expect(hasType(declaration.type, value) || (declaration.type === "integer" && /^\d+$/.test(String(value))), `${stack}: ${key}`).to.equal(true);
      }
    }
  });

  it("refuses, as a RunError, to read a key Pulumi.yaml does not declare", async () => {
    await new MockCloud().install();
    expect(() => new StackConfig(new pulumi.Config()).string("tabel")).to.throw(
      pulumi.RunError,
      /the program reads config key "tabel", which Pulumi.yaml does not declare/,
    );
  });

  it("builds the same stack whether the Pulumi CLI filled in the declared defaults or nothing did", async () => {
    const shape = (cloud: MockCloud) => cloud.resources.map((r) => [r.urn, JSON.stringify(r.inputs), r.protect, r.deleteBeforeReplace]);
    for (const [side, config] of [
      ["consumer", stackConfig("poc")],
      ["source", stackConfig("prod")],
    ] as const) {
      const withDefaults = await up(side, config, {});
      const without = await up(side, config, {}, undefined, { cliDefaults: false });
      expect(shape(withDefaults.cloud), side).to.deep.equal(shape(without.cloud));
      expect(withDefaults.outputs, side).to.deep.equal(without.outputs);
    }
  });
});

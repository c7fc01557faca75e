// Runs one program made of a page's TypeScript blocks (compiled to JavaScript by
// test/unit/docs-snippets.test.ts) under the mocks of Pulumi's unit-testing guide: a resource's
// state is its inputs (a stack reference's, its outputs too), a call answers with its inputs, so every output a provider computes is
// absent, as on a first deployment. In a process of its own, so the promises Pulumi counts as
// still active at exit are this program's alone. https://www.pulumi.com/docs/iac/guides/testing/unit/
import * as pulumi from "@pulumi/pulumi";

const [program] = process.argv.slice(2);
const failures: string[] = [];
process.on("unhandledRejection", (reason) => failures.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`));

pulumi.runtime.setMocks(
  {
    // A stack reference's state must hold its outputs, or Pulumi's own getOutput fails on them: here
    // the other stack has none yet, as before its first deployment.
    newResource: (args: pulumi.runtime.MockResourceArgs) => ({
      id: `${args.name}_id`,
      state: args.type === "pulumi:pulumi:StackReference" ? { ...args.inputs, outputs: {} } : args.inputs,
    }),
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "snippets",
  "docs",
  false,
);

async function main(): Promise<void> {
  // Loaded after the mocks, as the guide says.
  const exported = require(program) as Record<string, unknown>;
  for (const value of Object.values(exported)) if (pulumi.Output.isInstance(value)) await (value as unknown as { promise(): Promise<unknown> }).promise();
  // The registrations still in flight settle on their own; give them the time a test runner would.
  await new Promise((done) => setTimeout(done, 1_000));
  // Pulumi's own count (internal, so untyped), which it prints at exit as "N promises were still active".
  const { leakedPromises } = require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): [Set<unknown>, string] };
  const [leaks] = leakedPromises();
  process.stdout.write(`${JSON.stringify({ leaks: leaks.size, failures })}\n`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stdout.write(`${JSON.stringify({ leaks: 0, failures: [...failures, String(error.stack ?? error)] })}\n`);
    process.exit(0);
  },
);

// A user's test program: mocks set first, then every component realized and every output read. With
// `documented`, the mocks of Pulumi's testing guide (a resource's state is its inputs, a call answers
// with its inputs); with `aws`, the package's own AwsMocks. Run in a process of its own
// (test/unit/documented-mocks.test.ts), so that the promises Pulumi counts as still active at exit
// are this program's alone. https://www.pulumi.com/docs/iac/guides/testing/unit/
import * as pulumi from "@pulumi/pulumi";
import { AwsMocks } from "../../components/testing";

const documented: pulumi.runtime.Mocks = {
  newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}_id`, state: args.inputs }),
  call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
};
pulumi.runtime.setMocks(process.argv[2] === "aws" ? new AwsMocks() : documented, "project", "stack", false);

async function main(): Promise<void> {
  // Loaded after the mocks, as the guide says.
  const { AuroraLoader, CrossAccountStreamSource, DedupTable, FirehoseArchive, PushIngest, StreamProjection } =
    require("../../components") as typeof import("../../components");
  const stream = "arn:aws:kinesis:eu-west-1:111111111111:stream/clicks";
  const source = new CrossAccountStreamSource("clicks", {
    consumerRoleArn: "arn:aws:iam::999999999999:role/ingest",
    fanOutConsumerName: "poc",
    sharedTable: { hashKey: "id" },
    sharedTableReaderRoleArns: ["arn:aws:iam::999999999999:role/reader"],
  });
  const push = new PushIngest("clicks", {
    streamArn: source.streamArn,
    writer: { roleArn: "arn:aws:iam::999999999999:role/writer", externalId: "poc-writer-7f3a", tableName: "clicks" },
  });
  const table = new DedupTable("clicks", { pull: { streamArn: stream } });
  const archive = new FirehoseArchive("clicks", { tableStreamArn: table.tableStreamArn });
  const projection = new StreamProjection("hits", {
    tableStreamArn: table.tableStreamArn,
    projection: { kind: "aggregate", groupBy: [{ attribute: "page_id" }] },
  });
  const loader = new AuroraLoader("clicks", {
    archiveBucketName: archive.bucketName,
    archiveBucketArn: archive.bucketArn,
    columns: archive.csvColumns,
    columnTypes: archive.columnTypes,
  });
  const existing = new AuroraLoader("existing", {
    archiveBucketName: "clicks-archive",
    archiveBucketArn: "arn:aws:s3:::clicks-archive",
    columns: archive.csvColumns,
    network: { vpcId: "vpc-1", subnetIds: ["subnet-1", "subnet-2"], createEndpoints: true },
  });
  const outputs: unknown[] = [];
  for (const component of [source, push, table, archive, projection, loader, existing]) {
    for (const value of Object.values(component))
      if (pulumi.Output.isInstance(value)) outputs.push(await (value as unknown as { promise(): Promise<unknown> }).promise());
  }
  // The registrations still in flight settle on their own; give them the time a test runner would.
  await new Promise((done) => setTimeout(done, 500));
  // Pulumi's own count, which it prints at exit as "N promises were still active".
  const { leakedPromises } = require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): [Set<unknown>, string] };
  const [leaks] = leakedPromises();
  process.stdout.write(JSON.stringify({ outputs: outputs.length, leaks: leaks.size }));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(String(error.stack ?? error));
    process.exit(1);
  },
);

import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { type PulumiValues } from "../../components/testing/inputs";
import { LocalFirehose } from "../../local/runtime/firehose";
import { LocalNotifications } from "../../local/runtime/notifications";
import { nonConformance } from "../support/aws-event-schemas";

/** Functions that record each event and answer as a well-behaved processor would. */
function recordingFunctions() {
  const events: { name: string; event: PulumiValues }[] = [];
  return {
    events,
    invoke: async <T>(name: string, event: PulumiValues): Promise<T> => {
      events.push({ name, event });
      const records = event.records?.map((r: { recordId: string; data: string }) => ({ recordId: r.recordId, result: "Ok", data: r.data }));
      return (records ? { records } : null) as T;
    },
    byArn: () => ({
      name: "clicks-transform",
      arn: "arn:aws:lambda:eu-west-1:999999999999:function:clicks-transform",
      role: "",
      code: "",
      environment: {},
      memorySize: 128,
    }),
  };
}

const noS3 = { send: async () => ({ ETag: '"9b2cf535f27731c974343645a3985328"' }) } as unknown as S3Client;

describe("events the local runtime builds", () => {
  it("an S3 notification conforms to AWS's ObjectCreated format, key URL-encoded", async () => {
    const functions = recordingFunctions();
    const notifications = new LocalNotifications(functions, {} as SQSClient, 1);
    notifications.register({ id: "tf-s3-lambda-1", bucket: "clicks-archive", functionName: "clicks-load", filterPrefix: "processed/" });
    notifications.objectCreated(
      "clicks-archive",
      "processed/2026/11/28/10/clicks archive-1-2026-11-28-10-00-00-a.csv",
      "9b2cf535f27731c974343645a3985328",
      1024,
    );
    await notifications.idle();
    expect(functions.events).to.have.length(1);
    const [{ event }] = functions.events;
    expect(nonConformance("s3", event)).to.deep.equal([]);
    expect(event.Records[0].s3.object.key).to.equal("processed/2026/11/28/10/clicks+archive-1-2026-11-28-10-00-00-a.csv");
    expect(event.Records[0].s3.configurationId).to.equal("tf-s3-lambda-1");
  });

  it("a Firehose transformation invocation conforms to AWS's format", async () => {
    const functions = recordingFunctions();
    const firehose = new LocalFirehose(noS3, functions, () => undefined, 1);
    firehose.register({
      name: "clicks-archive",
      arn: "arn:aws:firehose:eu-west-1:999999999999:deliverystream/clicks-archive",
      bucket: "clicks-archive",
      prefix: "processed/",
      errorOutputPrefix: "failed/",
      bufferSizeMiB: 1,
      bufferIntervalSeconds: 60,
      compression: "UNCOMPRESSED",
      fileExtension: ".csv",
      processor: "clicks-transform",
    });
    firehose.putRecordBatch("clicks-archive", [Buffer.from('{"key":"a"}'), Buffer.from("not json at all")]);
    await firehose.stop();
    expect(functions.events).to.have.length(1);
    expect(nonConformance("firehose", functions.events[0].event)).to.deep.equal([]);
  });

  it("the schemas are a real check: an S3 event without its request details does not conform", () => {
    expect(nonConformance("s3", { Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { object: { key: "k" } } }] })).to.not.be.empty;
  });
});

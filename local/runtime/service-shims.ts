import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type Engine } from "../../engines";

/** What the shims answer for: the functions' calls to STS, Secrets Manager and Firehose. */
export interface ShimHandlers {
  /** SecretString by secret ARN. */
  secrets: Map<string, string>;
  /** Takes PutRecordBatch's records; answers per record, null when taken. */
  putRecordBatch(
    deliveryStreamName: string,
    records: Buffer[],
  ): { ErrorCode: string; ErrorMessage: string }[] | (null | { ErrorCode: string; ErrorMessage: string })[];
}

const body = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });

function json(response: ServerResponse, status: number, payload: unknown, type = "application/x-amz-json-1.1"): void {
  response.writeHead(status, { "content-type": type });
  response.end(JSON.stringify(payload));
}

/**
 * One loopback HTTP server standing in for the three AWS APIs the functions call that no local
 * engine serves: STS AssumeRole (push mode's writer role, with fixed local credentials),
 * Secrets Manager GetSecretValue (the database password) and Firehose PutRecordBatch.
 */
export async function startServiceShims(handlers: ShimHandlers): Promise<Engine> {
  const server = createServer(async (request, response) => {
    const text = await body(request);
    const target = String(request.headers["x-amz-target"] ?? "");
    try {
      if (target === "Firehose_20150804.PutRecordBatch") {
        const input = JSON.parse(text) as { DeliveryStreamName: string; Records: { Data: string }[] };
        const answers = handlers.putRecordBatch(
          input.DeliveryStreamName,
          input.Records.map((r) => Buffer.from(r.Data, "base64")),
        );
        const RequestResponses = answers.map((answer, i) => answer ?? { RecordId: `local-${Date.now()}-${i}` });
        return json(response, 200, { FailedPutCount: answers.filter(Boolean).length, Encrypted: false, RequestResponses });
      }
      if (target === "secretsmanager.GetSecretValue") {
        const { SecretId } = JSON.parse(text) as { SecretId: string };
        const secret = handlers.secrets.get(SecretId);
        if (secret === undefined)
          return json(response, 400, { __type: "ResourceNotFoundException", message: `Secrets Manager can't find the specified secret ${SecretId}` });
        return json(response, 200, {
          ARN: SecretId,
          Name: SecretId.split(":").pop(),
          SecretString: secret,
          VersionId: "local",
          VersionStages: ["AWSCURRENT"],
          CreatedDate: Date.now() / 1000,
        });
      }
      const form = new URLSearchParams(text);
      if (form.get("Action") === "AssumeRole" || target.endsWith(".AssumeRole")) {
        const roleArn = form.get("RoleArn") ?? (JSON.parse(text || "{}") as { RoleArn?: string }).RoleArn ?? "";
        const expiration = new Date(Date.now() + 15 * 60_000).toISOString();
        response.writeHead(200, { "content-type": "text/xml" });
        return response.end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
            `<AccessKeyId>ASIALOCAL</AccessKeyId><SecretAccessKey>local</SecretAccessKey><SessionToken>local</SessionToken><Expiration>${expiration}</Expiration>` +
            `</Credentials><AssumedRoleUser><Arn>${roleArn}/local</Arn><AssumedRoleId>AROALOCAL:local</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
            `<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      }
      json(response, 400, { __type: "UnknownOperationException", message: `the local shims do not serve ${target || form.get("Action")}` });
    } catch (error) {
      json(response, 500, { __type: "InternalFailure", message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((done) => server.close(() => done())) };
}

import { request as forward, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type Engine } from "../../engines";

/** The writes the proxy may throttle: every write the functions make. */
const SINGLE_WRITES = new Set(["BatchWriteItem", "PutItem", "DeleteItem", "UpdateItem"]);
const THROTTLED_MESSAGE = "Throughput exceeds the current capacity of your table or index.";

/**
 * A loopback proxy in front of DynamoDB Local that answers a share of the functions' writes as a
 * throttled table does, everything else passing through. BatchWriteItem, PutItem, DeleteItem and
 * UpdateItem get ProvisionedThroughputExceededException; TransactWriteItems is cancelled whole
 * with TransactionCanceledException and one reason per action, one of them `ThrottlingError`
 * ("Throughput exceeds the current capacity of your table or index", the others `None`):
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 * (Errors: TransactionCanceledException; ThrottlingError among its cancellation reasons).
 */
export async function startThrottlingProxy(
  target: string,
  share: (operation: string) => number,
  random: () => number = Math.random,
): Promise<Engine & { throttled: () => Record<string, number> }> {
  const upstream = new URL(target);
  const throttled: Record<string, number> = {};
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    const throttles = (SINGLE_WRITES.has(operation) || operation === "TransactWriteItems") && random() < share(operation);
    if (!throttles) return pass(upstream, incoming, outgoing);
    throttled[operation] = (throttled[operation] ?? 0) + 1;
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      if (operation !== "TransactWriteItems") {
        return refuse(outgoing, {
          __type: "ProvisionedThroughputExceededException",
          message: "The level of configured provisioned throughput for the table was exceeded.",
        });
      }
      const actions = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
      const hit = Math.floor(random() * actions);
      const reasons = Array.from({ length: actions }, (_, i) => (i === hit ? { Code: "ThrottlingError", Message: THROTTLED_MESSAGE } : { Code: "None" }));
      refuse(outgoing, {
        __type: "TransactionCanceledException",
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        CancellationReasons: reasons,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, throttled: () => ({ ...throttled }), stop: () => new Promise<void>((done) => server.close(() => done())) };
}

function refuse(outgoing: ServerResponse, body: { __type: string } & Record<string, unknown>): void {
  outgoing.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
  outgoing.end(JSON.stringify({ ...body, __type: `com.amazonaws.dynamodb.v20120810#${body.__type}` }));
}

function pass(upstream: URL, incoming: IncomingMessage, outgoing: ServerResponse): void {
  const proxied = forward(
    { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
    (response) => {
      outgoing.writeHead(response.statusCode ?? 500, response.headers);
      response.pipe(outgoing);
    },
  );
  proxied.on("error", () => outgoing.destroy());
  incoming.pipe(proxied);
}

import { request as forward, createServer } from "node:http";
import { type Engine } from "../../engines";

/**
 * A loopback proxy in front of DynamoDB Local that answers a share of BatchWriteItem requests
 * (the ingest function's writes) with ProvisionedThroughputExceededException, as a throttled
 * table does; everything else passes through.
 */
export async function startThrottlingProxy(
  target: string,
  share: () => number,
  random: () => number = Math.random,
): Promise<Engine & { throttled: () => number }> {
  const upstream = new URL(target);
  let throttled = 0;
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers["x-amz-target"] ?? "");
    if (operation.endsWith(".BatchWriteItem") && random() < share()) {
      throttled += 1;
      incoming.resume();
      outgoing.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
      outgoing.end(
        JSON.stringify({
          __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
          message: "The level of configured provisioned throughput for the table was exceeded.",
        }),
      );
      return;
    }
    const proxied = forward(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 500, response.headers);
        response.pipe(outgoing);
      },
    );
    proxied.on("error", () => outgoing.destroy());
    incoming.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, throttled: () => throttled, stop: () => new Promise<void>((done) => server.close(() => done())) };
}

// Runs one JavaScript engine (kinesalite, or fauxqs for S3 and SQS) in its own process, on a free
// loopback port, so that its work does not queue behind the local runtime's on one event loop.
// It tells its parent the endpoint, and exits when the parent goes away, crash or not.
"use strict";

const [engine, region] = process.argv.slice(2);

async function listen() {
  if (engine === "kinesalite") {
    const kinesalite = require("kinesalite");
    const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${server.address().port}`;
  }
  if (engine === "fauxqs") {
    const { buildApp } = await import("fauxqs");
    return buildApp({ logger: false, defaultRegion: region }).listen({ port: 0, host: "127.0.0.1" });
  }
  throw new Error(`no engine named ${engine}`);
}

process.on("disconnect", () => process.exit(0));
listen().then(
  (endpoint) => process.send({ endpoint }),
  (error) => {
    process.send({ error: String((error && error.stack) || error) });
    process.exit(1);
  },
);

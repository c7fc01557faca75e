import { expect } from "chai";
import type { Connection } from "mysql2/promise";
import { EventEmitter } from "node:events";
import { IDLE_SESSION_SECONDS, reusedConnection } from "../../functions/load/connection";

/** A stand-in for a mysql2 connection: answers pings as told, records its queries and whether it was destroyed. */
class FakeConnection extends EventEmitter {
  readonly queries: string[] = [];
  destroyed = false;
  constructor(
    readonly id: number,
    public ping: () => Promise<void> = async () => undefined,
    readonly failQuery = false,
  ) {
    super();
  }
  async query(sql: string) {
    this.queries.push(sql);
    if (this.failQuery) throw new Error("access denied");
    return [[], []];
  }
  destroy() {
    this.destroyed = true;
  }
}

describe("the loader's kept connection", () => {
  const opened: FakeConnection[] = [];
  const kept = (make: (id: number) => FakeConnection = (id) => new FakeConnection(id)) => {
    opened.length = 0;
    return reusedConnection(async () => ({ host: "db" }), {
      open: async () => {
        const connection = make(opened.length + 1);
        opened.push(connection);
        return connection as unknown as Connection;
      },
      pingTimeoutMs: 50,
    });
  };

  it("is opened once and kept while it answers, with the server told to end it after a minute idle", async () => {
    const connect = kept();
    expect(await connect()).to.equal(await connect());
    expect(opened).to.have.length(1);
    expect(opened[0].queries).to.deep.equal([`SET SESSION wait_timeout = ${IDLE_SESSION_SECONDS}`]);
    expect(IDLE_SESSION_SECONDS).to.equal(60);
  });

  it("takes the error a server sends when it ends an idle session, which would otherwise crash the container, and opens another at the next use", async () => {
    const connect = kept();
    const first = (await connect()) as unknown as FakeConnection;
    expect(() => first.emit("error", Object.assign(new Error("Connection lost: The server closed the connection."), { fatal: true }))).to.not.throw();
    first.ping = async () => Promise.reject(new Error("Can't add new command when connection is in closed state"));
    const second = await connect();
    expect(second).to.not.equal(first);
    expect(first.destroyed).to.equal(true);
  });

  it("opens another when a ping goes unanswered (a server gone without a word), instead of waiting for Lambda's timeout", async () => {
    const connect = kept();
    const first = (await connect()) as unknown as FakeConnection;
    first.ping = () => new Promise(() => undefined);
    const second = await connect();
    expect(second).to.not.equal(first);
    expect(first.destroyed).to.equal(true);
  });

  it("destroys a connection whose session cannot be set up, and tries a new one at the next use", async () => {
    let refuse = true;
    const connect = kept((id) => new FakeConnection(id, undefined, refuse));
    const failure = await connect().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.equal("access denied");
    expect(opened[0].destroyed).to.equal(true);
    refuse = false;
    expect(await connect()).to.equal(opened[1]);
  });

  it("tries again at the next use when the connection could not be opened at all, also for a use that waited on that opening", async () => {
    let attempts = 0;
    const connect = reusedConnection(async () => ({ host: "db" }), {
      open: async () => {
        if (++attempts === 1) throw new Error("connect ETIMEDOUT");
        return new FakeConnection(attempts) as unknown as Connection;
      },
    });
    const [first, second] = await Promise.allSettled([connect(), connect()]);
    expect(first.status).to.equal("rejected");
    expect(second.status).to.equal("fulfilled");
    expect(((await connect()) as unknown as FakeConnection).id).to.equal(2);
  });
});

import { expect } from "chai";
import { isLockConflict, retryLockConflicts, type LockRetry } from "../../functions/load/lock-retry";

/** An error as mysql2 gives it. */
const mysqlError = (errno: number, message: string) => Object.assign(new Error(message), { errno });
const DEADLOCK = () => mysqlError(1213, "Deadlock found when trying to get lock; try restarting transaction");
const LOCK_WAIT = () => mysqlError(1205, "Lock wait timeout exceeded; try restarting transaction");

/** A task that fails with these errors, in turn, then answers "done"; and what the retries did. */
function run(failures: Error[], attempts = 5) {
  const waits: number[] = [];
  const retries: LockRetry[] = [];
  let calls = 0;
  const task = async () => {
    calls += 1;
    const failure = failures.shift();
    if (failure) throw failure;
    return "done";
  };
  const result = retryLockConflicts(
    task,
    { attempts, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5, sleep: async (ms) => void waits.push(ms) },
    (retry) => retries.push(retry),
  );
  return { result, waits, retries, calls: () => calls };
}

describe("loader lock conflicts (Why: parallel loads deadlocked, and the loader did not retry)", () => {
  it("runs the load again after a deadlock or a lock wait timeout, waiting longer each time, and logs each retry", async () => {
    const { result, waits, retries, calls } = run([DEADLOCK(), LOCK_WAIT(), DEADLOCK()]);
    expect(await result).to.equal("done");
    expect(calls()).to.equal(4);
    expect(waits).to.deep.equal([50, 100, 200]);
    expect(retries).to.deep.equal([
      { attempt: 1, attempts: 5, delayMs: 50, code: "ER_LOCK_DEADLOCK", error: "Deadlock found when trying to get lock; try restarting transaction" },
      { attempt: 2, attempts: 5, delayMs: 100, code: "ER_LOCK_WAIT_TIMEOUT", error: "Lock wait timeout exceeded; try restarting transaction" },
      { attempt: 3, attempts: 5, delayMs: 200, code: "ER_LOCK_DEADLOCK", error: "Deadlock found when trying to get lock; try restarting transaction" },
    ]);
  });

  it("gives up after its attempts with the last conflict, having retried one time fewer", async () => {
    const last = DEADLOCK();
    const { result, retries, calls } = run([DEADLOCK(), DEADLOCK(), last, DEADLOCK()], 3);
    expect(await result.catch((error: unknown) => error)).to.equal(last);
    expect(calls()).to.equal(3);
    expect(retries.map((r) => r.attempt)).to.deep.equal([1, 2]);
  });

  it("never retries another error: a duplicate key, a lost connection, an error without a number", async () => {
    for (const error of [mysqlError(1062, "Duplicate entry"), mysqlError(2013, "Lost connection"), new Error("ECONNREFUSED")]) {
      const { result, retries, calls } = run([error]);
      expect(await result.catch((thrown: unknown) => thrown)).to.equal(error);
      expect(calls()).to.equal(1);
      expect(retries).to.deep.equal([]);
    }
    expect([undefined, null, "1213", { errno: "1213" }, { errno: 1213 }].map(isLockConflict)).to.deep.equal([false, false, false, false, true]);
  });
});

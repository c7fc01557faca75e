import { expect } from "chai";
import { backoffDelay, chunk, mapWithConcurrency, sleep } from "../../functions/shared/retry";

describe("retry helpers", () => {
  describe("backoff with full jitter", () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
    const almostOne = () => 0.999_999;

    it("doubles the delay's ceiling with each attempt, from the base", () => {
      expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, { ...options, random: almostOne }))).to.deep.equal([99, 199, 399, 799]);
    });

    it("never waits longer than the cap, however many attempts", () => {
      expect(backoffDelay(4, { ...options, random: almostOne })).to.equal(999);
      expect(backoffDelay(40, { ...options, random: almostOne })).to.equal(999);
    });

    it("draws the delay anywhere from zero to the ceiling, in whole milliseconds", () => {
      expect(backoffDelay(3, { ...options, random: () => 0 })).to.equal(0);
      expect(backoffDelay(3, { ...options, random: () => 0.25 })).to.equal(200);
      expect(backoffDelay(0, { ...options, random: () => 0.5055 })).to.equal(50);
    });

    it("draws from Math.random when no source is given", () => {
      const delays = Array.from({ length: 200 }, () => backoffDelay(2, options));
      for (const delay of delays) expect(delay).to.be.within(0, 399);
      expect(new Set(delays).size, "delays drawn at random").to.be.greaterThan(1);
    });
  });

  it("sleep resolves once its timer has fired, not at once", async () => {
    let slept = false;
    const sleeping = sleep(1).then(() => (slept = true));
    await Promise.resolve();
    expect(slept).to.equal(false);
    await sleeping;
    expect(slept).to.equal(true);
  });

  describe("mapWithConcurrency", () => {
    /** Runs tasks that each wait for a later turn of the event loop, recording how many were in flight at once. */
    async function run(items: number[], concurrency: number) {
      let inFlight = 0;
      let most = 0;
      const started: number[] = [];
      const results = await mapWithConcurrency(items, concurrency, async (item) => {
        started.push(item);
        most = Math.max(most, ++inFlight);
        // Later items finish first, so the results' order cannot come from completion order.
        for (let turn = 0; turn < items.length - item; turn++) await new Promise(setImmediate);
        inFlight--;
        return item * 10;
      });
      return { results, most, started };
    }

    it("keeps the input order in its results, whatever order the tasks finish in", async () => {
      expect((await run([0, 1, 2, 3, 4, 5], 3)).results).to.deep.equal([0, 10, 20, 30, 40, 50]);
    });

    it("runs exactly the given number of tasks at once, and each item once", async () => {
      const { most, started } = await run([0, 1, 2, 3, 4, 5, 6, 7], 3);
      expect(most).to.equal(3);
      expect(started.sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it("runs one at a time when asked for fewer than one, and no more than there are items", async () => {
      expect((await run([0, 1, 2], 0)).most).to.equal(1);
      const few = await run([0, 1], 8);
      expect(few.most).to.equal(2);
      expect(few.results).to.deep.equal([0, 10]);
    });

    it("maps no items to no results, calling no task", async () => {
      expect(await mapWithConcurrency([], 4, () => Promise.reject(new Error("called")))).to.deep.equal([]);
    });

    it("fails with the first task's failure", async () => {
      const failing = mapWithConcurrency([1, 2], 2, async (item) => {
        if (item === 2) throw new Error("task 2 failed");
        return item;
      });
      await failing.then(
        () => expect.fail("expected a failure"),
        (error: Error) => expect(error.message).to.equal("task 2 failed"),
      );
    });
  });

  it("chunk splits items into runs of the given size, the last one shorter", () => {
    const items = Array.from({ length: 7 }, (_, i) => i);
    expect(chunk(items, 3)).to.deep.equal([[0, 1, 2], [3, 4, 5], [6]]);
    expect(chunk(items, 7)).to.deep.equal([items]);
    expect(chunk([], 25)).to.deep.equal([]);
  });
});

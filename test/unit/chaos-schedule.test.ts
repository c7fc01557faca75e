import { expect } from "chai";
import { chaosSchedule, MINIMUM_PER_KIND, PAUSED_ENGINES, REPAIRS_PER_KIND, THROTTLED_OPERATIONS } from "../../local/chaos/schedule";

const STAGES = ["ingest", "forward", "transform", "load", "projection-a"];
const WINDOW_MS = 20_000;

describe("the chaos run's schedule", () => {
  const seeds = Array.from({ length: 200 }, (_, i) => i + 1);

  it("is the same for the same seed", () => {
    expect(chaosSchedule(42, WINDOW_MS, STAGES, ["projection-a"])).to.deep.equal(chaosSchedule(42, WINDOW_MS, STAGES, ["projection-a"]));
  });

  it("draws the timed faults first: the same ones at the same moments, whatever the projections to backfill", () => {
    for (const seed of seeds.slice(0, 20)) {
      const timed = (backfilled: string[]) => chaosSchedule(seed, WINDOW_MS, STAGES, backfilled).filter((f) => f.kind !== "rebuild" && f.kind !== "backfill");
      expect(timed(["projection-a"])).to.deep.equal(timed([]));
    }
  });

  it("kills each stage, pauses each engine, restarts MariaDB and throttles at least MINIMUM_PER_KIND times, within the window", () => {
    for (const seed of seeds) {
      const faults = chaosSchedule(seed, WINDOW_MS, STAGES, ["projection-a"]);
      const times = (kind: string, target?: string) => faults.filter((f) => f.kind === kind && f.target === target).length;
      for (const stage of STAGES) expect(times("kill", stage)).to.be.within(MINIMUM_PER_KIND, 2 * MINIMUM_PER_KIND);
      for (const engine of PAUSED_ENGINES) expect(times("pause", engine)).to.be.within(MINIMUM_PER_KIND, 2 * MINIMUM_PER_KIND);
      expect(times("restart database")).to.be.within(MINIMUM_PER_KIND, 2 * MINIMUM_PER_KIND);
      for (const operation of THROTTLED_OPERATIONS) expect(times("throttling burst", operation)).to.be.within(MINIMUM_PER_KIND, 2 * MINIMUM_PER_KIND);
      for (const fault of faults.filter((f) => f.loadedShare === undefined)) expect(fault.atMs).to.be.within(0.1 * WINDOW_MS, 0.85 * WINDOW_MS);
    }
  });

  it("starts 1 or 2 rebuilds and 1 or 2 backfills of a projection the dedup table feeds, each at 20% to 80% of the rows loaded", () => {
    const backfillKinds = new Set<string>();
    for (const seed of seeds) {
      const faults = chaosSchedule(seed, WINDOW_MS, STAGES, ["projection-a"]);
      const rebuilds = faults.filter((f) => f.kind === "rebuild");
      const backfills = faults.filter((f) => f.kind === "backfill");
      expect(rebuilds.length).to.be.within(REPAIRS_PER_KIND.min, REPAIRS_PER_KIND.max);
      expect(backfills.length).to.be.within(REPAIRS_PER_KIND.min, REPAIRS_PER_KIND.max);
      for (const fault of [...rebuilds, ...backfills]) expect(fault.loadedShare).to.be.within(0.2, 0.8);
      for (const fault of backfills) expect(fault.target).to.equal("projection-a");
      // Two backfills in a run: one with the archive pass, one without.
      if (backfills.length === 2) expect(backfills.map((f) => f.archive).sort()).to.deep.equal([false, true]);
      for (const fault of backfills) backfillKinds.add(String(fault.archive));
    }
    expect([...backfillKinds].sort()).to.deep.equal(["false", "true"]);
  });

  it("starts no backfill when no projection is fed by the dedup table", () => {
    for (const seed of seeds.slice(0, 20)) expect(chaosSchedule(seed, WINDOW_MS, STAGES, []).filter((f) => f.kind === "backfill")).to.deep.equal([]);
  });
});

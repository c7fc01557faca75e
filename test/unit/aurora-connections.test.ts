import { expect } from "chai";
import * as fc from "fast-check";
import { AURORA_MYSQL_MAX_CONNECTIONS, auroraMySqlMaxConnections, safeLoaderConcurrency } from "../../components/internal/aurora-connections";
import { propertySettings } from "../support/property";

/** A capacity range Serverless v2 accepts: half steps, 0 to 256, the maximum at least 1 and not below the minimum. */
const capacityRange = fc
  .tuple(fc.integer({ min: 0, max: 512 }), fc.integer({ min: 2, max: 512 }))
  .filter(([min, max]) => min <= max)
  .map(([min, max]) => ({ minCapacity: min / 2, maxCapacity: max / 2 }));

describe("Aurora MySQL Serverless v2 connections (components/internal/aurora-connections.ts)", () => {
  it("gives AWS's published max_connections at each published maximum ACU, whatever the minimum", () => {
    // Written out from the AWS page, not read from the table under test.
    const published: [number, number][] = [
      [1, 90],
      [4, 135],
      [8, 1_000],
      [16, 2_000],
      [32, 3_000],
      [64, 4_000],
      [128, 5_000],
    ];
    for (const [maxCapacity, connections] of published) {
      for (const minCapacity of [0, 0.5, 1, maxCapacity])
        expect(auroraMySqlMaxConnections({ minCapacity, maxCapacity }), `${minCapacity}-${maxCapacity}`).to.equal(connections);
    }
    expect(AURORA_MYSQL_MAX_CONNECTIONS).to.deep.equal(published);
  });

  it("plans between the published points, and above 128 ACUs, with the figure of the point below", () => {
    expect(auroraMySqlMaxConnections({ minCapacity: 0.5, maxCapacity: 3.5 })).to.equal(90);
    expect(auroraMySqlMaxConnections({ minCapacity: 0.5, maxCapacity: 4 })).to.equal(135);
    expect(auroraMySqlMaxConnections({ minCapacity: 0.5, maxCapacity: 7.5 })).to.equal(135);
    expect(auroraMySqlMaxConnections({ minCapacity: 2, maxCapacity: 256 })).to.equal(5_000);
  });

  it("never grows when the maximum shrinks, and keeps the loader at half the connections, at least one", () => {
    fc.assert(
      fc.property(capacityRange, capacityRange, (a, b) => {
        const [low, high] = a.maxCapacity <= b.maxCapacity ? [a, b] : [b, a];
        expect(auroraMySqlMaxConnections(low)).to.be.at.most(auroraMySqlMaxConnections(high));
        const loaders = safeLoaderConcurrency(a);
        expect(loaders).to.equal(Math.floor(auroraMySqlMaxConnections(a) / 2));
        expect(loaders).to.be.within(1, auroraMySqlMaxConnections(a) - 1);
      }),
      propertySettings(300),
    );
    // The component's default range, 0.5 to 4 ACUs.
    expect(safeLoaderConcurrency({ minCapacity: 0.5, maxCapacity: 4 })).to.equal(67);
  });

  it("refuses a capacity range Serverless v2 does not take, naming it", () => {
    for (const [minCapacity, maxCapacity] of [
      [0.5, 0.5],
      [2, 1],
      [0.25, 4],
      [0.5, 300],
      [-1, 4],
      [0.5, Number.NaN],
    ]) {
      expect(() => auroraMySqlMaxConnections({ minCapacity, maxCapacity }), `${minCapacity}-${maxCapacity}`).to.throw(
        RangeError,
        `got ${minCapacity} to ${maxCapacity}`,
      );
    }
  });
});

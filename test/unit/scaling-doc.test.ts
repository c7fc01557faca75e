import { expect } from "chai";
import { readFileSync } from "node:fs";
import { SCALING_PAGE, scalingPage } from "../../tools/scaling-doc";

describe("docs/scaling.md", () => {
  const page = readFileSync(SCALING_PAGE, "utf8");

  it("carries the capacity model's numbers as they are now (run `npm run docs:scaling` after changing the model)", () => {
    expect(page === scalingPage(), "docs/scaling.md differs from what the model gives: run `npm run docs:scaling`").to.equal(true);
  });

  it("walks 1,000, 10,000, 100,000 and 1,000,000 events/s, each with the plan's table", () => {
    const steps = [...page.matchAll(/^### ([\d,]+) events\/s$/gm)].map((m) => m[1]);
    expect(steps).to.deep.equal(["1,000", "10,000", "100,000", "1,000,000"]);
    expect(page.match(/^\| stage \| need \| limit \| unit \| headroom \| fix \|$/gm)).to.have.length(4);
  });
});

import { expect } from "chai";
import * as fc from "fast-check";
import { headKeys } from "../../functions/load/head-keys";
import { csvField } from "../../functions/transform/csv";
import { anyString } from "../support/json-values";
import { propertySettings } from "../support/property";

describe("loader head keys (which keys an object starts with, to choose how to load it)", () => {
  it("reads the first field of every whole line, quoted or not, and leaves the cut last line out", () => {
    const head = Buffer.from('k1,a,b\n"k,2",x\n"say ""hi""",y\nk1,again\nk3,cut sh');
    expect(headKeys(head)).to.deep.equal(["k1", "k,2", 'say "hi"']);
    expect(headKeys(Buffer.alloc(0))).to.deep.equal([]);
    expect(headKeys(Buffer.from("no line end"))).to.deep.equal([]);
  });

  it("gives back every key the transform writes, whatever it holds", () => {
    fc.assert(
      fc.property(fc.array(anyString(), { minLength: 1, maxLength: 8 }), (keys) => {
        const written = keys.filter((key) => key !== "" && !/[\r\n]/.test(key));
        const head = Buffer.from(written.map((key) => `${csvField(key)},rest\n`).join(""));
        expect(headKeys(head)).to.deep.equal([...new Set(written)]);
      }),
      propertySettings(300),
    );
  });
});

import { expect } from "chai";
import * as fc from "fast-check";
import { choice, decimal, flag, helpText, hour, list, readCommandLine, text, UsageError, whole, type Command, type Options } from "../../tools/cli-args";
import { runCommand } from "../../tools/cli-run";
import { propertySettings } from "../support/property";

const options = {
  bucket: text({ value: "name", help: "the bucket", required: true }),
  batch: whole({ help: "objects per step", min: 1, max: 1000, default: 20 }),
  share: decimal({ help: "a share", min: 0, max: 1, such: "0.02", default: 0.02 }),
  mode: choice(["s3", "streamed"], { help: "how it loads", default: "s3" }),
  from: hour({ help: "the first hour" }),
  to: hour({ help: "the last hour" }),
  run: text({ value: "name", help: "the run's name", pattern: /^[a-z]+$/, says: "lower-case letters" }),
  config: list({ value: "file", help: "a config file; repeat" }),
  "dry-run": flag({ help: "change nothing" }),
};

const COMMAND: Command<typeof options> = {
  name: "npm run example",
  about: "Does an example's work.",
  options,
  check: ({ from, to }) => (from && to && from > to ? [`--from ${from} is after --to ${to}`] : []),
  exit: { done: "when it worked", failed: "when it did not" },
};

const read = (...argv: string[]) => readCommandLine(COMMAND, argv);
const refusal = (...argv: string[]): string => {
  try {
    read(...argv);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
};

describe("the command-line convention (tools/cli-args.ts)", () => {
  it("reads every kind of option, with its default when absent", () => {
    expect(read("--bucket", "b")).to.deep.equal({
      bucket: "b",
      batch: 20,
      share: 0.02,
      mode: "s3",
      from: undefined,
      to: undefined,
      run: undefined,
      config: [],
      "dry-run": false,
      operands: [],
    });
    expect(
      read(
        "--bucket=b",
        "--batch",
        "7",
        "--share",
        ".5",
        "--mode",
        "streamed",
        "--from",
        "2024-02-29T23",
        "--run",
        "abc",
        "--config",
        "a",
        "--config",
        "b",
        "--dry-run",
      ),
    ).to.deep.include({
      batch: 7,
      share: 0.5,
      mode: "streamed",
      from: "2024-02-29T23",
      run: "abc",
      config: ["a", "b"],
      "dry-run": true,
    });
  });

  it("answers --help and -h before reading anything else", () => {
    expect(read("--help")).to.equal("help");
    expect(read("--batch", "-3", "--nonsense", "-h")).to.equal("help");
  });

  it("names every problem at once, in one line", () => {
    expect(refusal("--batch", "0", "--mode", "s4", "--run", "ABC")).to.equal(
      '--bucket is required; --batch takes a whole number from 1 to 1,000, got "0"; --mode takes s3 or streamed, got "s4"; --run takes lower-case letters, got "ABC"',
    );
  });

  it("calls a negative number out of range, not a missing value nor an ambiguous argument", () => {
    expect(refusal("--bucket", "b", "--batch", "-3")).to.equal('--batch takes a whole number from 1 to 1,000, got "-3"');
    expect(refusal("--bucket", "b", "--share", "-0.5")).to.equal('--share takes a number from 0 to 1, such as 0.02, got "-0.5"');
    expect(refusal("--bucket", "b", "--batch=-3")).to.equal('--batch takes a whole number from 1 to 1,000, got "-3"');
  });

  it("says a flag needs its value when the value is missing or blank, or another flag follows", () => {
    expect(refusal("--bucket")).to.equal("--bucket needs a value");
    expect(refusal("--bucket", "--dry-run")).to.equal("--bucket needs a value");
    expect(refusal("--bucket", " ")).to.equal("--bucket needs a value");
  });

  it("names an unknown option, with the one meant when it is close", () => {
    expect(refusal("--bucket", "b", "--dryrun")).to.equal("unknown option --dryrun (did you mean --dry-run?)");
    expect(refusal("--bucket", "b", "--verbose")).to.equal("unknown option --verbose");
    expect(refusal("--bucket", "b", "-x")).to.equal("unknown option -x");
  });

  it("refuses a bare word, a switch given a value, and a flag given twice", () => {
    expect(refusal("--bucket", "b", "10")).to.equal('unexpected argument "10": every value follows its flag, as in --name value');
    expect(refusal("--bucket", "b", "--dry-run=yes")).to.equal("--dry-run is a switch and takes no value");
    expect(refusal("--bucket", "a", "--bucket", "b")).to.equal("--bucket is given 2 times");
  });

  it("runs the command's own checks between options", () => {
    expect(refusal("--bucket", "b", "--from", "2024-01-02T00", "--to", "2024-01-01T23")).to.equal("--from 2024-01-02T00 is after --to 2024-01-01T23");
  });

  describe("hours", () => {
    const hours = fc
      .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 13));

    it("takes every hour of the calendar", () => {
      fc.assert(
        fc.property(hours, (h) => {
          expect(read("--bucket", "b", "--from", h)).to.include({ from: h });
        }),
        propertySettings(200),
      );
    });

    it("refuses a month, day or hour the calendar does not have", () => {
      for (const h of ["2024-13-01T00", "2024-00-10T00", "2023-02-29T00", "2024-04-31T00", "2024-01-01T24", "2024-1-01T00", "2024-01-01", "2024-01-01T00:00"]) {
        expect(refusal("--bucket", "b", "--from", h)).to.equal(
          `--from takes an hour of the calendar as YYYY-MM-DDTHH (UTC), such as 2026-11-26T09, got "${h}"`,
        );
      }
    });
  });

  describe("whole numbers", () => {
    it("takes every number within the bounds and refuses every one outside, with the same words", () => {
      fc.assert(
        fc.property(fc.integer({ min: -5_000, max: 5_000 }), (n) => {
          if (n >= 1 && n <= 1000) expect(read("--bucket", "b", "--batch", String(n))).to.include({ batch: n });
          else expect(refusal("--bucket", "b", "--batch", String(n))).to.equal(`--batch takes a whole number from 1 to 1,000, got "${n}"`);
        }),
        propertySettings(300),
      );
    });

    it("refuses what is not written as a whole number", () => {
      for (const raw of ["1.5", "1e3", "0x10", "", "ten", "+5"])
        expect(refusal("--bucket", "b", `--batch=${raw}`)).to.equal(`--batch takes a whole number from 1 to 1,000, got "${raw}"`);
    });
  });

  describe("the help", () => {
    const help = helpText(COMMAND);

    it("starts with how to run the command: its required options, then [options]", () => {
      expect(help.split("\n")[0]).to.equal("npm run example -- --bucket <name> [options]");
    });

    it("lists every option with its value, default or being required, and --help", () => {
      expect(help).to.include("\n  --bucket <name>         the bucket; required\n");
      expect(help).to.include("\n  --batch <n>             objects per step (default: 20)\n");
      expect(help).to.include("\n  --mode <s3|streamed>    how it loads (default: s3)\n");
      expect(help).to.include("\n  --dry-run               change nothing\n");
      expect(help).to.include("\n  -h, --help              this text\n");
    });

    it("ends with what each exit status means", () => {
      expect(help.endsWith("\n\nExit status: 0 when it worked; 1 when it did not; 2 for a wrong argument, when nothing was done.")).to.equal(true);
    });

    it("wraps a long description under its own column, within 100 characters", () => {
      const long: Command<Options> = { ...COMMAND, options: { note: text({ help: "word ".repeat(60).trim() }) } };
      const lines = helpText(long).split("\n");
      expect(Math.max(...lines.map((l) => l.length))).to.be.at.most(100);
      const first = lines.findIndex((l) => l.startsWith("  --note <value>"));
      const column = lines[first].indexOf("word");
      expect(lines[first + 1].indexOf("word"), "the next line starts under the first").to.equal(column);
      expect(lines[first + 1].slice(0, column).trim()).to.equal("");
    });
  });

  describe("running a command", () => {
    const outcome = async (argv: string[], work: () => number | Promise<number> = () => 0) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCommand(COMMAND, argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, work);
      return { code, out, err };
    };

    it("prints the help and exits 0 without doing the work", async () => {
      let worked = false;
      const { code, out, err } = await outcome(["--help"], () => ((worked = true), 0));
      expect({ code, worked, err }).to.deep.equal({ code: 0, worked: false, err: [] });
      expect(out).to.deep.equal([helpText(COMMAND)]);
    });

    it("exits 2 with one line that ends with where the help is, also for a usage problem found while working", async () => {
      expect(await outcome(["--batch", "x"])).to.deep.include({
        code: 2,
        err: ['--bucket is required; --batch takes a whole number from 1 to 1,000, got "x"; see npm run example -- --help'],
      });
      const found = await outcome(["--bucket", "b"], () => {
        throw new UsageError("no AWS region: pass --region <region>");
      });
      expect(found).to.deep.include({ code: 2, err: ["no AWS region: pass --region <region>; see npm run example -- --help"] });
    });

    it("exits 1 with one line when the work fails, and with the work's own status otherwise", async () => {
      const failed = await outcome(["--bucket", "b"], () => {
        throw new RangeError("the disk is full\n  while writing");
      });
      expect(failed).to.deep.include({ code: 1, err: ["RangeError: the disk is full while writing"] });
      expect(await outcome(["--bucket", "b"], () => 1)).to.deep.include({ code: 1, err: [] });
      expect(await outcome(["--bucket", "b"])).to.deep.include({ code: 0, err: [] });
    });
  });
});

import { expect } from "chai";
import { START, startOptions } from "../../local/start-args";
import { readCommandLine, UsageError } from "../../tools/cli-args";
import { runEntry } from "../support/command-line";

const parseStartArgs = (argv: string[]) => {
  const values = readCommandLine(START, argv);
  return values === "help" ? values : startOptions(values);
};

const refusal = (argv: string[]): string => {
  try {
    parseStartArgs(argv);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
};

describe("npm start's arguments", () => {
  it("defaults to 3,000 events at 1,000 a second in pull mode", () => {
    expect(parseStartArgs([])).to.deep.equal({
      events: 3_000,
      rate: 1_000,
      malformedShare: 0.02,
      duplicateShare: 0.1,
      mode: "pull",
      keep: false,
      chaos: false,
      noRebuild: false,
      seed: undefined,
    });
  });

  it("reads every flag, in either spelling of a value", () => {
    expect(
      parseStartArgs([
        "--events",
        "100000",
        "--rate=2500",
        "--malformed-share",
        "0.5",
        "--duplicate-share",
        "0",
        "--mode",
        "push",
        "--keep",
        "--chaos",
        "--no-rebuild",
        "--seed",
        "7",
      ]),
    ).to.deep.equal({
      events: 100_000,
      rate: 2_500,
      malformedShare: 0.5,
      duplicateShare: 0,
      mode: "push",
      keep: true,
      chaos: true,
      noRebuild: true,
      seed: 7,
    });
  });

  it("answers --help and -h, whatever else is on the line", () => {
    expect(parseStartArgs(["--help"])).to.equal("help");
    expect(parseStartArgs(["-h"])).to.equal("help");
    expect(parseStartArgs(["--events", "1.5", "--help"])).to.equal("help");
  });

  for (const value of ["1.5", "1e3", "0x10", "-3", "", "ten", "0", "1000001"]) {
    it(`refuses --events "${value}", naming the flag, the range and --help`, () => {
      expect(refusal([`--events=${value}`])).to.equal(`--events takes a whole number from 1 to 1,000,000, got "${value}"`);
    });
  }

  it("takes a seed from 0 to 2^32 - 1", () => {
    expect(refusal(["--seed", "4294967296"])).to.equal('--seed takes a whole number from 0 to 4,294,967,295, got "4294967296"');
    expect(refusal(["--seed", "-1"])).to.equal('--seed takes a whole number from 0 to 4,294,967,295, got "-1"');
  });

  it("takes only whole numbers for --rate", () => {
    expect(refusal(["--rate", "2.5"])).to.equal('--rate takes a whole number from 1 to 100,000, got "2.5"');
  });

  it("takes shares from 0 to 1 and refuses anything else, naming the flag", () => {
    expect(parseStartArgs(["--malformed-share", ".25"])).to.include({ malformedShare: 0.25 });
    for (const value of ["2", "-0.1", "1%", "NaN", "Infinity"]) {
      expect(refusal([`--malformed-share=${value}`])).to.equal(`--malformed-share takes a number from 0 to 1, such as 0.02, got "${value}"`);
    }
  });

  it("names an unknown flag and points to --help", () => {
    expect(refusal(["--event", "10"])).to.equal("unknown option --event (did you mean --events?)");
  });

  it("calls a negative number out of range, however it is written", () => {
    expect(refusal(["--events", "-3"])).to.equal('--events takes a whole number from 1 to 1,000,000, got "-3"');
    expect(refusal(["--duplicate-share", "-0.1"])).to.equal('--duplicate-share takes a number from 0 to 1, such as 0.1, got "-0.1"');
  });

  it("says which flag is missing its value", () => {
    expect(refusal(["--events"])).to.equal("--events needs a value");
    expect(refusal(["--events", "--keep"])).to.equal("--events needs a value");
  });

  it("says a switch takes no value", () => {
    expect(refusal(["--keep=yes"])).to.equal("--keep is a switch and takes no value");
  });

  it("refuses a bare word, saying values follow their flag", () => {
    expect(refusal(["10000"])).to.equal('unexpected argument "10000": every value follows its flag, as in --name value');
  });

  it("takes pull or push for --mode", () => {
    expect(refusal(["--mode", "pool"])).to.equal('--mode takes pull or push, got "pool"');
  });

  describe("the command", function () {
    this.timeout(30_000);

    it("answers --help at once: no engine started, no child process, exit 0", () => {
      const result = runEntry("local/start.ts", ["--help"], { forbidSideEffects: true });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^npm start -- \[options\]\n/);
      expect(result.stdout)
        .to.include("  --events <n>")
        .and.include("Exit status: 0 when every valid event reached MySQL once (with --chaos: the end state is exact);");
      expect(result.stdout).to.include("  --chaos ").and.include("  --seed <n> ");
    });

    it("refuses a wrong argument in one line pointing to --help, exit 2, before starting anything", () => {
      const result = runEntry("local/start.ts", ["--events", "-3"], { forbidSideEffects: true });
      expect(result).to.deep.equal({ status: 2, stdout: "", stderr: '--events takes a whole number from 1 to 1,000,000, got "-3"; see npm start -- --help\n' });
    });
  });
});

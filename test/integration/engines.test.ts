import { expect } from "chai";
import { spawn } from "node:child_process";
import * as path from "node:path";

const PROGRAM = path.join(__dirname, "..", "support", "engines-program.ts");

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("local engines (Why: a MariaDB server outlived a test process stopped with a signal)", function () {
  this.timeout(180_000);

  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    it(`stop by themselves when the process that started them ends by ${signal}, which runs none of its exit handlers`, async () => {
      const child = spawn(process.execPath, ["--require", "tsx/cjs", PROGRAM], { stdio: ["ignore", "pipe", "inherit"] });
      const pids = await new Promise<number[]>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(JSON.parse(out).pids);
        });
        child.once("exit", (code) => reject(new Error(`the engines program exited with ${code} before starting its engines`)));
      });
      expect(pids.every(alive), "both servers run").to.equal(true);
      child.kill(signal);
      // Polls until the servers are gone; the test's own timeout ends it otherwise.
      while (pids.some(alive)) await new Promise((done) => setTimeout(done, 100));
    });
  }
});

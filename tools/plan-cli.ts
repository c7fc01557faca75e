import { parsePlanArgs, planReport, USAGE, UsageError } from "./plan";

try {
  const request = parsePlanArgs(process.argv.slice(2));
  if (request === "help") {
    console.log(USAGE);
  } else {
    const { text, fits } = planReport(request);
    console.log(text);
    process.exitCode = fits ? 0 : 1;
  }
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exitCode = 2;
}

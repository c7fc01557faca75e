// `npm run plan`: the capacity model is loaded only once the arguments are read.
import { runCommand, runMain } from "./cli-run";
import { PLAN, planRequest } from "./plan-args";

runMain((argv, io) =>
  runCommand(PLAN, argv, io, (values) => {
    const request = planRequest(values);
    const { planReport } = require("./plan") as typeof import("./plan");
    const { text, fits } = planReport(request);
    io.out(text);
    return fits ? 0 : 1;
  }),
);

import { performance } from "node:perf_hooks";
import { Validator } from "jsonschema";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../components/internal/web-analytics";
import { createTransformer } from "../functions/transform/core";
import { archiveRecords } from "./archive-records";
import { median } from "./median";
import { benchSize, checkSizes } from "./sizes";
import { printTable } from "./table";

const RECORDS = benchSize("BENCH_TRANSFORM_RECORDS");
/** Rounds of ours against the floor, back to back: the median ratio steadies a figure one run on a shared machine swings by ±20%. */
const ROUNDS = benchSize("BENCH_TRANSFORM_ROUNDS");

type Transform = (data: Buffer) => string | undefined;

const get = (item: Record<string, unknown>, path: string): unknown =>
  path.split(".").reduce<unknown>((value, step) => (value as Record<string, unknown> | undefined)?.[step], item);

/** The DynamoDB-to-Aurora design's way: a new validator for every record, fields joined without quoting, stamped with the transform's clock. */
function seedWay(): Transform {
  return (data) => {
    const record = JSON.parse(data.toString("utf8"));
    const result = new Validator().validate(record.item, WEB_ANALYTICS_SCHEMA);
    if (result.errors.length > 0) return undefined;
    return `${Date.now()},${WEB_ANALYTICS_COLUMNS.map((c) => get(record.item, c.path)).join(",")}\n`;
  };
}

/** The floor: JSON.parse and a plain join, no validation, no quoting. */
function floor(): Transform {
  return (data) => {
    const record = JSON.parse(data.toString("utf8"));
    return `${record.key},${record.change},${record.changedAt},${WEB_ANALYTICS_COLUMNS.map((c) => get(record.item, c.path)).join(",")}\n`;
  };
}

function ours(): Transform {
  const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS);
  return (data) => {
    const result = transform(data);
    return result.ok ? result.line : undefined;
  };
}

function measure(name: string, transform: Transform, records: readonly Buffer[]) {
  for (const data of records.slice(0, 2_000)) transform(data); // warm up the JIT
  let bytes = 0;
  const started = performance.now();
  for (const data of records) {
    const line = transform(data);
    if (line === undefined) throw new Error(`${name} refused a valid record`);
    bytes += line.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { name, seconds, perSecond: records.length / seconds, bytes };
}

/**
 * The transform vs the DynamoDB-to-Aurora design's validator-per-record way (once: it is slow and
 * far behind) vs a parse-and-join floor, ours and the floor in ROUNDS rounds back to back.
 */
export function benchTransform(): void {
  checkSizes("BENCH_TRANSFORM_RECORDS", "BENCH_TRANSFORM_ROUNDS");
  const records = archiveRecords(RECORDS);
  const base = measure("baseline (validator per record)", seedWay(), records);
  const [transform, join] = [ours(), floor()];
  const rounds = Array.from({ length: ROUNDS }, () => [measure("ours (transform)", transform, records), measure("floor (parse + join)", join, records)]);
  const perSecond = (i: number) => median(rounds.map((round) => round[i].perSecond));
  console.log(`## Transform: ${RECORDS} archive records, one after another, in this process (ours and the floor: median of ${ROUNDS} rounds)\n`);
  printTable([
    ["contender", "records/s"],
    [base.name, base.perSecond.toFixed(0)],
    ["ours (transform)", perSecond(0).toFixed(0)],
    ["floor (parse + join)", perSecond(1).toFixed(0)],
  ]);
  const perRound = rounds.map(([mine, bottom]) => mine.perSecond / bottom.perSecond);
  console.log(`\nours/baseline = ${(perSecond(0) / base.perSecond).toFixed(2)}x`);
  console.log(`ours/floor    = ${(perSecond(0) / perSecond(1)).toFixed(2)}x`);
  console.log(`ours/floor round by round: ${perRound.map((r) => r.toFixed(2)).join(", ")} (median ${median(perRound).toFixed(2)}x)`);
}

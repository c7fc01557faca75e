import { performance } from "node:perf_hooks";
import { Validator } from "jsonschema";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../components/internal/web-analytics";
import { createTransformer } from "../functions/transform/core";
import { archiveRecords } from "./archive-records";
import { printTable } from "./table";

const RECORDS = Number(process.env.BENCH_TRANSFORM_RECORDS ?? 100_000);

type Transform = (data: Buffer) => string | undefined;

const get = (item: Record<string, any>, path: string) => path.split(".").reduce((value, step) => value?.[step], item);

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

/** The transform vs the DynamoDB-to-Aurora design's validator-per-record way vs a parse-and-join floor. */
export function benchTransform(): void {
  if (!Number.isInteger(RECORDS) || RECORDS < 1) throw new Error(`BENCH_TRANSFORM_RECORDS must be a positive integer, got "${process.env.BENCH_TRANSFORM_RECORDS}"`);
  const records = archiveRecords(RECORDS);
  const results = [measure("baseline (validator per record)", seedWay(), records), measure("ours (transform)", ours(), records), measure("floor (parse + join)", floor(), records)];
  console.log(`## Transform: ${RECORDS} archive records, one after another, in this process\n`);
  printTable([["contender", "seconds", "records/s"], ...results.map((r) => [r.name, r.seconds.toFixed(2), r.perSecond.toFixed(0)])]);
  const [base, mine, bottom] = results;
  console.log(`\nours/baseline = ${(mine.perSecond / base.perSecond).toFixed(2)}x`);
  console.log(`ours/floor    = ${(mine.perSecond / bottom.perSecond).toFixed(2)}x`);
}

import { type MappingStage } from "./runtime/progress";
import { type RunProgress } from "./run";

const parked = (stage: MappingStage) => (stage.parked > 0 ? `, ${stage.parked} parked` : "");

/** Where every stage stands, in the order records flow; while draining, what the pipeline still waits for. */
export function progressLine(update: RunProgress): string {
  const { pipeline: p } = update;
  if (update.draining && update.loadedRows === update.valid) {
    return `all ${update.valid} rows loaded; waiting for ${update.draining.length ? update.draining.join(", ") : "every stream to be read once more"}`;
  }
  const parts = [
    `produced ${update.produced}/${update.events}`,
    `ingest ${p.ingest.read} read${parked(p.ingest)}`,
    `dedup table ${p.tableItems}`,
    `forwarded ${p.forward.done}${parked(p.forward)}`,
    `Firehose ${p.firehose.buffered} buffered, ${p.firehose.delivered} archived${p.firehose.failed > 0 ? `, ${p.firehose.failed} refused by the transform` : ""}`,
    `MySQL ${update.loadedRows}/${update.valid} rows`,
    ...p.projections.map((projection) => `${projection.name} ${projection.done}/${projection.streamRecords}${parked(projection)}`),
  ];
  return parts.join(" · ");
}

/** Seconds since the run started, right-aligned, so the lines stack up. */
export const stamp = (ms: number) => `${(ms / 1000).toFixed(0).padStart(5)} s  `;

/** Prints a progress line only when it says something the last one did not. */
export function changePrinter(print: (line: string) => void): (update: RunProgress) => void {
  let last = "";
  return (update) => {
    const line = progressLine(update);
    if (line === last) return;
    last = line;
    print(`${stamp(update.elapsedMs)}${line}`);
  };
}

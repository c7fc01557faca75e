import { type LocalPipeline } from "../runtime/pipeline";

/** The functions the dedup table's stream (the clickstream's) feeds; a projection of another table gets no records in a run. */
export function fedByDedupTable(pipeline: LocalPipeline): Set<string> {
  const table = pipeline.outputs.poc.tableName as string;
  return new Set(
    pipeline.mappings
      .progress()
      .filter((m) => m.source === table)
      .map((m) => m.functionName),
  );
}

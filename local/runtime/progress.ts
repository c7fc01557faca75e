import { type MappingProgress } from "./mappings";

/** A stream-reading stage: what its mapping read and handed over, and what its function parked. */
export interface MappingStage {
  /** Records read from the stream. */
  read: number;
  /** Records the function has finished with (written, projected, parked, or sent on failure). */
  done: number;
  /** Records in the batch the function is handling now. */
  inFlight: number;
  /** Distinct records the function parked in its dead-letter bucket. */
  parked: number;
  /** Why the last read failed, while reads keep failing. */
  readError?: string;
}

/** Where every stage of the pipeline stands, from counters the runtime keeps: reading it costs nothing. */
export interface PipelineProgress {
  ingest: MappingStage;
  /** Items in the dedup table: one INSERT record on its stream per new item. */
  tableItems: number;
  /** Records on the dedup table's stream, as far as the furthest of its readers got. */
  tableStreamRecords: number;
  forward: MappingStage;
  firehose: { received: number; buffered: number; delivered: number; failed: number; objects: number };
  /** S3 events for the loader: handled without error, and still running (with their retries). */
  load: { handled: number; inFlight: number };
  /** Each projection, with the records on the stream it reads (the dedup table's, or prod's shared table's) as far as known. */
  projections: (MappingStage & { name: string; streamRecords: number })[];
}

/** Which function plays which part, by name. */
export interface StageFunctions {
  ingest: string;
  forward: string;
  transform: string;
  load: string;
  /** By projection name: its function, its table, whether it indexes items or aggregates them, and the attributes it keys or groups by. */
  projections: Record<string, { functionName: string; table: string; kind: "index" | "aggregate"; keys: string[] }>;
}

/** A function's mappings (a re-created mapping adds one) summed into one stage. */
export function mappingStage(mappings: readonly MappingProgress[], functionName: string, parked: number): MappingStage {
  const mine = mappings.filter((m) => m.functionName === functionName);
  return {
    read: mine.reduce((sum, m) => sum + m.read, 0),
    done: mine.reduce((sum, m) => sum + m.done, 0),
    inFlight: mine.reduce((sum, m) => sum + m.inFlight, 0),
    parked,
    readError: mine.find((m) => m.readError)?.readError,
  };
}

/** What the pipeline is still working on, one phrase per stage in the order records flow, such as "projection by-user (2000 of 2943 table stream records handled)". */
export function pendingWork(progress: PipelineProgress): string[] {
  const pending: string[] = [];
  const stage = (label: string, s: MappingStage, of?: number) => {
    if (s.readError) pending.push(`${label} (cannot read its stream: ${s.readError})`);
    else if (s.inFlight > 0)
      pending.push(`${label} (a batch of ${s.inFlight} records in the function${of !== undefined ? `; ${s.done} of ${of} stream records handled` : ""})`);
    else if (of !== undefined && s.done < of) pending.push(`${label} (${s.done} of ${of} stream records handled)`);
  };
  stage("ingest", progress.ingest);
  stage("forward", progress.forward, progress.tableStreamRecords);
  if (progress.firehose.buffered > 0) pending.push(`Firehose (${progress.firehose.buffered} records in its buffer)`);
  if (progress.load.inFlight > 0) pending.push(`the loader (${progress.load.inFlight} ${progress.load.inFlight === 1 ? "object" : "objects"} being loaded)`);
  for (const projection of progress.projections) stage(`projection ${projection.name}`, projection, projection.streamRecords);
  return pending;
}

/** A number that changes whenever any stage moves (records read, handed over, buffered, written, loaded). */
export function activity(progress: PipelineProgress): number {
  const stages = [progress.ingest, progress.forward, ...progress.projections];
  return (
    stages.reduce((sum, s) => sum + s.read + s.done + s.parked, 0) +
    progress.firehose.received +
    progress.firehose.delivered +
    progress.firehose.failed +
    progress.firehose.objects +
    progress.load.handled
  );
}

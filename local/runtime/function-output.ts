import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";

/**
 * The records each function parked so far, read from their `parked record` log lines as the parked-record alarms
 * read them: each dead-letter object counted once, however often a redelivered batch parks it again.
 */
export class ParkedRecords {
  private readonly objects = new Map<string, Set<string>>();

  /** Takes one line a function wrote. */
  read(functionName: string, line: string): void {
    if (!line.startsWith("{") || !line.includes(LOG_MESSAGES.parkedRecord)) return;
    let entry: { message?: unknown; object?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (entry.message !== LOG_MESSAGES.parkedRecord || typeof entry.object !== "string") return;
    const objects = this.objects.get(functionName) ?? new Set<string>();
    objects.add(entry.object);
    this.objects.set(functionName, objects);
  }

  /** Distinct records a function parked so far. */
  by(functionName: string): number {
    return this.objects.get(functionName)?.size ?? 0;
  }
}

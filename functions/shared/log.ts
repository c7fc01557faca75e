/** The subset of a structured logger (Powertools Logger fits) the function cores write to. */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

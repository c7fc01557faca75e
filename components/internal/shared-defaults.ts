/**
 * The defaults the components share, in one module without Pulumi (tools such as `npm run rebuild`
 * read them without loading it). Each component's own defaults object builds on these.
 */

/** How long the components keep their functions' and Firehose's logs unless told otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** A function on a Kinesis or DynamoDB stream: its mapping and its size; the batch size is each role's own. */
export const streamFunctionDefaults = {
  parallelizationFactor: 1,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: 86_400,
  memorySize: 256,
  timeoutSeconds: 120,
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
} as const;

/** The ingest function, wherever it runs (DedupTable in pull mode, PushIngest). */
export const ingestDefaults = { ...streamFunctionDefaults, batchSize: 300, writeConcurrency: 4, writeMaxAttempts: 8 } as const;

/**
 * The user's settings over a component's defaults, leaving out what the user left unset
 * (undefined or null, as `??` would), as AWS Solutions Constructs' consolidateProps merges
 * defaults with props.
 */
export function withDefaults<T extends object>(defaults: { [K in keyof T]-?: NonNullable<T[K]> }, given: T | undefined): { [K in keyof T]-?: NonNullable<T[K]> } {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined && value !== null) merged[key] = value;
  return merged as { [K in keyof T]-?: NonNullable<T[K]> };
}

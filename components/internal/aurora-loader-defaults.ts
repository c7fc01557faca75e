import { DEFAULT_LOG_RETENTION_DAYS } from "./shared-defaults";

/** The load function's settings (`load`). */
const LOAD = { memorySize: 512, timeoutSeconds: 300, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600, deadLetterExpireAfterDays: 14, logRetentionDays: DEFAULT_LOG_RETENTION_DAYS } as const;

/** AuroraLoader's defaults, in a module of their own so that tools (`npm run rebuild`) read them without loading Pulumi. */
export const auroraLoaderDefaults = {
  database: "clickstream",
  table: "web_analytics",
  manifestTable: "loaded_objects",
  engineVersion: "8.0.mysql_aurora.3.08.2",
  rejectsTable: "rejected_rows",
  minCapacity: 0.5,
  maxCapacity: 4,
  dataApi: false,
  loaderUser: "clickstream_loader",
  instanceClass: "db.serverless",
  backupRetentionDays: 7,
  loadMode: "s3",
  /** The load function's settings, also flat (as before `load`) for programs that read them there. */
  ...LOAD,
  load: LOAD,
} as const;

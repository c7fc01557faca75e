import { DEFAULT_LOG_RETENTION_DAYS } from "./shared-defaults";

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
  memorySize: 512,
  timeoutSeconds: 300,
  maximumRetryAttempts: 2,
  maximumEventAgeInSeconds: 21_600,
  deadLetterExpireAfterDays: 14,
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  /** The load function's settings (`load`); the flat fields above are the same values, kept for programs that read them. */
  load: { memorySize: 512, timeoutSeconds: 300, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600, deadLetterExpireAfterDays: 14, logRetentionDays: DEFAULT_LOG_RETENTION_DAYS },
} as const;

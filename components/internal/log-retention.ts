/** How long the components keep their functions' and Firehose's logs unless told otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

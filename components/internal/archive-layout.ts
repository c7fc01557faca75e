/** Where valid rows land, as CSV: `processed/YYYY/MM/DD/HH/`. */
export const PROCESSED_PREFIX = "processed/";
/** Where records the transform refused land, in Firehose's error format: `failed/processing-failed/YYYY/MM/DD/HH/`. */
export const ERROR_PREFIX = "failed/";
/** Where the untransformed source records land, when kept: `source/YYYY/MM/DD/HH/`. */
export const SOURCE_PREFIX = "source/";

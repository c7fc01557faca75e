/**
 * The public surface of the `stream-replication` component package: the six components, their
 * `Args` and settings types, their defaults, and the few building blocks a program composing them
 * needs. Everything else lives under `components/internal/` and `components/settings/` and may
 * change without notice.
 *
 * @packageDocumentation
 */

export {
  CrossAccountStreamSource,
  crossAccountStreamSourceDefaults,
  FAN_OUT_LAG_METRIC,
  PRODUCER_THROTTLING_METRICS,
  StreamViewType,
  type CrossAccountStreamSourceArgs,
  type CrossAccountStreamSourceDeployment,
  type CrossAccountStreamSourceOverrides,
  type SharedTableSettings,
  type StreamSettings,
} from "./cross-account-stream-source";
export {
  AccessMode,
  BillingMode,
  DedupStreamViewType,
  DedupTable,
  dedupTableDefaults,
  IndexProjectionType,
  KeyAttributeType,
  type DedupTableArgs,
  type DedupTableDeployment,
  type DedupTableOverrides,
  type DedupTableSettings,
  type GlobalSecondaryIndexArgs,
  type ProvisionedCapacityArgs,
  type PullAccessArgs,
  type PushAccessArgs,
} from "./dedup-table";
export { PushIngest, pushIngestDefaults, type PushIngestArgs, type WriterTarget } from "./push-ingest";
export {
  Compression,
  FirehoseArchive,
  firehoseArchiveDefaults,
  RemoveMode,
  type AccessLogSettings,
  type ArchiveBucketSettings,
  type DeliveryResources,
  type DeliverySettings,
  type FirehoseArchiveArgs,
  type FirehoseArchiveDeployment,
  type ForwardSettings,
  type TransformSettings,
} from "./firehose-archive";
export {
  GroupByPeriod,
  ProjectionKind,
  projectionSettings,
  StreamProjection,
  streamProjectionDefaults,
  type GroupByAttribute,
  type ProjectionSettings,
  type ProjectionSum,
  type ProjectionTableSettings,
  type ProjectionArchiveSettings,
  type StreamProjectionArgs,
  type StreamProjectionOverrides,
} from "./stream-projection";
export { type AggregateSpec, type GroupBy, type IndexSpec, type ProjectionSpec } from "../functions/project/spec";
export { type ArchiveColumn } from "../functions/transform/core";
/** The archive's default schema, columns and column types (the DynamoDB-to-Aurora design's web analytics), to extend from a program. */
export { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "./internal/web-analytics";
export {
  AuroraLoader,
  auroraLoaderDefaults,
  LoadMode,
  type AuroraLoaderArgs,
  type AuroraLoaderDeployment,
  type AuroraLoaderOverrides,
  type DatabaseSettings,
  type LoaderNetworkArgs,
  type LoaderSettings,
} from "./aurora-loader";

// Settings and child resources shared by several components.
export {
  commonDefaults,
  ingestDefaults,
  itemExpiryDefaults,
  streamFunctionDefaults,
  type CommonArgs,
  type IngestSettings,
  type ItemExpirySettings,
  type LiveChangeArgs,
  type MonitoringArgs,
  type StreamFunctionSettings,
  type TableStreamDeployment,
} from "./settings/shared";
export { type FunctionResources } from "./internal/bundled-function";
export { MAPPING_DISCARD_METRICS, type StreamFunctionResources } from "./internal/stream-function";
export { type DatabaseResources } from "./internal/aurora-cluster";

// Building blocks for programs that compose the components with resources of their own.
export { dataResourceOptions } from "./internal/protection";
export { policyDocument, type PolicyStatement, type Statements } from "./internal/iam";
export { validate, type Check } from "./internal/validation";
export { type ArnKind, type SettingsCheck } from "./settings/check";
export { DYNAMODB_STREAM_MAX_READERS } from "./internal/aws-rules";
export { COMPONENT_PACKAGE } from "./internal/package";
export { type ArchiveSchemaVersion } from "./internal/schema-history";

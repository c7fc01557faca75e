import { LAMBDA_CONCURRENCY } from "./aws-rules";

/**
 * How many connections an Aurora MySQL Serverless v2 instance takes, and how many loaders may
 * therefore run at once. Pure, no Pulumi: the components and the capacity model both read it.
 *
 * "Aurora Serverless v2 DB instances hold the max_connections parameter constant so that
 * connections aren't dropped when the DB instance scales down ... When Aurora Serverless v2
 * evaluates the formula, it uses the memory size based on the maximum Aurora capacity units (ACUs)
 * for the DB instance, not the current ACU value." The default max_connections on Aurora MySQL, by
 * maximum ACUs: 1 → 90, 4 → 135, 8 → 1,000, 16 → 2,000, 32 → 3,000, 64 → 4,000, 128 → 5,000. The
 * cap of 2,000 at a minimum capacity of 0.5 ACUs applies to Aurora PostgreSQL only; on Aurora MySQL
 * the minimum capacity does not change max_connections.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections
 */
export const AURORA_MYSQL_MAX_CONNECTIONS_PAGE =
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections";

/** The published points, [maximum ACUs, default max_connections], ascending. */
export const AURORA_MYSQL_MAX_CONNECTIONS: readonly (readonly [number, number])[] = [
  [1, 90],
  [4, 135],
  [8, 1_000],
  [16, 2_000],
  [32, 3_000],
  [64, 4_000],
  [128, 5_000],
];

/** Serverless v2 capacity settings: 0 (with auto-pause) or 0.5 to 256 ACUs in half steps; the maximum at least 1 (same page, "Choosing the maximum ... capacity setting"). */
export interface ServerlessCapacity {
  minCapacity: number;
  maxCapacity: number;
}

/** Whether a capacity range is one Aurora Serverless v2 accepts, so it has a connection count. */
export function isServerlessCapacity(capacity: ServerlessCapacity): boolean {
  const { minCapacity, maxCapacity } = capacity;
  const halfSteps = (value: number) => typeof value === "number" && Number.isFinite(value) && Number.isInteger(value * 2);
  return halfSteps(minCapacity) && halfSteps(maxCapacity) && minCapacity >= 0 && maxCapacity >= 1 && maxCapacity <= 256 && minCapacity <= maxCapacity;
}

/** The fraction of the connections the loader may hold; the rest stays for `npm run rebuild`, the setup function, people and other clients. */
export const LOADER_CONNECTION_SHARE = 0.5;

/**
 * The default max_connections of an Aurora MySQL Serverless v2 instance with this capacity range:
 * the published value at the largest published maximum not above `maxCapacity` (between the
 * points, and above 128 ACUs, AWS publishes no figure; a lower one is never wrong to plan with).
 */
export function auroraMySqlMaxConnections(capacity: ServerlessCapacity): number {
  const { minCapacity, maxCapacity } = capacity;
  if (!isServerlessCapacity(capacity)) {
    throw new RangeError(
      `an Aurora Serverless v2 capacity range is 0 to 256 ACUs in half steps, with a maximum of at least 1 and not below the minimum: got ${minCapacity} to ${maxCapacity}`,
    );
  }
  let connections = AURORA_MYSQL_MAX_CONNECTIONS[0][1];
  for (const [acus, max] of AURORA_MYSQL_MAX_CONNECTIONS) if (acus <= maxCapacity) connections = max;
  return connections;
}

/**
 * How many loader invocations may run at once (the loader's reserved concurrency): each holds one
 * connection, kept across invocations, so at most LOADER_CONNECTION_SHARE of the instance's
 * connections, and at least 1.
 */
export function safeLoaderConcurrency(capacity: ServerlessCapacity): number {
  return Math.max(1, Math.floor(auroraMySqlMaxConnections(capacity) * LOADER_CONNECTION_SHARE));
}

/**
 * The loader's reserved concurrency unless given: its share of the connections, but at most a
 * tenth of Lambda's default account concurrency. The reservation is taken from the account's pool
 * whether loads run or not, and half the connections of a large cluster (1,000 at 16 ACUs) is more
 * than an account with the default quota can reserve at all.
 */
export function defaultLoaderConcurrency(capacity: ServerlessCapacity): number {
  return Math.min(safeLoaderConcurrency(capacity), LAMBDA_CONCURRENCY.defaultQuota / 10);
}

/** The least published maximum capacity whose loaders' share of the connections carries `loaders` at once, or undefined when none does. */
export function maxCapacityForLoaders(loaders: number): number | undefined {
  return AURORA_MYSQL_MAX_CONNECTIONS.find(([, connections]) => Math.floor(connections * LOADER_CONNECTION_SHARE) >= loaders)?.[0];
}

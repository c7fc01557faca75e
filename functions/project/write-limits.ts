/**
 * How the projection function spreads its writes, in a module of its own so that the capacity
 * model reads the same numbers without loading the SDK.
 */

/**
 * TransactWriteItems takes up to 100 actions whose items add up to at most 4 MB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
export const TRANSACTION_LIMITS = { actions: 100, bytes: 4 * 1024 * 1024 } as const;

/** An aggregate's transactions of one batch in flight at once, when they share no group. */
export const TRANSACTIONS_IN_FLIGHT = 4;

/**
 * Index writes in flight at once. Each is its own conditional PutItem or DeleteItem: the index's
 * writes need no atomicity across keys, and a transaction would cost twice the write units
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling).
 */
export const INDEX_WRITE_CONCURRENCY = 16;

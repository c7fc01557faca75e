/**
 * The dedup table's key schema (from the cross-account replication design), shared by the DedupTable component that creates the
 * table, the ingest function that writes it and the archive that reads its keys: the hash key is
 * the sequence number's characters at -3 and -2, "_" and the shard id; the range key is the
 * sequence number. Both are strings.
 */
export const HASH_KEY = "seqNumbershardIdHash";
export const RANGE_KEY = "sequenceNumber";

/**
 * The dedup table's TTL attribute: epoch seconds after which DynamoDB may delete the item, written by
 * the ingest function from the record's arrival in Kinesis, once no redelivery can bring it again.
 */
export const EXPIRES_AT = "dedupExpiresAt";

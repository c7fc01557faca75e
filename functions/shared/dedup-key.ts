/**
 * The dedup table's key schema (from the cross-account replication design), shared by the DedupTable component that creates the
 * table, the ingest function that writes it and the archive that reads its keys: the hash key is
 * the sequence number's characters at -3 and -2, "_" and the shard id; the range key is the
 * sequence number. Both are strings.
 */
export const HASH_KEY = "seqNumbershardIdHash";
export const RANGE_KEY = "sequenceNumber";

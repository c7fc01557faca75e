/** The package token every component type of this project starts with (`stream-replication:index:DedupTable`). */
export const COMPONENT_PACKAGE = "stream-replication";

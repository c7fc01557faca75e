/**
 * The archive's schema versions, as objects carry them in their keys. Columns are only ever added
 * at the end of a row, so every version's columns are the first columns of the newest one, and a
 * version is known by how many CSV columns its rows have.
 *
 * Version 1 is written under the bare prefix (`processed/YYYY/MM/DD/HH/`, as before versions
 * existed); version n > 1 under `processed/v<n>/YYYY/MM/DD/HH/`. The Firehose prefix is configuration
 * (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html), so the component that deploys
 * a version also puts its number into the key of every object written with it.
 */

/** The key segment after the processed prefix for a schema version: none for version 1. */
export function versionSegment(version: number): string {
  return version === 1 ? "" : `v${version}/`;
}

/** The schema version an object was written with, from its key: 1 when the key has no `v<n>/` segment. */
export function schemaVersionOfKey(key: string, prefix: string): number {
  const match = /^v(\d{1,6})\//.exec(key.startsWith(prefix) ? key.slice(prefix.length) : key);
  return match ? Number(match[1]) : 1;
}

/** The hour an object's rows arrived in (`YYYY-MM-DDTHH`), from its key, or undefined for a key of another shape. */
export function hourOfKey(key: string, prefix: string): string | undefined {
  const rest = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  const match = /^(?:v\d{1,6}\/)?(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//.exec(rest);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}` : undefined;
}

/**
 * How many leading columns every line of an object of this version has. Around a deployment that
 * adds columns, Firehose may still write lines of the previous version under the new version's
 * prefix (the transform and the prefix are two resources, updated one after the other, and records
 * wait in Firehose's buffer in between), so an object of version n may hold lines of version n - 1:
 * its columns beyond version n - 1's are optional, and a line without them gets NULL.
 *
 * `versionColumns[i]` is version i + 1's CSV column count.
 */
export function requiredColumns(versionColumns: readonly number[], version: number): number {
  return versionColumns[Math.max(0, version - 2)];
}

/** The object was written with a schema version newer than this loader knows: it is retried, never refused. */
export class NewerSchemaVersion extends Error {}

import { groupByName, type ProjectionSpec } from "../../functions/project/spec";
import { EXPIRES_AT as DEDUP_EXPIRES_AT, HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";
import { type SqlType } from "../../functions/shared/sql-columns";
import { columnSqlTypes, FIXED_COLUMNS, type ArchiveColumn } from "../../functions/transform/core";
import { jsonTypes, schemaAt } from "../internal/schema-columns";
import { type ArchiveSchemaVersion } from "../internal/schema-history";

/**
 * What the archive of a projected table holds (FirehoseArchive's `schema`, `columns`,
 * `columnTypes` and `schemaHistory`): what `npm run backfill` rebuilds the items the table has let
 * expire from.
 */
export interface ProjectionArchiveSettings {
  /** The archive's JSON Schema: the type it gives an item's attribute is the type the attribute is rebuilt with. */
  // `any` is what Pulumi's schema calls Any: another language passes a JSON object here.
  schema: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The archive's CSV columns after the four fixed ones, in file order. */
  columns: ArchiveColumn[];
  /** The SQL type of each typed column; the others are TEXT. Default: none, every column TEXT. */
  columnTypes?: Record<string, string>;
  /** The archive's schema versions, oldest first (FirehoseArchive's `schemaHistory` output). Default: one version. */
  schemaHistory?: ArchiveSchemaVersion[];
}

/**
 * How a CSV field gives back the attribute the table's item held (docs/value-contract.md says what
 * the transform writes for each kind of value):
 * - `string`: the field is the string; `number`: the number's text (an N);
 * - `boolean-word`: `true`/`false` (a text column); `boolean-bit`: `1`/`0` (a BOOLEAN column);
 * - `json`: the value as JSON (a JSON column), exactly;
 * - `untyped`: a text column the schema gives no type: the string, unless the text reads as a
 *   number, `true`, `false` or JSON, which the item may have held as a string or as that value;
 * - `rewritten`: a DATETIME column, which holds MySQL's form of the time, not the text the item held.
 */
export type Reading = "string" | "number" | "boolean-word" | "boolean-bit" | "json" | "untyped" | "rewritten";

/** A top-level attribute of the table's items that an archive column holds. */
export interface ArchiveAttribute {
  name: string;
  column: string;
  /** The field's index in a row, the four fixed columns included. */
  field: number;
  reading: Reading;
  /** The schema version that added the column: rows of objects written before lack it. */
  since: number;
}

/** Attributes the ingest function writes itself, whatever the archive's schema says: their types are its own. */
const INGEST_READINGS: Record<string, Reading> = { approximateArrivalTimestamp: "number", [DEDUP_EXPIRES_AT]: "number", shardId: "string" };
/** The dedup table's key attributes: every row's dedup key holds them. */
export const KEY_ATTRIBUTES: readonly string[] = [HASH_KEY, RANGE_KEY];

function readingOf(type: SqlType, schema: Record<string, unknown> | undefined): Reading {
  switch (type.kind) {
    case "integer":
    case "decimal":
    case "double":
      return "number";
    case "boolean":
      return "boolean-bit";
    case "date":
    case "varchar":
      return "string";
    case "datetime":
      return "rewritten";
    case "json":
      return "json";
    case "text": {
      const types = schema && jsonTypes(schema);
      if (!types || types.length === 0) return "untyped";
      if (types.every((t) => t === "string")) return "string";
      if (types.every((t) => t === "integer" || t === "number")) return "number";
      if (types.every((t) => t === "boolean")) return "boolean-word";
      return "untyped";
    }
  }
}

/**
 * The top-level attributes of the table's items that the archive's columns hold, by name, and how
 * each field gives the attribute back. A column of a nested path (`device.location.country`) holds
 * part of an attribute, not one: it is left out, as are the dedup table's key attributes, which
 * every row's dedup key holds.
 */
export function archiveAttributes(archive: ProjectionArchiveSettings): Map<string, ArchiveAttribute> {
  const types = columnSqlTypes(archive.columns, archive.columnTypes ?? {});
  const attributes = new Map<string, ArchiveAttribute>();
  archive.columns.forEach((column, i) => {
    if (column.path.includes(".") || attributes.has(column.path) || KEY_ATTRIBUTES.includes(column.path)) return;
    const since = archive.schemaHistory?.find((version) => version.columns.includes(column.name))?.version ?? 1;
    const reading = INGEST_READINGS[column.path] ?? readingOf(types[i], schemaAt(archive.schema, column.path));
    attributes.set(column.path, { name: column.path, column: column.name, field: FIXED_COLUMNS.length + i, reading, since });
  });
  return attributes;
}

/** An attribute a projection reads, and the argument that names it (`projection.groupBy page_id`). */
export interface NeededAttribute {
  name: string;
  argument: string;
}

/**
 * The attributes a projection reads from an item: an aggregate's group-by and summed attributes,
 * an index's keys and copied attributes. An index without `attributes` copies every attribute, so
 * of an item rebuilt from the archive it reads every one the archive holds (`held`).
 */
export function neededAttributes(spec: ProjectionSpec, held: ReadonlyMap<string, ArchiveAttribute>): NeededAttribute[] {
  const needed: NeededAttribute[] = [];
  const add = (name: string, argument: string) => needed.some((a) => a.name === name) || needed.push({ name, argument });
  if (spec.kind === "aggregate") {
    for (const entry of spec.groupBy) add(typeof entry === "string" ? entry : entry.attribute, `projection.groupBy ${groupByName(entry)}`);
    for (const sum of spec.sums ?? []) add(sum.attribute, `projection.sums ${sum.name}`);
    return needed;
  }
  add(spec.hashKey, "projection.hashKey");
  if (spec.rangeKey) add(spec.rangeKey, "projection.rangeKey");
  for (const name of spec.attributes ?? held.keys()) add(name, spec.attributes ? "projection.attributes" : "the index's copy of every attribute");
  return needed;
}

/**
 * What a backfill from the archive could not give the projection, one message each, naming the
 * argument, the attribute, the column and what the projection would miss: an attribute no column
 * holds, one whose type the archive cannot tell, one in a column added after the first schema
 * version, and an index that copies every attribute when the archive holds only some.
 */
export function archiveGaps(spec: ProjectionSpec, archive: ProjectionArchiveSettings): string[] {
  const held = archiveAttributes(archive);
  const missed = spec.kind === "aggregate" ? "those items are missing from its counts and sums" : "those items are missing from the index";
  const gaps: string[] = [];
  for (const { name, argument } of neededAttributes(spec, held)) {
    if (KEY_ATTRIBUTES.includes(name)) continue;
    const attribute = held.get(name);
    const about = `${argument} reads ${name}`;
    if (!attribute) {
      gaps.push(
        `${about}, which no column of the archive holds (a column whose path is "${name}"): a backfill from the archive parks the rows of every item the table has let expire, so ${missed}`,
      );
      continue;
    }
    if (attribute.reading === "untyped") {
      gaps.push(
        `${about}, which the archive's schema gives no type (column ${attribute.column}): a CSV field cannot tell the string "42" from the number 42, so a backfill from the archive parks the rows of expired items whose ${name} reads as a number, true, false or JSON, and ${missed}; give item.${name} a "type" in the schema`,
      );
    }
    if (attribute.reading === "rewritten") {
      gaps.push(
        `${about}, whose column ${attribute.column} holds MySQL's form of the time, not the text the item held: a backfill from the archive parks the rows of expired items that have one, so ${missed}; archive ${name} in a TEXT column too`,
      );
    }
    if (attribute.since > 1) {
      gaps.push(
        `${about}, whose column ${attribute.column} came with schema version ${attribute.since}: rows written before lack it, and a backfill from the archive parks those of expired items, so ${missed}`,
      );
    }
  }
  if (spec.kind === "index" && spec.attributes === undefined) {
    const names = [...KEY_ATTRIBUTES, ...held.keys()];
    gaps.push(
      `the index copies every attribute (projection.attributes is not set), but the archive holds only ${names.join(", ")}: the index items a backfill from the archive writes for items the table has let expire hold only those; name the attributes to copy in projection.attributes`,
    );
  }
  return gaps;
}

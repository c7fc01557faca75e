import { MAX_VARCHAR, parseSqlType, TEXT_COLUMN, type SqlType } from "../../functions/shared/sql-columns";

/** One schema version of the archive, as deployed: what its rows hold after the four fixed columns. */
export interface ArchiveSchemaVersion {
  /** 1, 2, …: the number in the keys of the objects written with it (`processed/v<n>/…`; none for 1). */
  version: number;
  /** Column names after `dedup_key`, `change`, `changed_at`, `stream_sequence`, in file order. */
  columns: string[];
  /** SQL types of the typed columns (the others are TEXT). */
  columnTypes: Record<string, string>;
}

export interface NextSchema {
  /** The history with the current columns: unchanged, or with a new version at the end. */
  history: ArchiveSchemaVersion[];
  /** The version objects are written with from now on. */
  version: number;
  /** Why the current columns cannot follow the history, each naming the column; empty when they can. */
  problems: string[];
}

/** utf8mb4 takes up to 4 bytes a character; a VARCHAR of at most 255 bytes stores its length in one byte, a longer one in two. */
const lengthBytes = (chars: number) => (chars * 4 <= 255 ? 1 : 2);

/** How many decimal digits an integer type's largest value has. */
const integerDigits = (type: Extract<SqlType, { kind: "integer" }>) => String(type.max).length;

/**
 * What changing a column's type from one SQL type to another does to a table that holds rows:
 * `same`; `in-place` (MySQL changes only the table's metadata: a VARCHAR made longer while its
 * length takes the same bytes, https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html#online-ddl-column-operations);
 * `copy` (every value fits the new type, but MySQL copies the whole table to change it, with loads
 * blocked meanwhile: "Changing the column data type … only supported with ALGORITHM=COPY", same page);
 * `lossy` (some value of the old type does not fit the new one).
 */
export function typeChange(from: SqlType, to: SqlType): "same" | "in-place" | "copy" | "lossy" {
  // The same type, however it is spelled: every field but the name equal (integer bounds are bigints).
  const fields = ({ name: _, ...rest }: SqlType) => JSON.stringify(rest, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
  if (fields(from) === fields(to)) return "same";
  if (from.kind === "varchar" && to.kind === "varchar") {
    if (to.maxChars < from.maxChars) return "lossy";
    return lengthBytes(from.maxChars) === lengthBytes(to.maxChars) ? "in-place" : "copy";
  }
  const holds = (() => {
    if (from.kind === "integer" && to.kind === "integer") return to.min <= from.min && to.max >= from.max;
    if (from.kind === "integer" && to.kind === "decimal") return to.precision - to.scale >= integerDigits(from);
    if (from.kind === "decimal" && to.kind === "decimal") return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
    if (from.kind === "varchar" && to.kind === "text") return to.maxBytes >= from.maxChars * 4;
    if (from.kind === "text" && to.kind === "text") return to.maxBytes >= from.maxBytes;
    if (from.kind === "datetime" && to.kind === "datetime") return to.fsp >= from.fsp;
    return false;
  })();
  return holds ? "copy" : "lossy";
}

const typeOf = (types: Record<string, string>, column: string): SqlType => {
  const parsed = types[column] === undefined ? TEXT_COLUMN : parseSqlType(types[column]);
  return typeof parsed === "string" ? TEXT_COLUMN : parsed;
};

/** Problems with a history given as input (the last deployment's `schemaHistory`), before it is compared with anything. */
function historyProblems(history: readonly ArchiveSchemaVersion[]): string[] {
  return history.flatMap((entry, i) => {
    const ok =
      entry &&
      entry.version === i + 1 &&
      Array.isArray(entry.columns) &&
      entry.columns.every((c) => typeof c === "string") &&
      entry.columnTypes &&
      typeof entry.columnTypes === "object";
    return ok
      ? []
      : [
          `schemaHistory[${i}] must be {version: ${i + 1}, columns: [names], columnTypes: {…}} (the component's schemaHistory output, unchanged), got ${JSON.stringify(entry)}`,
        ];
  });
}

/**
 * Compares the columns about to be deployed with the last deployed schema version. Columns may be
 * added at the end, and a VARCHAR made longer where MySQL does it in place: that is a new version.
 * Anything else would leave objects already written, or rows already in MySQL, with columns that
 * no longer mean what they did, so it is refused, naming the column and saying what to do instead:
 * a column removed or renamed (objects written before hold it), columns that changed places, a
 * type that would lose data, or one MySQL could only change by copying the table.
 */
export function nextSchema(history: readonly ArchiveSchemaVersion[] | undefined, columns: readonly string[], columnTypes: Record<string, string>): NextSchema {
  const current = (version: number): ArchiveSchemaVersion => ({ version, columns: [...columns], columnTypes: { ...columnTypes } });
  if (!history || history.length === 0) return { history: [current(1)], version: 1, problems: [] };
  const problems = historyProblems(history);
  if (problems.length > 0) return { history: [...history], version: history.length, problems };
  const last = history[history.length - 1];

  const removed = last.columns.filter((name) => !columns.includes(name));
  for (const name of removed) {
    const replacement = columns[last.columns.indexOf(name)];
    const renamed = replacement !== undefined && !last.columns.includes(replacement) ? ` (renamed to ${replacement}?)` : "";
    problems.push(
      `column ${name} was removed${renamed}: objects written since version ${history.find((v) => v.columns.includes(name))!.version} hold it and MySQL keeps it, so columns cannot be removed or renamed. ` +
        `Keep ${name} (a path that no longer matches anything leaves it NULL) and add new columns at the end`,
    );
  }
  const kept = columns.slice(0, last.columns.length);
  if (removed.length === 0 && kept.some((name, i) => name !== last.columns[i])) {
    const moved = last.columns.filter((name, i) => kept[i] !== name);
    problems.push(
      `columns ${moved.join(", ")} changed places: every column keeps its place in the row, as objects already written have it there; add new columns at the end`,
    );
  }
  let widened = false;
  for (const name of last.columns.filter((c) => columns.includes(c))) {
    const [from, to] = [typeOf(last.columnTypes, name), typeOf(columnTypes, name)];
    const change = typeChange(from, to);
    if (change === "in-place") widened = true;
    else if (change === "lossy")
      problems.push(
        `column ${name}: changing its type from ${from.name} to ${to.name} would lose data, as ${to.name} cannot hold every value ${from.name} holds; add a column of the new type at the end instead`,
      );
    else if (change === "copy") {
      const hint =
        from.kind === "varchar" && to.kind === "varchar" ? ` (a VARCHAR stays in place within 1 to 63 or within 64 to ${MAX_VARCHAR} characters)` : "";
      problems.push(
        `column ${name}: changing its type from ${from.name} to ${to.name} loses nothing, but MySQL would copy the whole table to do it, blocking every load until it is done${hint}; add a column of the new type at the end instead`,
      );
    }
  }
  if (problems.length > 0) return { history: [...history], version: last.version, problems };
  if (columns.length === last.columns.length && !widened) return { history: [...history], version: last.version, problems: [] };
  return { history: [...history, current(last.version + 1)], version: last.version + 1, problems: [] };
}

/** Whether a value has the shape of a schema history (FirehoseArchive's `schemaHistory` output), as a caller without types may pass anything. */
export function isSchemaHistory(value: unknown): value is ArchiveSchemaVersion[] {
  return (
    Array.isArray(value) &&
    value.every(
      (v) =>
        typeof v === "object" &&
        v !== null &&
        Number.isInteger(v.version) &&
        Array.isArray(v.columns) &&
        v.columns.every((c: unknown) => typeof c === "string") &&
        typeof v.columnTypes === "object" &&
        v.columnTypes !== null,
    )
  );
}

import { type SqlType } from "../../functions/shared/sql-columns";

type Schema = Record<string, unknown>;

/** The subschema that describes the value at a dotted path of the item, through `properties`; undefined where the schema does not say. */
export function schemaAt(schema: Schema, path: string): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const step of path.split(".")) {
    const properties: unknown = current?.properties;
    if (!properties || typeof properties !== "object" || !Object.prototype.hasOwnProperty.call(properties, step)) return undefined;
    current = (properties as Record<string, Schema>)[step];
  }
  return current;
}

/** The JSON types a subschema allows (null aside: every column is nullable), or undefined when it names none. */
export function jsonTypes(schema: Schema): string[] | undefined {
  const type = schema.type;
  const types = typeof type === "string" ? [type] : Array.isArray(type) ? type : undefined;
  return types?.filter((t) => t !== "null");
}

const bound = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/**
 * Why the schema lets through a value the column cannot hold, or undefined when every value the
 * schema accepts at `path` fits. Integer and decimal columns need the schema's minimum and maximum
 * inside the column's range, VARCHAR(n) a string with maxLength ≤ n, the other typed columns a
 * matching JSON type; text columns take anything, and a maxLength they are given must fit.
 */
export function schemaColumnProblem(schema: Schema, path: string, type: SqlType): string | undefined {
  const at = schemaAt(schema, path);
  const types = at && jsonTypes(at);
  const expect = (allowed: string[], what: string) =>
    !types || types.length === 0 || types.some((t) => !allowed.includes(t))
      ? `the schema must give item.${path} the type ${what}${types ? `, not ${types.join(" or ")}` : ""}`
      : undefined;
  switch (type.kind) {
    case "text": {
      const maxLength = at && bound(at.maxLength);
      // A character is at most 4 bytes of UTF-8.
      return maxLength !== undefined && maxLength * 4 > type.maxBytes
        ? `the schema lets item.${path} be ${maxLength} characters, up to ${maxLength * 4} bytes; ${type.name} holds ${type.maxBytes} bytes (maxLength ≤ ${Math.floor(type.maxBytes / 4)}, or MEDIUMTEXT)`
        : undefined;
    }
    case "json":
      return undefined;
    case "varchar": {
      const wrong = expect(["string"], "string");
      if (wrong) return wrong;
      const maxLength = bound(at!.maxLength);
      return maxLength === undefined || maxLength > type.maxChars
        ? `the schema must bound item.${path} with maxLength ≤ ${type.maxChars} (${type.name}), got ${maxLength ?? "none"}`
        : undefined;
    }
    case "boolean":
      return expect(["boolean"], "boolean");
    case "date":
    case "datetime":
      return expect(["string"], "string");
    case "double":
      return expect(["number", "integer"], "number or integer");
    case "integer":
    case "decimal": {
      const wrong = type.kind === "integer" ? expect(["integer"], "integer") : expect(["number", "integer"], "number or integer");
      if (wrong) return wrong;
      const low = bound(at!.minimum) ?? bound(at!.exclusiveMinimum);
      const high = bound(at!.maximum) ?? bound(at!.exclusiveMaximum);
      const [min, max] =
        type.kind === "integer" ? [Number(type.min), Number(type.max)] : [-(10 ** (type.precision - type.scale)), 10 ** (type.precision - type.scale)];
      const range = type.kind === "integer" ? `${type.min}..${type.max}` : `±${max} (exclusive)`;
      if (low === undefined || high === undefined) return `the schema must bound item.${path} with minimum and maximum within ${type.name}'s range ${range}`;
      const outside = type.kind === "integer" ? low < min || high > max : low <= min || high >= max;
      return outside ? `the schema lets item.${path} range over ${low}..${high}, outside ${type.name}'s ${range}` : undefined;
    }
  }
}

/** Every column whose SQL type the schema does not respect, as messages naming the column. */
export function schemaColumnProblems(schema: Schema, columns: readonly { name: string; path: string }[], types: readonly SqlType[]): string[] {
  return columns.flatMap((column, i) => {
    const problem = schemaColumnProblem(schema, column.path, types[i]);
    return problem ? [`column ${column.name} is ${types[i].name}: ${problem}`] : [];
  });
}

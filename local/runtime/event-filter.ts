/**
 * Lambda's event filtering, as an event source mapping applies its `filterCriteria` to each record
 * before it joins a batch: the patterns are OR'd, and a record matching none of them is never
 * delivered. Lambda takes EventBridge's pattern syntax; this implements the operators Lambda lists:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 *
 * - Every field a pattern names must match (AND); a rule list matches when one of its rules does (OR).
 * - A field is matched on its leaf values, as EventBridge flattens an event: an array gives each
 *   element, an object none (patterns nest into it instead; operators work on leaves only:
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 *   A field the record lacks has no value, so no rule matches it but `{"exists": false}`, also
 *   when a parent object is absent.
 * - Rules: a string, number, boolean or null (equal, of the same type: strings character by
 *   character, no case folding), `{"exists": true|false}`, `{"anything-but": value | [values] |
 *   {"prefix": text}}` (a value, present, that is none of them), `{"prefix": text}`, `{"numeric":
 *   [op, n, op, n]}` with `=`, `<`, `<=`, `>`, `>=`.
 *
 * Not modelled: Lambda compares numbers by their text (300 and 300.0 differ), which a parsed record
 * no longer has, so they compare as numbers here. A pattern this module does not know is refused, as
 * Lambda refuses a mapping whose pattern it cannot read.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Rule = (values: readonly Json[]) => boolean;
/** A compiled pattern: whether a record (its JSON) matches. */
export type Matcher = (record: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The leaf values of a field: the value, or each element of an array (nested arrays flattened); an object has none. */
function leaves(value: unknown): Json[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leaves);
  return [value as Json];
}

/** The objects a nested pattern looks into: the field's object, or those in its array; none when absent. */
function objects(value: unknown): Record<string, unknown>[] {
  if (isObject(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(objects);
  return [];
}

const NUMERIC: Record<string, (value: number, bound: number) => boolean> = {
  "=": (v, b) => v === b,
  "<": (v, b) => v < b,
  "<=": (v, b) => v <= b,
  ">": (v, b) => v > b,
  ">=": (v, b) => v >= b,
};

function invalid(where: string, why: string): never {
  throw new Error(where ? `filter pattern: ${where} ${why}` : `filter pattern ${why}`);
}

function literal(where: string, rule: unknown): Json {
  if (rule === null || typeof rule === "string" || typeof rule === "boolean" || (typeof rule === "number" && Number.isFinite(rule))) return rule;
  return invalid(where, `holds ${JSON.stringify(rule)}, which is not a value to match`);
}

function compileNumeric(where: string, operands: unknown): (value: Json) => boolean {
  if (!Array.isArray(operands) || (operands.length !== 2 && operands.length !== 4)) invalid(where, "numeric takes [op, number] or [op, number, op, number]");
  const tests: ((value: number) => boolean)[] = [];
  for (let i = 0; i < operands.length; i += 2) {
    const [op, bound] = [operands[i], operands[i + 1]];
    const compare = NUMERIC[op as string];
    if (!compare || typeof bound !== "number")
      invalid(where, `numeric has ${JSON.stringify(op)} ${JSON.stringify(bound)}: an operator (=, <, <=, >, >=) and a number`);
    tests.push((value: number) => compare(value, bound));
  }
  return (value) => typeof value === "number" && tests.every((test) => test(value));
}

function compilePrefix(where: string, prefix: unknown): (value: Json) => boolean {
  if (typeof prefix !== "string") invalid(where, "prefix takes a string");
  return (value) => typeof value === "string" && value.startsWith(prefix);
}

function compileAnythingBut(where: string, excluded: unknown): (value: Json) => boolean {
  if (isObject(excluded)) {
    const keys = Object.keys(excluded);
    if (keys.length !== 1 || keys[0] !== "prefix") invalid(where, `anything-but takes values or {"prefix": text}, not ${JSON.stringify(excluded)}`);
    const prefixed = compilePrefix(where, excluded.prefix);
    return (value) => typeof value === "string" && !prefixed(value);
  }
  const values = (Array.isArray(excluded) ? excluded : [excluded]).map((value) => literal(where, value));
  return (value) => !values.includes(value);
}

/** One rule of a field's list. */
function compileRule(where: string, rule: unknown): Rule {
  if (!isObject(rule)) {
    const expected = literal(where, rule);
    return (values) => values.includes(expected);
  }
  const keys = Object.keys(rule);
  if (keys.length !== 1) invalid(where, `has a rule with ${keys.length} operators: ${JSON.stringify(rule)}`);
  const [operator] = keys;
  const operand = rule[operator];
  switch (operator) {
    case "exists":
      if (typeof operand !== "boolean") invalid(where, "exists takes true or false");
      return (values) => values.length > 0 === operand;
    case "prefix": {
      const test = compilePrefix(where, operand);
      return (values) => values.some(test);
    }
    case "anything-but": {
      const test = compileAnythingBut(where, operand);
      return (values) => values.some(test);
    }
    case "numeric": {
      const test = compileNumeric(where, operand);
      return (values) => values.some(test);
    }
    default:
      return invalid(where, `uses ${JSON.stringify(operator)}, an operator Lambda's filters do not have`);
  }
}

/** A pattern object: every field it names matches. */
function compileObject(where: string, pattern: unknown): (record: Record<string, unknown>) => boolean {
  if (!isObject(pattern)) return invalid(where, "must be a JSON object");
  const fields = Object.keys(pattern).map((name) => {
    const at = where ? `${where}.${name}` : name;
    const value = pattern[name];
    if (Array.isArray(value)) {
      const rules = value.map((rule) => compileRule(at, rule));
      return (record: Record<string, unknown>) => {
        const values = leaves(Object.hasOwn(record, name) ? record[name] : undefined);
        return rules.some((rule) => rule(values));
      };
    }
    if (isObject(value)) {
      const nested = compileObject(at, value);
      // A parent the record lacks is matched as an empty object: only `exists: false` leaves match in it.
      return (record: Record<string, unknown>) => {
        const candidates = objects(Object.hasOwn(record, name) ? record[name] : undefined);
        return (candidates.length > 0 ? candidates : [{}]).some(nested);
      };
    }
    return invalid(at, `must be a list of rules or an object of fields, not ${JSON.stringify(value)}`);
  });
  return (record) => fields.every((field) => field(record));
}

/** One pattern, as `Filters[].Pattern` holds it (JSON text) or parsed. */
export function compilePattern(pattern: string | object): Matcher {
  let parsed: unknown = pattern;
  if (typeof pattern === "string") {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      invalid("", `is not JSON: ${(error as Error).message}`);
    }
  }
  const matches = compileObject("", parsed);
  return (record) => isObject(record) && matches(record);
}

/** A mapping's filters, OR'd: a record is delivered when it matches one of them. */
export function compileFilters(patterns: readonly (string | object)[]): Matcher {
  const matchers = patterns.map(compilePattern);
  return (record) => matchers.some((matches) => matches(record));
}

import { expect } from "chai";
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { auroraLoaderDefaults } from "../../components/settings/aurora-loader";
import { crossAccountStreamSourceDefaults } from "../../components/settings/cross-account-stream-source";
import { dedupTableDefaults } from "../../components/settings/dedup-table";
import { firehoseArchiveDefaults } from "../../components/settings/firehose-archive";
import { pushIngestDefaults } from "../../components/settings/push-ingest";
import { commonDefaults } from "../../components/settings/shared";
import { streamProjectionDefaults } from "../../components/settings/stream-projection";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** Each component's defaults object, which has the shape of its arguments: the one place each default is written. */
const DEFAULTS: Record<string, object> = {
  CrossAccountStreamSource: crossAccountStreamSourceDefaults,
  DedupTable: dedupTableDefaults,
  PushIngest: pushIngestDefaults,
  FirehoseArchive: firehoseArchiveDefaults,
  StreamProjection: streamProjectionDefaults,
  AuroraLoader: auroraLoaderDefaults,
};

/** The default at an argument's path (`delivery.bufferSizeMiB`), when it is a plain value. */
function defaultAt(defaults: object, argPath: string): string | number | boolean | undefined {
  let value: unknown = defaults;
  for (const step of argPath.split(".")) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[step] : undefined;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined;
}

/** How a page writes a value: 86_400 as 86400, strings with or without quotes or backticks. */
const written = (value: string | number | boolean) => String(value);
const unquoted = (text: string) => text.trim().replace(/^[`"']|[`"']$/g, "");

/**
 * Every page that states a component's default for its readers (the docs' argument tables, the
 * example configs' comments, the TSDoc of every argument, which the API reference and the schema
 * for other languages carry) states the value the defaults object holds: the defaults are written
 * once, and a page that drifts from them fails here.
 */
describe("every default stated for readers is the one the settings models apply", () => {
  it("docs/components.md: each table's default column, for every argument whose default is a value", () => {
    const page = read("docs/components.md");
    const checked: string[] = [];
    const wrong: string[] = [];
    let component: string | undefined;
    for (const line of page.split("\n")) {
      const heading = /^##+ (?:`(\w+)`|The ingest function)/.exec(line);
      if (heading) component = heading[1] ?? "DedupTable";
      const row = /^\| (.+?) \| (.+?) \| .* \|$/.exec(line);
      if (!row || !component || !DEFAULTS[component]) continue;
      const args = [...row[1].matchAll(/`([\w.]+)`/g)].map((m) => m[1]);
      const cells = row[2].split(" / ");
      args.forEach((arg, i) => {
        const expected = defaultAt(DEFAULTS[component!], arg);
        const cell = cells.length === args.length ? cells[i] : row[2];
        if (expected === undefined) return;
        checked.push(`${component}.${arg}`);
        if (!new RegExp(`(^|[^\\w.])${written(expected).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w.])`).test(cell.replace(/`/g, "")))
          wrong.push(`${component} ${arg}: the page says ${cell}, the default is ${expected}`);
      });
    }
    expect(wrong).to.deep.equal([]);
    expect(checked.length, "rows checked").to.be.greaterThan(30);
  });

  /** The defaults behind each config key, which holds its component's arguments. */
  const byConfigKey: Record<string, object> = {
    stream: crossAccountStreamSourceDefaults.stream,
    sharedTable: crossAccountStreamSourceDefaults.sharedTable,
    table: dedupTableDefaults.table,
    archive: firehoseArchiveDefaults,
    aurora: auroraLoaderDefaults,
    projections: streamProjectionDefaults,
    sharedTableProjections: streamProjectionDefaults,
    ingest: dedupTableDefaults.ingest,
  };

  /** Every `name (value…)` in a config key's text, with `name {…}` nesting giving its path; `(a | b)` lists choices, not a default. */
  function statedDefaults(text: string, defaults: object): { argPath: string; stated: string; expected: string | number | boolean }[] {
    const found = [];
    const stack: string[] = [];
    for (const [, name, opener, closer] of text.matchAll(/(\w+)\s*(\{|\((?:[^()]*)\))|(\})/g)) {
      if (closer) stack.pop();
      else if (opener === "{") stack.push(name);
      else {
        const argPath = [...stack, name].join(".");
        const expected = defaultAt(defaults, argPath);
        const stated = unquoted(opener.slice(1, -1).split(/[;,]/)[0]);
        if (expected !== undefined && !stated.includes("|")) found.push({ argPath, stated, expected });
      }
    }
    return found;
  }

  it("the example configs' comments and Pulumi.yaml's descriptions: each `key (default)` in a config key's arguments", () => {
    const checked: string[] = [];
    const wrong: string[] = [];
    const compare = (where: string, key: string, text: string) => {
      for (const { argPath, stated, expected } of statedDefaults(text, byConfigKey[key])) {
        checked.push(`${where} ${key}.${argPath}`);
        if (stated !== written(expected)) wrong.push(`${where} ${key}.${argPath}: it says ${stated}, the default is ${expected}`);
      }
    };
    for (const file of ["Pulumi.poc.yaml", "Pulumi.prod.yaml"]) {
      // A config key's comment is the run of comment lines just above `stream-replication:<key>:`, set or commented out.
      const lines = read(file).split("\n");
      lines.forEach((line, i) => {
        const key = /^\s*#?\s*stream-replication:(\w+):/.exec(line)?.[1];
        if (!key || !byConfigKey[key]) return;
        const comment: string[] = [];
        for (let j = i - 1; j >= 0 && /^\s*#/.test(lines[j]) && !/stream-replication:/.test(lines[j]); j--) comment.unshift(lines[j].replace(/^\s*#/, ""));
        compare(file, key, comment.join(" "));
      });
    }
    const config = (load(read("Pulumi.yaml")) as { config: Record<string, { description?: string }> }).config;
    for (const key of Object.keys(byConfigKey)) compare("Pulumi.yaml", key, config[key]?.description ?? "");
    expect(wrong).to.deep.equal([]);
    expect(checked.length, "statements checked").to.be.greaterThan(25);
  });

  it("Pulumi.yaml: a config key's default is the components' default where it stands for one", () => {
    const config = (load(read("Pulumi.yaml")) as { config: Record<string, { default?: unknown }> }).config;
    expect(config.protectData.default).to.equal(commonDefaults.protectData);
    expect(config.logRetentionDays.default).to.equal(commonDefaults.logRetentionDays);
  });

  it("the TSDoc of every argument, as schema.json carries it to the API reference and other languages' SDKs: each `Default: <value>`", () => {
    type Property = { description?: string; $ref?: string; items?: Property };
    const schema = JSON.parse(read("schema.json")) as {
      resources: Record<string, { inputProperties: Record<string, Property> }>;
      types: Record<string, { properties?: Record<string, Property> }>;
    };
    const checked: string[] = [];
    const wrong: string[] = [];
    const walk = (component: string, properties: Record<string, Property>, prefix: string, depth: number) => {
      for (const [name, property] of Object.entries(properties)) {
        const argPath = `${prefix}${name}`;
        const stated = /Default: (-?\d[\d_]*(?:\.\d+)?|"[^"]*"|true|false)(?=[\s.,;)]|$)/.exec(property.description ?? "")?.[1];
        const expected = defaultAt(DEFAULTS[component], argPath);
        if (stated !== undefined && expected !== undefined) {
          checked.push(`${component}.${argPath}`);
          if ((/^-?\d/.test(stated) ? stated.replace(/_/g, "") : unquoted(stated)) !== written(expected))
            wrong.push(`${component} ${argPath}: the TSDoc says ${stated}, the default is ${expected}`);
        }
        const ref = (property.items ?? property).$ref?.replace("#/types/", "");
        const nested = ref && schema.types[ref]?.properties;
        if (nested && depth < 4) walk(component, nested, `${argPath}.`, depth + 1);
      }
    };
    for (const component of Object.keys(DEFAULTS)) walk(component, schema.resources[`stream-replication:index:${component}`].inputProperties, "", 0);
    expect(wrong).to.deep.equal([]);
    expect(checked.length, "arguments checked").to.be.greaterThan(40);
  });
});

import * as pulumi from "@pulumi/pulumi";
import { closest } from "fastest-levenshtein";
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** One key of Pulumi.yaml's `config:` block. */
export interface ConfigDeclaration {
  type: "string" | "integer" | "boolean" | "array" | "object";
  description: string;
  /** What the Pulumi CLI puts in the stack's config when the stack sets nothing; means "not set" here. */
  default?: unknown;
  items?: { type: string };
}

/** Pulumi.yaml, the one place the stacks' config keys are declared, with their types, descriptions and defaults. */
export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

/** The keys the program reads, as Pulumi.yaml declares them (keys of other namespaces, such as aws:region, are the providers'). */
export function declaredConfig(file = PROJECT_FILE): Record<string, ConfigDeclaration> {
  const project = load(readFileSync(file, "utf8")) as { config?: Record<string, ConfigDeclaration> };
  return project.config ?? {};
}

const isEmpty = (value: unknown): boolean =>
  value === undefined ||
  value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && Object.keys(value).length === 0);

/**
 * The stack's config, read only through keys Pulumi.yaml declares. The Pulumi CLI fills a key the
 * stack leaves out with its declared default ("", {} or []), which means "not set": the readers
 * below answer `undefined` for it, exactly as they do under mocks, where no CLI fills anything.
 */
export class StackConfig {
  private readonly declared = declaredConfig();

  constructor(private readonly config: pulumi.Config = new pulumi.Config()) {}

  private declaration(key: string): ConfigDeclaration {
    const declaration = this.declared[key];
    if (!declaration)
      throw new pulumi.RunError(`the program reads config key "${key}", which Pulumi.yaml does not declare: declare it there with its type and description`);
    return declaration;
  }

  /** A string, or undefined when not set. */
  string(key: string): string | undefined {
    this.declaration(key);
    const value = this.config.get(key);
    return value === "" ? undefined : value;
  }

  /** A number, or the declared default when not set. */
  number(key: string): number | undefined {
    const declaration = this.declaration(key);
    return this.config.getNumber(key) ?? (declaration.default as number | undefined);
  }

  /** A boolean, or the declared default when not set. */
  boolean(key: string): boolean | undefined {
    const declaration = this.declaration(key);
    return this.config.getBoolean(key) ?? (declaration.default as boolean | undefined);
  }

  /** An object or a list, or undefined when not set or empty. */
  object<T>(key: string): T | undefined {
    this.declaration(key);
    const value = this.config.getObject<T>(key);
    return isEmpty(value) ? undefined : value;
  }

  /** Whether the stack sets the key to something other than its declared default. */
  isSet(key: string): boolean {
    const declaration = this.declaration(key);
    const raw = this.config.get(key);
    if (raw === undefined || raw === "") return false;
    const value = declaration.type === "string" ? raw : this.config.getObject(key);
    return !isEmpty(value) && JSON.stringify(value) !== JSON.stringify(declaration.default);
  }

  /**
   * Warns about each key in this project's namespace that the stack's config holds but the program
   * never reads (a typo such as `tabel` is otherwise silently ignored), naming the nearest known key.
   */
  warnUnknownKeys(): void {
    const namespace = `${pulumi.getProject()}:`;
    const known = Object.keys(this.declared);
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
      if (!fullKey.startsWith(namespace)) continue;
      const key = fullKey.slice(namespace.length);
      if (!(key in this.declared)) {
        pulumi.log.warn(
          `config key "${key}" is not one this program reads, so it has no effect; did you mean "${closest(key, known)}"? (Pulumi.yaml lists every key)`,
        );
      }
    }
  }
}

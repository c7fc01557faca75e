import * as pulumi from "@pulumi/pulumi";
import { consumerComposition } from "./consumer";
import { sourceComposition } from "./source";

type Composition = (config: pulumi.Config) => Promise<Record<string, pulumi.Input<unknown>>>;

/** Every composition this program can deploy, by the name the `composition` config key takes. */
export const COMPOSITIONS: Record<string, Composition> = {
  source: sourceComposition,
  consumer: consumerComposition,
};

/** What a stack deploys when its config names no composition. */
export const DEFAULT_COMPOSITION_BY_STACK: Record<string, string> = {
  prod: "source",
  poc: "consumer",
};

/** The composition for a stack: the `composition` config key, else the stack name's default. */
export function selectComposition(stack: string, configured: string | undefined): Composition {
  const name = configured ?? DEFAULT_COMPOSITION_BY_STACK[stack];
  if (!name) {
    throw new pulumi.RunError(
      `stack "${stack}" has no default composition: set one with \`pulumi config set composition <${Object.keys(COMPOSITIONS).join("|")}>\``,
    );
  }
  const composition = COMPOSITIONS[name];
  if (!composition) {
    throw new pulumi.RunError(`stack "${stack}" selects composition "${name}", which does not exist; available: ${Object.keys(COMPOSITIONS).join(", ")}`);
  }
  return composition;
}

import * as pulumi from "@pulumi/pulumi";
import { type Accounts, type Side } from "./accounts";
import { type StackConfig } from "./config";

/**
 * The other account's stack, read through a StackReference when config names it
 * (`sourceStack` or `consumerStack`). Each value can also be given directly in config, which wins:
 * for stacks kept in different backends, copy it from `pulumi stack output`.
 */
export class Peer {
  private readonly reference: pulumi.StackReference | undefined;

  constructor(
    private readonly config: StackConfig,
    readonly side: Side,
  ) {
    const name = config.string(`${side}Stack`);
    this.reference = name ? new pulumi.StackReference(name) : undefined;
    this.label = name ? `the ${side} stack (${name})` : `the ${side} stack`;
  }

  /** How messages name the other stack. */
  readonly label: string;

  /** The config key's value, else the other stack's output; undefined when neither has it yet. */
  async value(configKey: string, outputName: string): Promise<string | undefined> {
    return this.config.string(configKey) ?? (await this.output(outputName));
  }

  /** Like `value`, for a map of names to strings: the config object, else the other stack's output. */
  async map(configKey: string, outputName: string): Promise<Record<string, string> | undefined> {
    return this.config.object<Record<string, string>>(configKey) ?? (await this.outputMap(outputName));
  }

  /** An output of the other stack that maps names to strings, or undefined (no reference, not exported yet, or empty). */
  async outputMap(name: string): Promise<Record<string, string> | undefined> {
    if (!this.reference) return undefined;
    const { value } = await this.reference.getOutputDetails(name);
    return value && typeof value === "object" && Object.keys(value).length > 0 ? (value as Record<string, string>) : undefined;
  }

  /** An output of the other stack, or undefined (no reference, or not exported yet). */
  async output(name: string): Promise<string | undefined> {
    if (!this.reference) return undefined;
    const { value } = await this.reference.getOutputDetails(name);
    return typeof value === "string" && value ? value : undefined;
  }

  /** A number the other stack exports, or undefined (no reference, or not exported). */
  async number(name: string): Promise<number | undefined> {
    if (!this.reference) return undefined;
    const { value } = await this.reference.getOutputDetails(name);
    return typeof value === "number" ? value : undefined;
  }

  /** Fails when the other stack was deployed with another access mode or region. */
  async assertAgrees(accounts: Accounts): Promise<void> {
    const [mode, region] = await Promise.all([this.output("accessMode"), this.output("region")]);
    if (mode && mode !== accounts.accessMode) {
      throw new pulumi.RunError(`${this.label} uses accessMode "${mode}" but this stack uses "${accounts.accessMode}": set the same accessMode in both stacks`);
    }
    if (region && region !== accounts.region) {
      throw new pulumi.RunError(
        `${this.label} is in region ${region} but this stack is in ${accounts.region}: both stacks must use one region, as Lambda requires`,
      );
    }
  }
}

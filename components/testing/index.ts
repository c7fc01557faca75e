import type * as pulumi from "@pulumi/pulumi";
import { MockAwsState, type MockAwsOptions } from "./aws-state";
import { unwrapSecrets } from "./inputs";

export { type MockAwsOptions, type MockNetwork } from "./aws-state";

/**
 * Pulumi mocks for a program's unit tests (`pulumi.runtime.setMocks(new AwsMocks(), …)`) that answer
 * as AWS would: physical names from logical ones, ARNs of the right shape per resource type, a
 * table's stream ARN, a function's ARN and version, the caller's account, the region and the
 * partition, StackReference outputs. The plain mocks of Pulumi's testing guide work too (the
 * components read no output they cannot do without); these make the values a test asserts on real.
 * https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
export class AwsMocks implements pulumi.runtime.Mocks {
  private readonly aws: MockAwsState;

  constructor(options: Partial<MockAwsOptions> = {}) {
    this.aws = new MockAwsState({ accountId: "123456789012", region: "eu-west-1", caller: "test", ...options });
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    return this.aws.realize(args.type, args.name, unwrapSecrets(args.inputs));
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return this.aws.call(args);
  }
}

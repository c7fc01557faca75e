import * as pulumi from "@pulumi/pulumi";
import { EXTERNAL_ID, EXTERNAL_ID_RULE } from "./aws-rules";

/**
 * The external ID, checked once its value is known: it usually arrives as a config secret, which
 * the settings model cannot read, and STS would otherwise refuse it only at run time.
 */
export function checkedExternalId(id: pulumi.Input<string>, arg: string, component?: pulumi.Resource): pulumi.Output<string> {
  return pulumi.output(id).apply((value) => {
    if (!EXTERNAL_ID.test(value)) throw new pulumi.ResourceError(`${arg} must be ${EXTERNAL_ID_RULE}`, component, true);
    return value;
  });
}

import * as pulumi from "@pulumi/pulumi";

const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export const EXTERNAL_ID_RULE = "2–1224 characters of letters, digits and +=,.@:/-";

export function isValidExternalId(id: string): boolean {
  return EXTERNAL_ID.test(id);
}

/**
 * The external ID, checked once its value is known: it usually arrives as a config secret, which
 * argument validation cannot read, and STS would otherwise refuse it only at run time.
 */
export function checkedExternalId(id: pulumi.Input<string>, arg: string, component?: pulumi.Resource): pulumi.Output<string> {
  return pulumi.output(id).apply((value) => {
    if (!isValidExternalId(value)) throw new pulumi.ResourceError(`${arg} must be ${EXTERNAL_ID_RULE}`, component, true);
    return value;
  });
}

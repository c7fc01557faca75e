import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Children, tagsOf } from "./context";
import { policyDocument, type PolicyStatement } from "./iam";
import { KINESIS_STREAM_WRITE_ACTIONS } from "./stream-access";

// CrossAccountStreamSource's policies: who may read the stream, decrypt with its key, and write to it.

/** A resource policy letting one role do `actions` on `resource`, and nothing else. */
export function grantTo(roleArn: pulumi.Input<string>, sid: string, actions: string[], resource: pulumi.Input<string>): pulumi.Output<string> {
  return policyDocument(
    pulumi
      .all([roleArn, resource])
      .apply(([principal, arn]) => [{ Sid: sid, Effect: "Allow" as const, Principal: { AWS: principal }, Action: actions, Resource: arn }]),
  );
}

/**
 * The key's policy: the account administers it, the consumer role decrypts this stream's records
 * through Kinesis, the shared table's readers its stream through DynamoDB. The grant names the
 * stream ARN, and the stream names the key: the policy is a resource of its own, written once both exist.
 */
export function addKeyPolicy(
  children: Children,
  grants: {
    key: aws.kms.Key;
    stream: aws.kinesis.Stream;
    consumerRole?: pulumi.Input<string>;
    readers: pulumi.Input<string>[];
    sharedTableName?: pulumi.Output<string>;
  },
): void {
  const { key, stream, consumerRole, readers } = grants;
  const parent = { parent: children.parent };
  const identity = aws.getCallerIdentityOutput({}, parent);
  const partition = aws.getPartitionOutput({}, parent);
  const statements = pulumi
    .all([identity.accountId, partition.partition, children.region, stream.arn, consumerRole, pulumi.all(readers), grants.sharedTableName])
    .apply(([account, part, regionName, streamArn, roleArn, readerRoles, sharedTableName]) => {
      const list: PolicyStatement[] = [
        // Without it nobody in the account, not even an administrator, could manage the key.
        { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${part}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      ];
      if (roleArn) {
        list.push({
          Sid: "ConsumerRoleDecryptsThisStream",
          Effect: "Allow",
          Principal: { AWS: roleArn },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": `kinesis.${regionName}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": streamArn } },
        });
      }
      if (readerRoles.length > 0 && sharedTableName) {
        // The shared table is encrypted with this key, and its stream with the table's key; DynamoDB
        // names the table in the encryption context, so the readers decrypt that table's data only.
        // https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html
        list.push({
          Sid: "ReadersDecryptSharedTableStream",
          Effect: "Allow",
          Principal: { AWS: readerRoles.length === 1 ? readerRoles[0] : readerRoles },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: {
            StringEquals: { "kms:ViaService": `dynamodb.${regionName}.amazonaws.com`, "kms:EncryptionContext:aws:dynamodb:tableName": sharedTableName },
          },
        });
      }
      return list;
    });
  new aws.kms.KeyPolicy(`${children.name}-key-policy`, { keyId: key.id, policy: policyDocument(statements) }, parent);
}

/**
 * What a producer in this account needs. Kinesis generates the data keys for a producer's records
 * with the producer's permissions and the stream's ARN as the encryption context; the key serves
 * producers through Kinesis only. https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
 */
export function addProducerPolicy(children: Children, stream: aws.kinesis.Stream, key: aws.kms.Key): aws.iam.Policy {
  return new aws.iam.Policy(
    `${children.name}-producer`,
    {
      description: "Lets a producer in this account write to the clickstream",
      policy: policyDocument(
        pulumi.all([stream.arn, key.arn, children.region]).apply(([streamArn, keyArn, regionName]): PolicyStatement[] => [
          { Sid: "WriteStream", Effect: "Allow", Action: KINESIS_STREAM_WRITE_ACTIONS, Resource: streamArn },
          {
            Sid: "EncryptRecords",
            Effect: "Allow",
            Action: "kms:GenerateDataKey",
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": `kinesis.${regionName}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": streamArn } },
          },
        ]),
      ),
      tags: tagsOf(children),
    },
    { parent: children.parent },
  );
}

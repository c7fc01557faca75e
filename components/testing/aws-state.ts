import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { type PulumiValues } from "./inputs";

/** Seven hex digits of a name's digest: the stable suffix the mocks add where AWS or autonaming would add a random one. */
export const shortHash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 7);

export interface MockAwsOptions {
  accountId: string;
  region: string;
  /** The IAM user getCallerIdentity names. */
  caller: string;
  /** Outputs of other stacks, by fully qualified stack name (`org/project/stack`), for StackReference. */
  stackOutputs?: Record<string, Record<string, unknown>>;
  /** Names of those outputs that the other stack holds as secrets. */
  secretStackOutputs?: string[];
  /** Whether a stack given no outputs exists without any yet (a first deployment, such as a stack reading its own last one) rather than being an error. Default: never. */
  isNewStack?: (stackName: string) => boolean;
  /** An existing network, as EC2 would describe it. Default: every subnet in zone a, two route tables, the first the main one, no S3 route. */
  network?: MockNetwork;
}

export interface MockNetwork {
  /** Each subnet's Availability Zone. */
  subnetZones?: Record<string, string>;
  /** Every route table of the VPC. */
  routeTables?: string[];
  /** The route table a subnet is explicitly associated with; a subnet not listed uses the main one. */
  subnetRouteTables?: Record<string, string>;
  mainRouteTable?: string;
  /** Route tables with a route to the S3 prefix list: a gateway endpoint of the network's own. */
  routedToS3?: string[];
}

/**
 * The state AWS (and the Pulumi providers) would give the program's resources, built from their
 * type, logical name and inputs alone: physical names with a suffix the way autonaming adds one,
 * ARNs in each service's own format, the computed attributes the program reads, and the answers of
 * the data sources it calls. Both the unit tests' mocks (test/harness/mock-cloud.ts) and the local
 * runtime (local/runtime/cloud.ts, which also creates the resources on the local engines) use it.
 */
export class MockAwsState {
  readonly accountId: string;
  readonly region: string;

  constructor(private readonly options: MockAwsOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
  }

  /** What a data source (provider function) answers; anything unknown echoes its inputs. */
  call(args: pulumi.runtime.MockCallArgs): PulumiValues {
    const { accountId, region } = this;
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId, arn: `arn:aws:iam::${accountId}:user/${this.options.caller}`, userId: `AIDA${this.options.caller.toUpperCase()}`, id: accountId };
      case "aws:index/getRegion:getRegion":
        return { name: region, region, id: region, description: "mock region" };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:ec2/getRouteTables:getRouteTables":
        return { id: region, ids: this.routeTables(args.inputs) };
      case "aws:ec2/getSubnet:getSubnet":
        return { id: args.inputs.id, availabilityZone: this.options.network?.subnetZones?.[args.inputs.id] ?? `${region}a`, vpcId: "vpc-mock" };
      case "aws:ec2/getPrefixList:getPrefixList":
        return { id: "pl-6da54004", name: args.inputs.name, cidrBlocks: ["52.218.0.0/17"] };
      default:
        return args.inputs;
    }
  }

  /**
   * Route tables as DescribeRouteTables filters them: a subnet's own (or none, when it uses the main
   * table implicitly), the VPC's main one, those with a route to a prefix list; unfiltered, every
   * table of the VPC. The network is `options.network`, else two tables of the VPC.
   */
  private routeTables(inputs: { vpcId?: string; filters?: { name: string; values: string[] }[] }): string[] {
    const network = this.options.network ?? {};
    const filter = inputs.filters?.[0];
    const all = network.routeTables ?? [`rtb-${shortHash(String(inputs.vpcId))}a`, `rtb-${shortHash(String(inputs.vpcId))}b`];
    if (!filter) return all;
    if (filter.name === "association.subnet-id")
      return filter.values.flatMap((subnet) => (network.subnetRouteTables?.[subnet] ? [network.subnetRouteTables[subnet]] : []));
    if (filter.name === "association.main") return [network.mainRouteTable ?? all[0]];
    if (filter.name === "route.destination-prefix-list-id") return network.routedToS3 ?? [];
    return all;
  }

  /** Physical identity and computed outputs for a resource, shaped like the real provider's. */
  realize(type: string, name: string, inputs: PulumiValues): { id: string; state: PulumiValues } {
    const { accountId: account, region } = this;
    const autoName = `${name}-${shortHash(name)}`;
    const physical: string = inputs.name ?? (inputs.namePrefix ? `${inputs.namePrefix}${shortHash(name)}` : autoName);
    switch (type) {
      case "pulumi:pulumi:StackReference": {
        const outputs = this.options.stackOutputs?.[inputs.name] ?? (this.options.isNewStack?.(inputs.name) ? {} : undefined);
        if (!outputs) throw new Error(`no outputs mocked for stack reference "${inputs.name}"`);
        return { id: inputs.name, state: { ...inputs, outputs, secretOutputNames: (this.options.secretStackOutputs ?? []).filter((n) => n in outputs) } };
      }
      case "aws:dynamodb/table:Table": {
        const arn = `arn:aws:dynamodb:${region}:${account}:table/${physical}`;
        const streamArn = inputs.streamEnabled ? `${arn}/stream/2026-01-01T00:00:00.000` : undefined;
        return { id: physical, state: { ...inputs, name: physical, arn, streamArn, streamLabel: "2026-01-01T00:00:00.000" } };
      }
      case "aws:iam/role:Role":
        return {
          id: physical,
          state: { ...inputs, name: physical, arn: `arn:aws:iam::${account}:role/${physical}`, uniqueId: `AROA${shortHash(name).toUpperCase()}` },
        };
      case "aws:lambda/function:Function": {
        const arn = `arn:aws:lambda:${region}:${account}:function:${physical}`;
        return {
          id: physical,
          state: {
            ...inputs,
            name: physical,
            arn,
            qualifiedArn: `${arn}:$LATEST`,
            invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
            version: "$LATEST",
          },
        };
      }
      case "aws:lambda/eventSourceMapping:EventSourceMapping": {
        const uuid = `${shortHash(name)}-0000-4000-8000-000000000000`;
        return { id: uuid, state: { ...inputs, uuid, arn: `arn:aws:lambda:${region}:${account}:event-source-mapping:${uuid}` } };
      }
      case "aws:cloudwatch/logGroup:LogGroup":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:logs:${region}:${account}:log-group:${physical}` } };
      case "aws:s3/bucket:Bucket": {
        // The provider lowercases a bucket's logical name before adding the suffix.
        const bucket = inputs.bucket ?? autoName.toLowerCase();
        return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com` } };
      }
      case "aws:sqs/queue:Queue":
        return {
          id: `https://sqs.${region}.amazonaws.com/${account}/${physical}`,
          state: {
            ...inputs,
            name: physical,
            arn: `arn:aws:sqs:${region}:${account}:${physical}`,
            url: `https://sqs.${region}.amazonaws.com/${account}/${physical}`,
          },
        };
      case "aws:kinesis/stream:Stream":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:kinesis:${region}:${account}:stream/${physical}` } };
      case "aws:kinesis/streamConsumer:StreamConsumer":
        return {
          id: `${inputs.streamArn}/consumer/${physical}:1764151200`,
          state: { ...inputs, name: physical, arn: `${inputs.streamArn}/consumer/${physical}:1764151200` },
        };
      case "aws:iam/policy:Policy":
        return { id: `arn:aws:iam::${account}:policy/${physical}`, state: { ...inputs, name: physical, arn: `arn:aws:iam::${account}:policy/${physical}` } };
      case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:firehose:${region}:${account}:deliverystream/${physical}` } };
      case "awsx:ec2:Vpc": {
        const vpcId = `vpc-${shortHash(name)}`;
        return {
          id: vpcId,
          state: {
            ...inputs,
            vpcId,
            isolatedSubnetIds: [`subnet-${shortHash(`${name}a`)}`, `subnet-${shortHash(`${name}b`)}`],
            privateSubnetIds: [],
            publicSubnetIds: [],
          },
        };
      }
      case "aws:rds/cluster:Cluster": {
        const id = inputs.clusterIdentifier ?? autoName.toLowerCase();
        const secretArn = `arn:aws:secretsmanager:${region}:${account}:secret:rds!cluster-${shortHash(name)}-AbCdEf`;
        return {
          id,
          state: {
            ...inputs,
            clusterIdentifier: id,
            engineVersionActual: inputs.engineVersion,
            clusterResourceId: `cluster-${shortHash(name).toUpperCase()}ABCDEFGHIJKLMNOP`,
            arn: `arn:aws:rds:${region}:${account}:cluster:${id}`,
            endpoint: `${id}.cluster-c1a2b3c4d5e6.${region}.rds.amazonaws.com`,
            port: 3306,
            engineVersion: inputs.engineVersion ?? "8.0.mysql_aurora.3.08.2",
            masterUserSecrets: inputs.manageMasterUserPassword ? [{ secretArn, secretStatus: "active", kmsKeyId: "alias/aws/secretsmanager" }] : [],
          },
        };
      }
      case "random:index/randomId:RandomId":
        return { id: shortHash(name), state: { ...inputs, hex: shortHash(name).slice(0, (inputs.byteLength ?? 4) * 2) } };
      case "aws:kms/key:Key": {
        const keyId = `${shortHash(name)}-1111-4111-8111-111111111111`;
        return { id: keyId, state: { ...inputs, keyId, arn: `arn:aws:kms:${region}:${account}:key/${keyId}` } };
      }
      default: {
        const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
        return { id: `${autoName}-id`, state: { ...inputs, name: physical, arn: `arn:aws:${service}:${region}:${account}:${physical}` } };
      }
    }
  }
}

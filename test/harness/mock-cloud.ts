import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { unwrapSecrets } from "../../local/runtime/mock-inputs";

/** One resource the program registered, as the engine would have seen it. */
export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  parentUrn: string | undefined;
  /** URNs of the resources it waits for (dependsOn, and those whose outputs its inputs use). */
  dependencies: string[];
  deleteBeforeReplace: boolean;
  /** Pulumi refuses to delete (or replace) it. */
  protect: boolean;
  /** Pulumi leaves it in the cloud when it deletes it from the stack. */
  retainOnDelete: boolean;
  inputs: Record<string, any>;
  id: string;
  state: Record<string, any>;
}

export interface MockCloudOptions {
  /** Default: "organization", the name Pulumi gives a self-managed backend's organization. */
  organization?: string;
  project?: string;
  stack?: string;
  accountId?: string;
  region?: string;
  /** Outputs of stacks, by fully qualified stack name (`org/project/stack`), for StackReference; this stack's own last deployment has none unless given. */
  stackOutputs?: Record<string, Record<string, unknown>>;
  /** Names of those outputs that the other stack holds as secrets. */
  secretStackOutputs?: string[];
}

const shortHash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 7);

/**
 * Pulumi mocks that record every registered resource and answer like AWS would: physical names with
 * a suffix the way autonaming adds one, ARNs in each service's own format, caller identity, region,
 * partition, and StackReference outputs.
 */
export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly accountId: string;
  readonly region: string;
  private readonly organization: string;
  private readonly project: string;
  private readonly stack: string;
  private readonly stackOutputs: Record<string, Record<string, unknown>>;
  private readonly secretStackOutputs: string[];
  private pending: Pick<RecordedResource, "parentUrn" | "dependencies" | "deleteBeforeReplace" | "protect" | "retainOnDelete"> | undefined;

  constructor(options: MockCloudOptions = {}) {
    this.organization = options.organization ?? "organization";
    this.project = options.project ?? "stream-replication";
    this.stack = options.stack ?? "test";
    this.accountId = options.accountId ?? "999999999999";
    this.region = options.region ?? "eu-west-1";
    this.stackOutputs = options.stackOutputs ?? {};
    this.secretStackOutputs = options.secretStackOutputs ?? [];
  }

  /** Installs these mocks (and the stack's config) for everything registered from now on. */
  async install(config: Record<string, string> = {}): Promise<void> {
    // Keys without a namespace are this project's; `aws:region` and the like are kept as they are.
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${this.project}:${k}`, v])));
    await pulumi.runtime.setMocks(this, this.project, this.stack, false, this.organization);
    // The mocks interface is not told a resource's parent or options; the monitor's request carries them.
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request: any, callback: any) => {
      this.pending = {
        parentUrn: request.getParent() || undefined,
        dependencies: request.getDependenciesList(),
        deleteBeforeReplace: request.getDeletebeforereplace(),
        protect: request.getProtect() ?? false,
        retainOnDelete: request.getRetainondelete() ?? false,
      };
      return register(request, callback);
    };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const { parentUrn, dependencies, deleteBeforeReplace, protect, retainOnDelete } = this.pending ?? { parentUrn: undefined, dependencies: [], deleteBeforeReplace: false, protect: false, retainOnDelete: false };
    this.pending = undefined;
    const inputs = unwrapSecrets(args.inputs);
    const { id, state } = this.realize(args.type, args.name, inputs);
    this.resources.push({
      type: args.type,
      name: args.name,
      urn: this.urnOf(parentUrn, args.type, args.name),
      parentUrn,
      dependencies,
      deleteBeforeReplace,
      protect,
      retainOnDelete,
      inputs,
      id,
      state,
    });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: this.accountId, arn: `arn:aws:iam::${this.accountId}:user/test`, userId: "AIDATEST", id: this.accountId };
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region, description: "mock region" };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:ec2/getRouteTables:getRouteTables":
        return { id: this.region, ids: [`rtb-${shortHash(String(args.inputs.vpcId))}a`, `rtb-${shortHash(String(args.inputs.vpcId))}b`] };
      case "aws:ec2/getPrefixList:getPrefixList":
        return { id: "pl-6da54004", name: args.inputs.name, cidrBlocks: ["52.218.0.0/17"] };
      default:
        return args.inputs;
    }
  }

  private urnOf(parentUrn: string | undefined, type: string, name: string): string {
    const qualified = parentUrn ? `${parentUrn.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
  }

  /** Physical identity and computed outputs for a resource, shaped like the real provider's. */
  private realize(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    const { accountId: account, region } = this;
    const autoName = `${name}-${shortHash(name)}`;
    const physical: string = inputs.name ?? (inputs.namePrefix ? `${inputs.namePrefix}${shortHash(name)}` : autoName);
    switch (type) {
      case "pulumi:pulumi:StackReference": {
        const own = inputs.name === `${this.organization}/${this.project}/${this.stack}`;
        const outputs = this.stackOutputs[inputs.name] ?? (own ? {} : undefined);
        if (!outputs) throw new Error(`no outputs mocked for stack reference "${inputs.name}"`);
        return { id: inputs.name, state: { ...inputs, outputs, secretOutputNames: this.secretStackOutputs.filter((n) => n in outputs) } };
      }
      case "aws:dynamodb/table:Table": {
        const arn = `arn:aws:dynamodb:${region}:${account}:table/${physical}`;
        const streamArn = inputs.streamEnabled ? `${arn}/stream/2026-01-01T00:00:00.000` : undefined;
        return { id: physical, state: { ...inputs, name: physical, arn, streamArn, streamLabel: "2026-01-01T00:00:00.000" } };
      }
      case "aws:iam/role:Role":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:iam::${account}:role/${physical}`, uniqueId: `AROA${shortHash(name).toUpperCase()}` } };
      case "aws:lambda/function:Function": {
        const arn = `arn:aws:lambda:${region}:${account}:function:${physical}`;
        return {
          id: physical,
          state: { ...inputs, name: physical, arn, qualifiedArn: `${arn}:$LATEST`, invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`, version: "$LATEST" },
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
        return { id: `https://sqs.${region}.amazonaws.com/${account}/${physical}`, state: { ...inputs, name: physical, arn: `arn:aws:sqs:${region}:${account}:${physical}`, url: `https://sqs.${region}.amazonaws.com/${account}/${physical}` } };
      case "aws:kinesis/stream:Stream":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:kinesis:${region}:${account}:stream/${physical}` } };
      case "aws:kinesis/streamConsumer:StreamConsumer":
        return { id: `${inputs.streamArn}/consumer/${physical}:1764151200`, state: { ...inputs, name: physical, arn: `${inputs.streamArn}/consumer/${physical}:1764151200` } };
      case "aws:iam/policy:Policy":
        return { id: `arn:aws:iam::${account}:policy/${physical}`, state: { ...inputs, name: physical, arn: `arn:aws:iam::${account}:policy/${physical}` } };
      case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:firehose:${region}:${account}:deliverystream/${physical}` } };
      case "awsx:ec2:Vpc": {
        const vpcId = `vpc-${shortHash(name)}`;
        return { id: vpcId, state: { ...inputs, vpcId, isolatedSubnetIds: [`subnet-${shortHash(`${name}a`)}`, `subnet-${shortHash(`${name}b`)}`], privateSubnetIds: [], publicSubnetIds: [] } };
      }
      case "aws:rds/cluster:Cluster": {
        const id = inputs.clusterIdentifier ?? autoName.toLowerCase();
        const secretArn = `arn:aws:secretsmanager:${region}:${account}:secret:rds!cluster-${shortHash(name)}-AbCdEf`;
        return {
          id,
          state: {
            ...inputs,
            clusterIdentifier: id,
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

  /** Waits until the program has registered everything it will (no new resource for 100 ms). */
  async settle(): Promise<void> {
    let stableFor = 0;
    let last = -1;
    while (stableFor < 5) {
      await new Promise((done) => setTimeout(done, 20));
      stableFor = this.resources.length === last ? stableFor + 1 : 0;
      last = this.resources.length;
    }
  }

  // ---- queries, so tests read like sentences -------------------------------------------------

  /** Every recorded resource of a type (`aws:dynamodb/table:Table`). */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type; fails when there are none or several. */
  one(type: string): RecordedResource {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
  }

  /** The resource with this logical name; fails when there is none. */
  named(name: string): RecordedResource {
    const found = this.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; there are: ${this.resources.map((r) => r.name).join(", ")}`);
    return found;
  }

  /** Whether a resource with this logical name was registered. */
  has(name: string): boolean {
    return this.resources.some((r) => r.name === name);
  }

  /** Resources whose parent is the given component or resource. */
  childrenOf(parent: pulumi.Resource | RecordedResource): Promise<RecordedResource[]> {
    const urn = "urn" in parent && typeof parent.urn === "string" ? Promise.resolve(parent.urn) : resolve((parent as pulumi.Resource).urn);
    return urn.then((u) => this.resources.filter((r) => r.parentUrn === u));
  }
}

/** The value of an output, once the mocks have resolved it. */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((value) => done(value)));
}

/** A policy document input, parsed. */
export function policyOf(resource: RecordedResource, field = "policy"): { Version: string; Statement: any[] } {
  return JSON.parse(resource.inputs[field]);
}

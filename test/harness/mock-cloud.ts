import * as pulumi from "@pulumi/pulumi";
import { MockAwsState, type MockNetwork } from "../../components/testing/aws-state";
import { unwrapSecrets, type PulumiValues } from "../../components/testing/inputs";

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
  inputs: PulumiValues;
  id: string;
  state: PulumiValues;
}

/** What the monitor's register request tells of a resource's options (the engine's gRPC message). */
interface RegisterResourceRequest {
  getParent(): string;
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
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
  /** An existing network, as EC2 describes it to the data sources. */
  network?: MockNetwork;
}

/**
 * Pulumi mocks that record every registered resource, with its parent, dependencies and options,
 * and answer like AWS would (components/testing/aws-state.ts: physical names, ARNs, caller identity, region,
 * partition, StackReference outputs).
 */
export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly accountId: string;
  readonly region: string;
  private readonly organization: string;
  private readonly project: string;
  private readonly stack: string;
  private readonly aws: MockAwsState;
  private pending: Pick<RecordedResource, "parentUrn" | "dependencies" | "deleteBeforeReplace" | "protect" | "retainOnDelete"> | undefined;

  constructor(options: MockCloudOptions = {}) {
    this.organization = options.organization ?? "organization";
    this.project = options.project ?? "stream-replication";
    this.stack = options.stack ?? "test";
    this.accountId = options.accountId ?? "999999999999";
    this.region = options.region ?? "eu-west-1";
    const ownStack = `${this.organization}/${this.project}/${this.stack}`;
    this.aws = new MockAwsState({
      accountId: this.accountId,
      region: this.region,
      caller: "test",
      stackOutputs: options.stackOutputs,
      secretStackOutputs: options.secretStackOutputs,
      isNewStack: (name) => name === ownStack,
      network: options.network,
    });
  }

  /** Installs these mocks (and the stack's config) for everything registered from now on. */
  async install(config: Record<string, string> = {}): Promise<void> {
    // Keys without a namespace are this project's; `aws:region` and the like are kept as they are.
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${this.project}:${k}`, v])));
    await pulumi.runtime.setMocks(this, this.project, this.stack, false, this.organization);
    // The mocks interface is not told a resource's parent or options; the monitor's request carries them.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(request: RegisterResourceRequest, callback: unknown): unknown };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
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

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: PulumiValues } {
    const { parentUrn, dependencies, deleteBeforeReplace, protect, retainOnDelete } = this.pending ?? {
      parentUrn: undefined,
      dependencies: [],
      deleteBeforeReplace: false,
      protect: false,
      retainOnDelete: false,
    };
    this.pending = undefined;
    const inputs = unwrapSecrets(args.inputs);
    const { id, state } = this.aws.realize(args.type, args.name, inputs);
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

  call(args: pulumi.runtime.MockCallArgs): PulumiValues {
    return this.aws.call(args);
  }

  private urnOf(parentUrn: string | undefined, type: string, name: string): string {
    const qualified = parentUrn ? `${parentUrn.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
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
export function policyOf(resource: RecordedResource, field = "policy"): { Version: string; Statement: PulumiValues[] } {
  return JSON.parse(resource.inputs[field]);
}

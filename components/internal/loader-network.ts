import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { type ResolvedAuroraLoader } from "../settings/aurora-loader";
import { SECURITY_GROUP_RULE_DESCRIPTION, SECURITY_GROUP_RULE_DESCRIPTION_RULE } from "./aws-rules";
import { tagsOf, type Children } from "./context";

/** The port Aurora MySQL listens on unless told otherwise: the security groups open it; the functions read the cluster's own. */
const MYSQL_PORT = 3306;

/** Where the cluster and the functions run, and what guards them. */
export interface LoaderNetwork {
  vpcId: pulumi.Output<string>;
  subnetIds: pulumi.Output<string[]>;
  /** The new VPC, when the component made one. */
  vpc?: awsx.ec2.Vpc;
  /** Admits MySQL from the loader's group only. */
  clusterSecurityGroup: aws.ec2.SecurityGroup;
  /** The loader's and the setup function's: MySQL to the cluster, HTTPS to AWS. */
  loaderSecurityGroup: aws.ec2.SecurityGroup;
  /** The VPC endpoints, when created here: the functions wait for them. */
  endpoints: aws.ec2.VpcEndpoint[];
}

/**
 * The given network, or a new VPC with private subnets in two zones and no NAT gateway, and the
 * security groups: the cluster's admits MySQL from the loader's only; the loader's reaches the
 * cluster and AWS over HTTPS, through endpoints when the component adds them.
 */
export function createLoaderNetwork(children: Children, settings: ResolvedAuroraLoader): LoaderNetwork {
  const { name, region } = children;
  const opts = { parent: children.parent };
  const tags = tagsOf(children);
  const vpc = settings.network
    ? undefined
    : new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
          numberOfAvailabilityZones: 2,
          natGateways: { strategy: "None" },
          subnetStrategy: "Auto",
          subnetSpecs: [{ type: "Isolated" }],
          enableDnsHostnames: true,
          enableDnsSupport: true,
          tags,
        },
        opts,
      );
  const vpcId = vpc ? vpc.vpcId : pulumi.output(settings.network!.vpcId);
  const subnetIds = vpc ? vpc.isolatedSubnetIds : pulumi.output(settings.network!.subnetIds);

  const securityGroup = (group: string, description: string) => new aws.ec2.SecurityGroup(`${name}-${group}`, { vpcId, description, tags }, opts);
  const rule = (
    kind: "ingress" | "egress",
    ruleName: string,
    args: Omit<aws.vpc.SecurityGroupEgressRuleArgs, "ipProtocol" | "description" | "tags">,
    description: string,
  ) => {
    const ruleArgs = { ...args, ipProtocol: "tcp", description: ruleDescription(description, children.parent), tags };
    return kind === "ingress"
      ? new aws.vpc.SecurityGroupIngressRule(`${name}-${ruleName}`, ruleArgs, opts)
      : new aws.vpc.SecurityGroupEgressRule(`${name}-${ruleName}`, ruleArgs, opts);
  };
  const mysql = { fromPort: MYSQL_PORT, toPort: MYSQL_PORT };
  const https = { fromPort: 443, toPort: 443 };

  const cluster = securityGroup("cluster-sg", "Aurora cluster: MySQL from the loader only");
  const loader = securityGroup("loader-sg", "Loader function: MySQL to the cluster, HTTPS to AWS endpoints");
  rule("ingress", "cluster-from-loader", { securityGroupId: cluster.id, referencedSecurityGroupId: loader.id, ...mysql }, "MySQL from the loader");
  rule("egress", "loader-to-cluster", { securityGroupId: loader.id, referencedSecurityGroupId: cluster.id, ...mysql }, "MySQL to the cluster");

  // Aurora reads S3 itself for LOAD DATA FROM S3; the loader does in streamed mode.
  const s3PrefixList = aws.ec2.getPrefixListOutput({ name: pulumi.interpolate`com.amazonaws.${region}.s3` }, opts).id;
  rule("egress", "cluster-to-s3", { securityGroupId: cluster.id, prefixListId: s3PrefixList, ...https }, "HTTPS to S3, for LOAD DATA FROM S3");
  if (settings.mode === "streamed")
    rule("egress", "loader-to-s3", { securityGroupId: loader.id, prefixListId: s3PrefixList, ...https }, "HTTPS to S3, to stream objects");

  const network = { vpcId, subnetIds, vpc, clusterSecurityGroup: cluster, loaderSecurityGroup: loader };
  if (!settings.createEndpoints) {
    rule(
      "egress",
      "loader-to-aws",
      { securityGroupId: loader.id, cidrIpv4: "0.0.0.0/0", ...https },
      "HTTPS to Secrets Manager through the network NAT or endpoints",
    );
    return { ...network, endpoints: [] };
  }

  // S3 through a gateway endpoint on the route tables of the loader's subnets; Secrets Manager through an interface endpoint the loader alone may use.
  // https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html (one endpoint route per service in a route table)
  // https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html (private DNS: one endpoint per service in a VPC)
  const s3Endpoint = new aws.ec2.VpcEndpoint(
    `${name}-s3-endpoint`,
    {
      vpcId,
      serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: vpc ? aws.ec2.getRouteTablesOutput({ vpcId }, opts).ids : loaderRouteTables(children, { vpcId, subnetIds, s3PrefixList }),
      tags,
    },
    opts,
  );
  const endpointGroup = securityGroup("endpoint-sg", "AWS interface endpoints: HTTPS from the loader only");
  rule("ingress", "endpoint-from-loader", { securityGroupId: endpointGroup.id, referencedSecurityGroupId: loader.id, ...https }, "HTTPS from the loader");
  const secretsEndpoint = new aws.ec2.VpcEndpoint(
    `${name}-secrets-endpoint`,
    {
      vpcId,
      serviceName: pulumi.interpolate`com.amazonaws.${region}.secretsmanager`,
      vpcEndpointType: "Interface",
      subnetIds: vpc ? subnetIds : onePerZone(children, subnetIds),
      securityGroupIds: [endpointGroup.id],
      privateDnsEnabled: true,
      tags,
    },
    opts,
  );
  rule(
    "egress",
    "loader-to-endpoints",
    { securityGroupId: loader.id, referencedSecurityGroupId: endpointGroup.id, ...https },
    "HTTPS to the Secrets Manager endpoint",
  );
  return { ...network, endpoints: [s3Endpoint, secretsEndpoint] };
}

type Lookup = { vpcId: pulumi.Output<string>; subnetIds: pulumi.Output<string[]>; s3PrefixList: pulumi.Output<string> };

/**
 * The route tables of the loader's subnets in an existing network: each subnet's own, or the VPC's
 * main one for a subnet without one (its implicit association, which DescribeRouteTables does not
 * list by subnet). A table that already routes to S3, through a gateway endpoint of the network's
 * own, is left to it, and said: a route table holds one route per prefix list.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html
 */
function loaderRouteTables(children: Children, network: Lookup): pulumi.Output<string[]> {
  const opts = { parent: children.parent };
  const byFilter = (name: string, values: pulumi.Input<string>[], vpcId?: pulumi.Input<string>) =>
    aws.ec2.getRouteTablesOutput({ vpcId, filters: [{ name, values }] }, opts).ids.apply((ids) => ids ?? []);
  const main = byFilter("association.main", ["true"], network.vpcId);
  const routedToS3 = byFilter("route.destination-prefix-list-id", [network.s3PrefixList], network.vpcId);
  return pulumi.all([network.subnetIds, main, routedToS3]).apply(([subnetIds, mainTables, reaching]) =>
    pulumi.all(subnetIds.map((id) => byFilter("association.subnet-id", [id]))).apply((explicit) => {
      const tables = [...new Set(explicit.map((ids) => (ids.length > 0 ? ids : mainTables)).flat())];
      const reused = tables.filter((id) => reaching.includes(id));
      if (reused.length > 0) {
        void pulumi.log.warn(
          `route tables ${reused.join(", ")} of the loader's subnets reach S3 already, through a gateway endpoint of the network's own: the loader uses it there`,
          children.parent,
        );
      }
      return tables.filter((id) => !reaching.includes(id));
    }),
  );
}

/**
 * One subnet per Availability Zone, the first given in each: an interface endpoint takes at most one
 * subnet in a zone, and CreateVpcEndpoint fails with two.
 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 */
function onePerZone(children: Children, subnetIds: pulumi.Output<string[]>): pulumi.Output<string[]> {
  return subnetIds.apply((ids) =>
    pulumi
      .all(ids.map((id) => aws.ec2.getSubnetOutput({ id }, { parent: children.parent }).availabilityZone))
      .apply((zones) => ids.filter((_id, i) => zones.indexOf(zones[i]) === i)),
  );
}

/** A security group rule's description, refused at preview when EC2 would refuse it at deploy (components/internal/aws-rules.ts). */
function ruleDescription(description: string, component: pulumi.Resource): string {
  if (!SECURITY_GROUP_RULE_DESCRIPTION.test(description)) {
    throw new pulumi.ResourceError(`security group rule description "${description}" must be ${SECURITY_GROUP_RULE_DESCRIPTION_RULE}`, component, true);
  }
  return description;
}

import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./config";
import { selectComposition } from "./select";

const config = new pulumi.Config();
export = () => selectComposition(pulumi.getStack(), new StackConfig(config).string("composition"))(config);

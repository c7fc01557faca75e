import * as pulumi from "@pulumi/pulumi";
import { selectComposition } from "./select";

const config = new pulumi.Config();
export = () => selectComposition(pulumi.getStack(), config.get("composition"))(config);

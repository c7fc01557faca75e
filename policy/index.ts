import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

// `pulumi preview --policy-pack policy` (after `npm install` in this folder) enforces these.
new PolicyPack("stream-replication", { policies });

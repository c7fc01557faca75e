// `npm run rebuild`: the SDK is loaded only after the arguments are read, and told first not to
// warn about the Node version on every client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
import { runMain } from "./cli-run";
import { rebuildCommand } from "./rebuild-command";

runMain(rebuildCommand);

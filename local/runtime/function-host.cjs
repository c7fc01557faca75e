// Runs one bundled Lambda function in its own process, as Lambda runs it in an execution
// environment: the bundle's path comes in argv, its environment is this process's, and each
// invocation (one at a time) arrives as a message and answers as one.
"use strict";
const { handler } = require(process.argv[2]);
let invocation = 0;
process.on("message", async ({ event }) => {
  invocation += 1;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: "$LATEST",
    invokedFunctionArn: process.env.LOCAL_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: `local-${process.pid}-${invocation}`,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 60_000,
  };
  try {
    const result = await handler(event, context);
    process.send({ result: result === undefined ? null : result });
  } catch (error) {
    process.send({ error: { name: error && error.name, message: String(error && error.message), stack: error && error.stack } });
  }
});
// Lambda's environment ends with its runtime: so does this process when its parent goes away.
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });

import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { InvalidArgumentException } from "@aws-sdk/client-firehose";
import { expect } from "chai";
import { errorText, isRejectedAsInvalid, isRetryable } from "../../functions/shared/aws-errors";

/** An error as the SDK throws it after a response: its name, fault and the response's status. */
const sdkError = (name: string, fault: "client" | "server", httpStatusCode?: number) =>
  Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: httpStatusCode === undefined ? {} : { httpStatusCode } });

describe("AWS errors (functions/shared/aws-errors.ts)", () => {
  it("names an error as `Name: message`, and still gives a reason for a thrown value that is not an error", () => {
    expect(errorText(new TypeError("no such table"))).to.equal("TypeError: no such table");
    expect(errorText(sdkError("ThrottlingException", "client", 400))).to.equal("ThrottlingException: ThrottlingException happened");
    expect(errorText(undefined)).to.equal("undefined: undefined");
    expect(errorText(null)).to.equal("undefined: undefined");
  });

  describe("isRetryable", () => {
    it("retries a request that got no response: a dropped connection, or a thrown value that is not an SDK error", () => {
      expect(isRetryable(new Error("socket hang up"))).to.equal(true);
      expect(isRetryable(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).to.equal(true);
      expect(isRetryable(undefined)).to.equal(true);
    });

    it("retries any fault of the service, also one the SDK does not know by name or status", () => {
      expect(isRetryable(sdkError("SomeNewServiceFault", "server"))).to.equal(true);
      expect(isRetryable(sdkError("ServiceUnavailableException", "server", 503))).to.equal(true);
    });

    it("retries throttling, a transient failure and a 5xx response, each on its own", () => {
      expect(isRetryable(new ProvisionedThroughputExceededException({ message: "slow down", $metadata: { httpStatusCode: 400 } }))).to.equal(true);
      expect(isRetryable(sdkError("ThrottlingException", "client", 400)), "throttling by name").to.equal(true);
      expect(isRetryable(sdkError("Unnamed", "client", 429)), "throttling by status").to.equal(true);
      expect(isRetryable(sdkError("RequestTimeoutException", "client", 408)), "transient").to.equal(true);
      expect(isRetryable(sdkError("Unnamed", "client", 501)), "a 5xx the service called a client fault").to.equal(true);
    });

    it("does not retry a request the service refused: sending it again cannot succeed", () => {
      expect(isRetryable(new InvalidArgumentException({ message: "record too large", $metadata: { httpStatusCode: 400 } }))).to.equal(false);
      expect(isRetryable(sdkError("AccessDeniedException", "client", 403))).to.equal(false);
      expect(isRetryable(sdkError("ResourceNotFoundException", "client", 400))).to.equal(false);
    });
  });

  it("tells DynamoDB's ValidationException, which no retry can fix, from every other error", () => {
    expect(isRejectedAsInvalid(sdkError("ValidationException", "client", 400))).to.equal(true);
    expect(isRejectedAsInvalid(sdkError("ThrottlingException", "client", 400))).to.equal(false);
    expect(isRejectedAsInvalid(new Error("ValidationException"))).to.equal(false);
    expect(isRejectedAsInvalid(undefined)).to.equal(false);
  });
});

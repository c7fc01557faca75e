import { isServerError, isThrottlingError, isTransientError } from "@smithy/service-error-classification";

type SdkError = Parameters<typeof isThrottlingError>[0];

/** `Name: message`, how every log line and parked record names an error. */
export const errorText = (error: unknown): string => `${(error as Error)?.name}: ${(error as Error)?.message}`;

/**
 * Whether a failed AWS call may succeed if made again: throttling, a transient or server fault,
 * a dropped connection (the SDK's own classification, as its retry strategy uses it). A request
 * that got no response at all never reached the service, so it is retryable too.
 */
export function isRetryable(error: unknown): boolean {
  const e = error as SdkError;
  if (e?.$metadata === undefined || e.$fault === "server") return true;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/**
 * Whether the service refused the request as invalid, so that sending it again can never succeed.
 * DynamoDB's ValidationException has no error class in the SDK (it is a common error of the
 * protocol, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html),
 * so its name is how the SDK tells it apart.
 */
export const isRejectedAsInvalid = (error: unknown): boolean => (error as SdkError)?.name === "ValidationException";

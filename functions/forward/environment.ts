import { choiceEnv, positiveIntEnv, requiredEnv, type Environment } from "../shared/env";
import { type RemoveMode } from "./core";

/** The forward function's settings, as FirehoseArchive sets them in the environment. */
export interface ForwardEnvironment<T = string> {
  deliveryStreamName: T;
  deadLetterBucket: T;
  /** The table's key attributes, hash key first: the dedup key joins their values. */
  keyAttributes: string[];
  removeMode: RemoveMode;
  /** PutRecordBatch calls per batch before what still fails is left to Lambda's retry. */
  sendMaxAttempts: number;
}

export function forwardEnvironment<T>(settings: ForwardEnvironment<T>): Record<string, T | string> {
  return {
    DELIVERY_STREAM_NAME: settings.deliveryStreamName,
    DEAD_LETTER_BUCKET: settings.deadLetterBucket,
    KEY_ATTRIBUTES: settings.keyAttributes.join(","),
    REMOVE_MODE: settings.removeMode,
    SEND_MAX_ATTEMPTS: String(settings.sendMaxAttempts),
    POWERTOOLS_SERVICE_NAME: "forward",
  };
}

export function readForwardEnvironment(env: Environment): ForwardEnvironment {
  return {
    deliveryStreamName: requiredEnv(env, "DELIVERY_STREAM_NAME"),
    deadLetterBucket: requiredEnv(env, "DEAD_LETTER_BUCKET"),
    keyAttributes: requiredEnv(env, "KEY_ATTRIBUTES").split(","),
    removeMode: choiceEnv<RemoveMode>(env, "REMOVE_MODE", ["marker", "skip"]),
    sendMaxAttempts: positiveIntEnv(env, "SEND_MAX_ATTEMPTS"),
  };
}

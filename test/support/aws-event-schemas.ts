import { DynamoDBStreamSchema, KinesisDataStreamSchema, KinesisFirehoseSchema, S3Schema } from "@aws-lambda-powertools/parser/schemas";

/**
 * AWS's event formats as Powertools for AWS Lambda's parser encodes them (zod schemas written from
 * the events AWS sends): an encoding independent of the local runtime that builds the events.
 */
export const AWS_EVENT_SCHEMAS = {
  kinesis: KinesisDataStreamSchema,
  dynamodb: DynamoDBStreamSchema,
  firehose: KinesisFirehoseSchema,
  s3: S3Schema,
} as const;

export type EventKind = keyof typeof AWS_EVENT_SCHEMAS;

/** Why an event does not conform to its kind's schema, one line per issue; empty when it does. */
export function nonConformance(kind: EventKind, event: unknown): string[] {
  const result = AWS_EVENT_SCHEMAS[kind].safeParse(event);
  return result.success ? [] : result.error.issues.map((issue) => `${kind} event: ${issue.path.join(".")}: ${issue.message}`);
}

import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";

/** Temporary credentials, shaped as the AWS SDK's `credentials` option takes them. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface WriterRoleOptions {
  sts: Pick<STSClient, "send">;
  roleArn: string;
  /** The consumer account's writer role refuses AssumeRole without it. */
  externalId: string;
  sessionName: string;
  /** Session length in seconds. */
  durationSeconds: number;
  /**
   * Seconds before expiry when a fresh session is taken. The SDK itself asks again for
   * credentials that expire within five minutes, so a margin below 300 would assume the role
   * for every request in that window.
   */
  refreshMarginSeconds: number;
  now?: () => number;
}

/**
 * A credentials provider for the push mode's cross-account writes: assumes the writer role once,
 * shares the session across invocations of a warm container, and assumes it again shortly before
 * it expires. Callers that ask while a session is being taken wait for that one request.
 */
export function writerRoleCredentials(options: WriterRoleOptions): () => Promise<TemporaryCredentials> {
  const now = options.now ?? Date.now;
  let current: TemporaryCredentials | undefined;
  let pending: Promise<TemporaryCredentials> | undefined;

  const assume = async (): Promise<TemporaryCredentials> => {
    const { Credentials: c } = await options.sts.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        ExternalId: options.externalId,
        RoleSessionName: options.sessionName,
        DurationSeconds: options.durationSeconds,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`AssumeRole on ${options.roleArn} returned no credentials`);
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };

  return async () => {
    if (current && current.expiration.getTime() - options.refreshMarginSeconds * 1000 > now()) return current;
    pending ??= assume()
      .then((fresh) => (current = fresh))
      .finally(() => (pending = undefined));
    try {
      return await pending;
    } catch (error) {
      // A refresh that fails early does not stop writes the current session can still make.
      if (current && current.expiration.getTime() > now()) return current;
      throw error;
    }
  };
}

/** A role session name from the function's name: IAM allows 2–64 of `[\w+=,.@-]`. */
export function sessionNameFor(functionName: string): string {
  return `ingest-${functionName}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

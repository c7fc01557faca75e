import { backoffDelay, sleep, type BackoffOptions } from "../shared/retry";

/**
 * MySQL's lock conflicts that a transaction run again from its start gets past: a deadlock, after
 * which InnoDB has rolled the whole transaction back (ER_LOCK_DEADLOCK, 1213), and a lock wait
 * timeout (ER_LOCK_WAIT_TIMEOUT, 1205), after which the loader rolls it back itself
 * (https://dev.mysql.com/doc/refman/8.0/en/innodb-deadlocks-handling.html: "always be prepared to
 * re-issue a transaction if it fails due to deadlock").
 */
export const LOCK_CONFLICTS: Readonly<Record<number, string>> = { 1213: "ER_LOCK_DEADLOCK", 1205: "ER_LOCK_WAIT_TIMEOUT" };

export function isLockConflict(error: unknown): boolean {
  const errno = (error as { errno?: unknown } | undefined)?.errno;
  return typeof errno === "number" && Object.prototype.hasOwnProperty.call(LOCK_CONFLICTS, errno);
}

export interface LockRetryOptions extends BackoffOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Waits between attempts; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An object's load, retried: 5 attempts, up to 0.1, 0.2, 0.4, 0.8 s apart (full jitter). Within
 * the loader's 300 s even when every attempt waits out MySQL's default 50 s lock wait timeout
 * (innodb_lock_wait_timeout), so a conflict that outlasts them fails the object within the
 * invocation, to Lambda's own retries.
 */
export const LOAD_LOCK_RETRY: LockRetryOptions = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

/** What the loader logs of each retry. */
export interface LockRetry {
  /** The attempt that failed, from 1. */
  attempt: number;
  attempts: number;
  delayMs: number;
  code: string;
  error: string;
}

/** Runs `task` (one whole transaction) again after a lock conflict, with backoff, up to `options.attempts` times; any other error, or the last conflict, is thrown. */
export async function retryLockConflicts<T>(task: () => Promise<T>, options: LockRetryOptions, retried: (retry: LockRetry) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!isLockConflict(error) || attempt >= options.attempts) throw error;
      const delayMs = backoffDelay(attempt - 1, options);
      retried({ attempt, attempts: options.attempts, delayMs, code: LOCK_CONFLICTS[(error as { errno: number }).errno], error: (error as Error).message });
      await (options.sleep ?? sleep)(delayMs);
    }
  }
}

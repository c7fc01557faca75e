/**
 * Reading a function's settings from the environment its component set. Every setting is there:
 * the component's settings model holds the defaults, so a missing key is a deployment fault and
 * fails the module's initialisation, naming the key.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export function requiredEnv(env: Environment, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the component that deploys this function sets it`);
  return value;
}

export function positiveIntEnv(env: Environment, name: string): number {
  const raw = requiredEnv(env, name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`environment variable ${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function choiceEnv<T extends string>(env: Environment, name: string, choices: readonly T[]): T {
  const value = requiredEnv(env, name);
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`environment variable ${name} must be ${choices.map((c) => `"${c}"`).join(" or ")}, got "${value}"`);
  return value as T;
}

export function jsonEnv<T>(env: Environment, name: string): T {
  const raw = requiredEnv(env, name);
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    throw new Error(`environment variable ${name} must be JSON: ${(error as Error).message}`, { cause: error });
  }
}

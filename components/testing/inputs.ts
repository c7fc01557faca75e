const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/**
 * A resource's inputs or state, or a data source's answer, as Pulumi's mocks pass them: shapes that
 * vary by resource type, typed `Record<string, any>` by Pulumi's own `pulumi.runtime.Mocks`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Pulumi's Mocks interface types them so; read by path, as the provider's schema says
export type PulumiValues = Record<string, any>;

/** Resource inputs as the program gave them: under Pulumi mocks, secrets arrive wrapped, and are unwrapped here. */
export function unwrapSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(unwrapSecrets) as T;
  if (value === null || typeof value !== "object" || typeof (value as { then?: unknown }).then === "function") return value;
  const object = value as Record<string, unknown>;
  if (object[SECRET_SIGNATURE] !== undefined && "value" in object) return unwrapSecrets(object.value) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unwrapSecrets(v)])) as T;
}

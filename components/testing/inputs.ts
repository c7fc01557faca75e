const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Resource inputs as the program gave them: under Pulumi mocks, secrets arrive wrapped, and are unwrapped here. */
export function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object" || typeof value.then === "function") return value;
  if (value[SECRET_SIGNATURE] !== undefined && "value" in value) return unwrapSecrets(value.value);
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/**
 * A value built on its first use and kept for the container's life, as a module-scope value is, but
 * paid for by the first invocation instead of the module's initialisation. A `require` inside
 * `build` defers even the loading of its module: esbuild keeps the module in the bundle and runs it
 * only when that `require` does.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

// The package's entry as Pulumi's component analyzer finds it (an `index.ts` at the root): it reads
// the TypeScript sources behind package.json's `exports`, which point at the built dist/.
export * from "./components";

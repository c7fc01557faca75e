// ESLint with typescript-eslint's recommended rules (https://typescript-eslint.io/getting-started),
// formatting left to Prettier (eslint-config-prettier turns off the rules it owns).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "docs/api/", "node_modules/", "examples/consumer/node_modules/", "mutation/node_modules/", "mutation/reports/", ".stryker-tmp/", "local/runtime/function-host.cjs", "engines/engine-host.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // `_name` marks what a destructuring leaves out on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // The settings models run without Pulumi (the capacity model, `npm run plan`, the bench): types only.
    files: ["components/settings/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [{ group: ["@pulumi/*"], message: "components/settings/ is Pulumi-free: import Pulumi's types with `import type`.", allowTypeImports: true }] }],
    },
  },
);

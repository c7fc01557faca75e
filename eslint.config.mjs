// ESLint with typescript-eslint's recommended rules (https://typescript-eslint.io/getting-started),
// formatting left to Prettier (eslint-config-prettier turns off the rules it owns).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "docs/api/",
      "node_modules/",
      "examples/consumer/node_modules/",
      "mutation/node_modules/",
      "mutation/reports/",
      ".stryker-tmp/",
      "local/runtime/function-host.cjs",
      "engines/engine-host.cjs",
    ],
  },
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
    // Modules loaded on first use, as `require(...) as typeof import(...)`: a handler's cold start
    // pays only for the path it takes, a command answers --help before loading its engines, and a
    // program under test loads after Pulumi's mocks are set.
    files: ["functions/*/handler.ts", "functions/shared/observability.ts", "tools/*.ts", "local/start.ts", "bench/*.ts", "test/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // chai's property assertions (`expect(x).to.be.empty`) are expressions.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
  {
    // Node scripts (Stryker's config and checks, the engines' watcher).
    files: ["**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    // The settings models run without Pulumi (the capacity model, `npm run plan`, the bench): types only.
    files: ["components/settings/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@pulumi/*"], message: "components/settings/ is Pulumi-free: import Pulumi's types with `import type`.", allowTypeImports: true },
          ],
        },
      ],
    },
  },
);

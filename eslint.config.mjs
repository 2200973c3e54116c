// Lint for the whole repo: typescript-eslint's recommended rules (without type information, to stay fast) and
// the import boundaries between the folders. Arrows point down to core/; tests/lint/import-boundaries.test.ts
// proves that each boundary fails on a forbidden import.

import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** A relative import of one of these top-level folders (`./x` from index.ts, `../x`, `../../x` below). */
const into = (...folders) => `^(\\.\\.?/)+(${folders.join("|")})(/|$)`;

/** One no-restricted-imports rule from [regex, why] pairs. */
const restrict = (...groups) => ["error", { patterns: groups.map(([regex, message]) => ({ regex, message })) }];

const NOT_PULUMI = ["^@pulumi/", "Pulumi belongs in components/ and index.ts (the Pulumi program) only."];
const NOT_SDK = [
  "^(@aws-sdk|@aws-lambda-powertools)/",
  "AWS SDK clients belong in functions/ and the operator CLI, never in the Pulumi program.",
];
const NOT_IOREDIS = ["^ioredis$", "ioredis belongs in functions/store/; the Pulumi program never loads it."];
const NOT_FUNCTIONS = [
  into("functions"),
  "The Pulumi program uses the handlers only as built bundles (components/bundle.ts); what it must know about them is in core/ (handler-manifest.ts, store-env.ts, store-schema.ts).",
];
// scripts/system-deps.js is the one place that installs system programs, shared by npm test, npm start, bench and soak.
const NOT_SCRIPTS = [
  "^(\\.\\.?/)+scripts/(?!system-deps$)",
  "Only scripts/system-deps (the shared system-program installer) may be imported from scripts/.",
];
// The local runtime serves the handlers from the manifest through functions/registry.ts, never from a handler's module.
const NOT_HANDLER_INTERNALS = [
  "^(\\.\\.?/)+functions/handlers(/|$)",
  "The local runtime takes handlers from functions/registry (by their manifest name), not from functions/handlers/.",
];
const NOT_COMPONENTS = [into("components"), "components/ is the Pulumi program: take what you need from core/."];
const NOT_TOOLS_FROM_FUNCTIONS = [
  into("local", "bench", "scripts", "cli", "policy", "tests"),
  "Lambda code never imports the local runner, the bench, scripts, the operator CLI, the policy pack or tests.",
];

export const BOUNDARIES = {
  "core/**/*.ts": restrict(
    ["^(?!zod$|zod/|\\.)", "core/ is pure: it imports only zod and other core/ modules (no AWS SDK, no Pulumi, no I/O)."],
    [
      into("components", "functions", "local", "bench", "scripts", "cli", "policy", "tests"),
      "core/ is the bottom layer: it imports nothing from the other folders.",
    ],
  ),
  "{components/**/*.ts,index.ts}": restrict(NOT_FUNCTIONS, NOT_IOREDIS, NOT_SDK, [
    into("local", "bench", "scripts", "cli", "policy", "tests"),
    "The Pulumi program never imports the local runner, the bench, scripts, the operator CLI, the policy pack or tests.",
  ]),
  "functions/**/*.ts": restrict(NOT_PULUMI, NOT_COMPONENTS, NOT_TOOLS_FROM_FUNCTIONS),
  // Later blocks replace the rule for their files, so this one repeats the functions/ groups.
  "functions/breaker/**/*.ts": restrict(NOT_PULUMI, NOT_COMPONENTS, NOT_TOOLS_FROM_FUNCTIONS, [
    "^\\.\\./store(/|$)",
    "The breaker service works on the StateStore interface (core/state-store.ts), never on a store implementation.",
  ]),
  "local/**/*.ts": restrict(NOT_PULUMI, NOT_COMPONENTS, NOT_SCRIPTS, NOT_HANDLER_INTERNALS, [
    into("bench", "cli", "policy", "tests"),
    "The local runner never imports the bench, the operator CLI, the policy pack or tests.",
  ]),
  "bench/**/*.ts": restrict(NOT_PULUMI, NOT_COMPONENTS, NOT_SCRIPTS, [
    into("cli", "policy", "tests"),
    "The bench never imports the operator CLI, the policy pack or tests.",
  ]),
  "cli/**/*.ts": restrict(NOT_PULUMI, NOT_COMPONENTS, [
    into("local", "bench", "policy", "tests"),
    "The operator CLI works on a deployed breaker: it never imports the local runner, the bench, the policy pack or tests.",
  ]),
  "policy/**/*.ts": restrict([
    into("core", "components", "functions", "local", "bench", "scripts", "cli", "tests"),
    "The policy pack is its own package (policy/package.json): it imports nothing from the program.",
  ]),
};

export default tseslint.config(
  { ignores: ["**/node_modules/**", "bin/**", "out/**"] },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a parameter kept for a signature's sake.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Glue around Pulumi's untyped runtime and engine: resource property bags are `any`, and modules are
    // loaded lazily or afresh with require().
    files: ["scripts/**/*.ts", "policy/**/*.ts", "tests/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
        setImmediate: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  ...Object.entries(BOUNDARIES).map(([files, rule]) => ({ files: [files], rules: { "no-restricted-imports": rule } })),
  {
    // core/ runs anywhere (Lambda, the Pulumi program, the CLI, a browser report): no Node-only globals.
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "Buffer", message: "core/ is pure: count bytes with TextEncoder (core/aws-limits.ts utf8Bytes)." },
        { name: "process", message: "core/ is pure: read the environment in functions/, components/ or the CLI and pass values in." },
      ],
    },
  },
);

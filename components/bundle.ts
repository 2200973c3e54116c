// Bundles a Lambda handler with esbuild inside the program, deterministically: the same sources give
// a byte-identical archive from any working directory, so a repeated `pulumi preview` shows no diff.
// - absWorkingDir is pinned to the repository root (esbuild's comments and paths are relative to it);
// - no sourcemap, no legal comments, no banner/define (nothing time- or machine-dependent);
// - the archive is an in-memory StringAsset (Pulumi hashes an AssetArchive by content only; a zip
//   file would be hashed by its bytes, timestamps included).

import * as crypto from "node:crypto";
import * as path from "node:path";
import * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";

/** The repository root: every entry is resolved against it, never against process.cwd(). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Where the Lambda handlers live, relative to REPO_ROOT. */
export const HANDLERS_DIR = "functions/handlers";

/** The file name inside the archive; the function's handler is `index.handler`. */
export const BUNDLE_FILE = "index.js";
export const LAMBDA_HANDLER = "index.handler";

/** The esbuild options that make the bundle reproducible (exported for the tests). */
export const BUNDLE_OPTIONS: Readonly<esbuild.BuildOptions> = Object.freeze({
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  charset: "utf8",
  write: false,
  logLevel: "silent",
  absWorkingDir: REPO_ROOT,
});

export interface Bundle {
  /** Entry, relative to REPO_ROOT (posix separators). */
  entry: string;
  code: string;
  /** sha256 of the code, hex. */
  hash: string;
}

const cache = new Map<string, Bundle>();

export function bundleHash(code: string): string {
  return crypto.createHash("sha256").update(code, "utf8").digest("hex");
}

/** The entry file of a handler name, e.g. "record-outcome" -> functions/handlers/record-outcome.ts. */
export function handlerEntry(handler: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(handler)) {
    throw new Error(`handler name ${JSON.stringify(handler)} is not valid; allowed: lower-case letters, digits and dashes`);
  }
  return `${HANDLERS_DIR}/${handler}.ts`;
}

/**
 * Bundles `entry` (relative to REPO_ROOT or absolute inside it) synchronously, once per process.
 * Synchronous on purpose: the code exists before any resource is constructed.
 */
export function bundleEntry(entry: string): Bundle {
  const abs = path.resolve(REPO_ROOT, entry);
  const rel = path.relative(REPO_ROOT, abs).split(path.sep).join("/");
  if (rel.startsWith("../") || path.isAbsolute(rel)) {
    throw new Error(`bundle entry ${entry} is outside the repository root ${REPO_ROOT}`);
  }
  const cached = cache.get(rel);
  if (cached) return cached;
  let result: esbuild.BuildResult;
  try {
    result = esbuild.buildSync({ ...BUNDLE_OPTIONS, entryPoints: [rel] });
  } catch (err) {
    throw new Error(`esbuild could not bundle ${rel}: ${(err as Error).message}`, { cause: err });
  }
  const files = result.outputFiles ?? [];
  if (files.length !== 1) throw new Error(`esbuild produced ${files.length} output files for ${rel}; expected 1`);
  const code = files[0].text;
  const bundle: Bundle = { entry: rel, code, hash: bundleHash(code) };
  cache.set(rel, bundle);
  return bundle;
}

export function bundleHandler(handler: string): Bundle {
  return bundleEntry(handlerEntry(handler));
}

/** The Lambda code for a handler: `{ "index.js": <bundle> }`, content-hashed by Pulumi. */
export function handlerArchive(handler: string): pulumi.asset.AssetArchive {
  const { code } = bundleHandler(handler);
  return new pulumi.asset.AssetArchive({ [BUNDLE_FILE]: new pulumi.asset.StringAsset(code) });
}

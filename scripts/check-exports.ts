/**
 * Keeps the JSR and npm manifests in sync (after hono's `build/validate-exports.ts`):
 *
 * - `deno.json` and `package.json` export the same subpaths;
 * - each subpath maps to the same source: `./adapters/node.ts` (JSR) ↔ `./dist/adapters/node.js`
 *   and `./dist/adapters/node.d.ts` (npm), with the `types` condition listed first;
 * - both manifests carry the same version (package.json is the source; `npm version` copies it
 *   into deno.json via scripts/sync-version.mjs).
 *
 * Runs under Node >= 22 (type stripping), Deno and Bun: `node scripts/check-exports.ts`.
 * Exits 1 and names every mismatch.
 * @module
 */

import { readFileSync } from "node:fs";

type PackageExport = string | { [condition: string]: string | undefined };

interface DenoManifest {
  version?: string;
  exports?: string | Record<string, string>;
}

interface PackageManifest {
  version?: string;
  exports?: string | Record<string, PackageExport>;
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), "utf8")) as T;
}

function normalise(exports: string | Record<string, unknown> | undefined): Record<string, unknown> {
  if (exports === undefined) return {};
  return typeof exports === "string" ? { ".": exports } : exports;
}

/** `./adapters/node.ts` → `./dist/adapters/node` (the npm path without its extension). */
function distStem(source: string): string {
  return `./dist/${source.replace(/^\.\//, "").replace(/\.ts$/, "")}`;
}

/**
 * Compares the two manifests.
 * @returns one line per problem; empty when they agree.
 */
function compareManifests(deno: DenoManifest, pkg: PackageManifest): string[] {
  const problems: string[] = [];
  if (deno.version !== pkg.version) {
    problems.push(
      `version: deno.json has ${JSON.stringify(deno.version)}, package.json has ${
        JSON.stringify(pkg.version)
      } (run: node scripts/sync-version.mjs)`,
    );
  }
  const denoExports = normalise(deno.exports);
  const pkgExports = normalise(pkg.exports);
  for (const subpath of Object.keys(denoExports)) {
    if (!(subpath in pkgExports)) {
      problems.push(`${subpath}: exported by deno.json but missing from package.json exports`);
    }
  }
  for (const subpath of Object.keys(pkgExports)) {
    if (!(subpath in denoExports)) {
      problems.push(`${subpath}: exported by package.json but missing from deno.json exports`);
    }
  }
  for (const [subpath, source] of Object.entries(denoExports)) {
    const target = pkgExports[subpath];
    if (target === undefined) continue;
    if (typeof source !== "string" || !source.endsWith(".ts")) {
      problems.push(
        `${subpath}: deno.json must map it to a .ts source, got ${JSON.stringify(source)}`,
      );
      continue;
    }
    const stem = distStem(source);
    if (typeof target !== "object" || target === null) {
      problems.push(
        `${subpath}: package.json must map it to { "types": "${stem}.d.ts", "default": "${stem}.js" }, got ${
          JSON.stringify(target)
        }`,
      );
      continue;
    }
    const conditions = target as Record<string, unknown>;
    const names = Object.keys(conditions);
    if (names[0] !== "types") {
      problems.push(`${subpath}: package.json must list the "types" condition first`);
    }
    if (conditions["types"] !== `${stem}.d.ts`) {
      problems.push(
        `${subpath}: package.json types is ${
          JSON.stringify(conditions["types"])
        }, expected "${stem}.d.ts" (deno.json maps it to ${source})`,
      );
    }
    for (const name of names) {
      if (name === "types") continue;
      if (conditions[name] !== `${stem}.js`) {
        problems.push(
          `${subpath}: package.json ${name} is ${
            JSON.stringify(conditions[name])
          }, expected "${stem}.js" (deno.json maps it to ${source})`,
        );
      }
    }
    if (!names.some((name) => name !== "types")) {
      problems.push(
        `${subpath}: package.json has no JavaScript condition ("default": "${stem}.js")`,
      );
    }
  }
  return problems;
}

{
  const problems = compareManifests(
    readJson<DenoManifest>("deno.json"),
    readJson<PackageManifest>("package.json"),
  );
  if (problems.length > 0) {
    console.error(`check-exports: deno.json and package.json disagree (${problems.length}):`);
    for (const problem of problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  const count = Object.keys(normalise(readJson<DenoManifest>("deno.json").exports)).length;
  console.log(
    `check-exports: ${count} subpaths and the version agree in deno.json and package.json`,
  );
}

// One version source: package.json. `npm version <x>` runs this (the "version" script) to copy
// the new version into deno.json; scripts/check-exports.ts fails if the two ever differ.
import { readFileSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
const denoPath = new URL("deno.json", root);
const text = readFileSync(denoPath, "utf8");
const next = text.replace(/("version"\s*:\s*)"[^"]*"/, `$1${JSON.stringify(version)}`);
if (next === text && !text.includes(`"version": ${JSON.stringify(version)}`)) {
  console.error('sync-version: no "version" field found in deno.json');
  process.exit(1);
}
writeFileSync(denoPath, next);
console.log(`sync-version: deno.json version is ${version}`);

#!/usr/bin/env node
/**
 * The `everywhen` admin CLI: `npx everywhen ./everywhen.db list`, or with a store URL,
 * `npx everywhen postgres://user:pass@host/db list` (see `bin/open_store.ts`).
 * Runs on Node 22+ (also `deno run -A bin/everywhen.ts`, `bun bin/everywhen.ts`).
 * Encrypted stores: set `EVERYWHEN_ENCRYPTION_KEY` (and `EVERYWHEN_ENCRYPTION_OLD_KEYS`,
 * comma-separated) so payloads and results can be shown.
 * @module
 */
import process from "node:process";
import { runCli } from "../src/cli.ts";
import { encryptedCodec } from "../src/encryption.ts";

// node:sqlite is still flagged experimental on Node 22; its warning is noise for CLI users.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") console.warn(w);
});
const { openStore } = await import("./open_store.ts");

const key = process.env.EVERYWHEN_ENCRYPTION_KEY;
const oldKeys = (process.env.EVERYWHEN_ENCRYPTION_OLD_KEYS ?? "").split(",").filter(Boolean);
const codec = key ? await encryptedCodec({ key, oldKeys }) : undefined;

process.exitCode = await runCli(process.argv.slice(2), {
  openStore: (url, options) => openStore(url, options),
  out: (text) => process.stdout.write(text + "\n"),
  err: (text) => process.stderr.write(text + "\n"),
  ...(codec ? { codec } : {}),
});

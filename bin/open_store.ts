/**
 * `openStore(url)`: opens the store a URL names, picking the store from the URL's scheme, for
 * tools that take a store on their command line (the `everywhen` CLI):
 *
 * - `postgres://user:password@host:5432/db` (or `postgresql://`): PostgreSQL; `?schema=name`
 *   picks the schema (default `everywhen`);
 * - `sqlite:path`, `sqlite:///absolute/path`, `file:///absolute/path`, or a plain path: an SQLite
 *   file; `:memory:` is a private in-memory database.
 *
 * Lives outside `src/` (which stays runtime-agnostic) and loads only the store it needs, so
 * SQLite users need no PostgreSQL client installed.
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkKeys } from "../src/_keys.ts";
import type { Store } from "../src/store.ts";

/** Options for {@linkcode openStore}. */
export interface OpenStoreUrlOptions {
  /**
   * Whether an SQLite file that does not exist is created. Without it a missing file is an
   * error, so a mistyped path cannot silently become a new, empty store.
   * @default true
   */
  create?: boolean;
}

/** What a store URL names. */
export type StoreLocation =
  | { kind: "postgres"; url: string; schema: string | undefined }
  | { kind: "sqlite"; path: string };

/**
 * Reads a store URL.
 * @param url A PostgreSQL URL, an SQLite path, or a `sqlite:`/`file:` URL.
 * @returns Which store it names, and where.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== "string" || url === "") {
    throw new TypeError("Invalid store URL: expected a path or a URL such as postgres://host/db");
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    return { kind: "postgres", url: parsed.toString(), schema };
  }
  if (/^file:/i.test(url)) return { kind: "sqlite", path: fileURLToPath(url) };
  const sqlite = /^sqlite:(?:\/\/)?(.*)$/i.exec(url);
  if (sqlite) {
    if (sqlite[1] === "") throw new TypeError(`Invalid store URL: ${url} names no file`);
    return { kind: "sqlite", path: sqlite[1]! };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new TypeError(
      `Invalid store URL: unknown scheme in ${
        JSON.stringify(url.replace(/\/\/[^@/]*@/, "//…@"))
      } (expected postgres://, sqlite: or a file path)`,
    );
  }
  return { kind: "sqlite", path: url };
}

/**
 * Opens the store a URL names (see the module doc for the forms).
 * @param url The store URL or SQLite path.
 * @param options Whether a missing SQLite file may be created.
 * @returns The open store; `close()` releases it.
 * @example
 * ```ts ignore
 * import { openStore } from "./open_store.ts";
 * const store = await openStore(process.env.DATABASE_URL ?? "./everywhen.db", { create: false });
 * ```
 */
export async function openStore(url: string, options: OpenStoreUrlOptions = {}): Promise<Store> {
  const { create = true } = checkKeys(options, ["create"], "openStore options");
  const where = parseStoreUrl(url);
  if (where.kind === "postgres") {
    const postgres = await import("../adapters/postgres.ts");
    return await postgres.openStore(
      where.url,
      where.schema === undefined ? {} : { schema: where.schema },
    );
  }
  const { path } = where;
  if (!create && path !== ":memory:" && !existsSync(path)) {
    throw new Error(
      `Cannot open the store: ${path} does not exist (check the path, or pass --create to create a new store there)`,
    );
  }
  const sqlite = await import("../adapters/sqlite.ts");
  return await sqlite.openStore(path);
}

// The CLI's store argument: one openStore(url) that picks SQLite or PostgreSQL from the URL,
// tested against real SQLite files and a real (throwaway) PostgreSQL server.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openStore, parseStoreUrl } from "../bin/open_store.ts";
import { runCli } from "../src/cli.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { every } from "../src/triggers/mod.ts";
import { failInCi, startPostgres } from "./helpers/postgres.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-cli-url-"));
const pg = await startPostgres();
after(async () => {
  await pg.destroy();
  rmSync(dir, { recursive: true, force: true });
});
failInCi(pg);

/** Runs the CLI in process against the store the URL names, as the binary does. */
async function cli(url: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([url, ...args], {
    openStore: (u, options) => openStore(u, options),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("store URLs", () => {
  it("reads PostgreSQL URLs, sqlite: and file: URLs and plain paths", () => {
    assert.deepEqual(parseStoreUrl("postgres://u:p@db:5432/app?schema=jobs&sslmode=require"), {
      kind: "postgres",
      url: "postgres://u:p@db:5432/app?sslmode=require",
      schema: "jobs",
    });
    assert.deepEqual(parseStoreUrl("postgresql://db/app"), {
      kind: "postgres",
      url: "postgresql://db/app",
      schema: undefined,
    });
    assert.deepEqual(parseStoreUrl("sqlite:./x.db"), { kind: "sqlite", path: "./x.db" });
    assert.deepEqual(parseStoreUrl("sqlite:///var/x.db"), { kind: "sqlite", path: "/var/x.db" });
    assert.deepEqual(parseStoreUrl("./x.db"), { kind: "sqlite", path: "./x.db" });
    assert.deepEqual(parseStoreUrl(":memory:"), { kind: "sqlite", path: ":memory:" });
    assert.equal(parseStoreUrl(pathToFileURL("/var/x.db").href).kind, "sqlite");
    assert.throws(() => parseStoreUrl("mysql://u:secret@db/app"), (e: Error) => {
      assert.match(e.message, /unknown scheme/);
      assert.doesNotMatch(e.message, /secret/, "credentials are not echoed");
      return e instanceof TypeError;
    });
    assert.throws(() => parseStoreUrl("sqlite:"), /names no file/);
    assert.throws(() => parseStoreUrl(""), TypeError);
  });

  it("opens an SQLite file by path, sqlite: URL or file: URL; refuses a missing one", async () => {
    const path = join(dir, "jobs.db");
    const missing = await cli(`sqlite:${path}`, "lock", "on");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /does not exist .*--create/);
    assert.equal(existsSync(path), false);
    assert.equal((await cli(`sqlite:${path}`, "lock", "on", "--create")).code, 0);
    assert.equal((await cli(path, "lock")).out, "Locked: locked by the everywhen CLI");
    assert.equal((await cli(pathToFileURL(path).href, "lock", "off")).code, 0);
    assert.equal((await cli(path, "lock")).out, "Unlocked");
    await assert.rejects(openStore(path, { crate: true } as never), /did you mean "create"/);
  });

  it("opens a PostgreSQL store by URL, in the schema the URL names", {
    skip: pg.skip ? `no PostgreSQL server: ${pg.skip}` : false,
  }, async () => {
    const url = `${pg.url}?schema=cli_${process.pid}`;
    const store = await openStore(url);
    const scheduler = new Scheduler({ store });
    scheduler.task("report", () => "ok");
    await scheduler.schedule({ id: "pg-daily", task: "report", trigger: every("P1D") });
    await store.close();
    const list = await cli(url, "list");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /pg-daily\s+report\s+every\s+active\s+\d{4}-\d\d-\d\dT[\d:]+\.\d{3}Z/);
    assert.equal((await cli(url, "lock", "on", "--reason", "deploy")).code, 0);
    assert.deepEqual(JSON.parse((await cli(url, "lock", "--json")).out), {
      locked: true,
      reason: "deploy",
    });
    // Another schema of the same database is another store.
    assert.equal(
      (await cli(`${pg.url}?schema=cli_other_${process.pid}`, "list")).out,
      "No schedules",
    );
  });
});

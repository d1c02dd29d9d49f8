// The demo (`npm start`) as a user runs it: a subprocess on a free port and a fresh SQLite file,
// driven over HTTP. Each runtime starts its own entry point: Node runs examples/demo/node.ts,
// Bun examples/demo/bun.ts, Deno examples/demo/deno.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { PUBLIC_BODY_LIMIT, readConfig } from "../examples/demo/app.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TOKEN = "demo-test-token-0123456789";

function command(): { cmd: string; args: string[] } {
  const runtime = process.env.EVERYWHEN_RUNTIME ??
    ("Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node");
  if (runtime === "deno") {
    return {
      cmd: process.env.EVERYWHEN_DENO ?? process.execPath,
      args: ["run", "-A", "examples/demo/deno.ts"],
    };
  }
  if (runtime === "bun") {
    return { cmd: process.env.EVERYWHEN_BUN ?? process.execPath, args: ["examples/demo/bun.ts"] };
  }
  return { cmd: process.execPath, args: ["examples/demo/node.ts"] };
}

interface Demo {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(db: string, port: number): ChildProcess {
  const { cmd, args } = command();
  return spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), EVERYWHEN_DB: db, EVERYWHEN_ADMIN_TOKEN: TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function start(db: string): Promise<Demo> {
  const { cmd, args } = command();
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", EVERYWHEN_DB: db, EVERYWHEN_ADMIN_TOKEN: TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code, signal) => {
      if (code === null) out += `\n[exited on signal ${signal}]`;
      resolve(code);
    })
  );
  const until = Date.now() + 30_000;
  let match: RegExpMatchArray | null = null;
  while (!(match = out.match(/listening on (http:\/\/\S+)/))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`The demo did not start (${cmd} ${args.join(" ")}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: match[1]!, output: () => out, exited };
}

async function stop(demo: Demo): Promise<number | null> {
  // process.kill, not child.kill: Deno's child_process reports a child it was asked to kill as
  // killed by that signal even when the child handles it and exits with a status of its own.
  process.kill(demo.child.pid!, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), 15_000)));
  const code = await Promise.race([demo.exited, timeout]);
  clearTimeout(timer);
  if (code === "timeout") {
    demo.child.kill("SIGKILL");
    throw new Error(`The demo did not stop on SIGTERM:\n${demo.output()}`);
  }
  return code;
}

const authed = { authorization: `Bearer ${TOKEN}` };

describe("demo", () => {
  it("reads its settings from the environment and generates a token when none is set", () => {
    const generated = readConfig({});
    assert.equal(generated.port, 3000);
    assert.equal(generated.db, "./everywhen.db");
    assert.equal(generated.tokenGenerated, true);
    assert.ok(generated.token.length >= 16);
    assert.notEqual(readConfig({}).token, generated.token);
    const given = readConfig({
      PORT: "0",
      EVERYWHEN_DB: "/tmp/x.db",
      EVERYWHEN_ADMIN_TOKEN: TOKEN,
    });
    assert.deepEqual([given.port, given.db, given.token, given.tokenGenerated], [
      0,
      "/tmp/x.db",
      TOKEN,
      false,
    ]);
    assert.throws(() => readConfig({ PORT: "http" }), /Invalid PORT/);
  });

  it("enqueues a delayed job over HTTP, returns its result, persists, and stops on SIGTERM", {
    timeout: 90_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "everywhen-demo-"));
    const db = join(dir, "demo.db");
    try {
      let demo = await start(db);
      assert.match(demo.output(), new RegExp(`admin token: ${TOKEN}`));
      assert.match(demo.output(), /dashboard: +http:\/\/\S+\/admin/);

      const created = await fetch(`${demo.url}/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Ada", delay: 300, steps: 1 }),
      });
      assert.equal(created.status, 202);
      const { id } = await created.json() as { id: string };
      const early = await fetch(`${demo.url}/reports/${id}`);
      assert.equal(early.status, 202);
      assert.equal((await early.json() as { status: string }).status, "pending");

      const done = await fetch(`${demo.url}/reports/${id}?wait=20`);
      assert.equal(done.status, 200);
      const body = await done.json() as { status: string; result: { greeting: string } };
      assert.equal(body.status, "succeeded");
      assert.equal(body.result.greeting, "Hello, Ada");

      const bad = await fetch(`${demo.url}/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "" }),
      });
      assert.equal(bad.status, 400);
      // Public routes refuse large bodies before parsing them.
      const huge = await fetch(`${demo.url}/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x".repeat(PUBLIC_BODY_LIMIT) }),
      });
      assert.equal(huge.status, 413);
      assert.doesNotMatch(demo.output(), /ExperimentalWarning/);

      assert.equal((await fetch(`${demo.url}/admin/api/schedules`)).status, 401);
      const listed = await fetch(`${demo.url}/admin/api/schedules`, { headers: authed });
      const { schedules } = await listed.json() as {
        schedules: { id: string; timezone: string; nextRuns: { local: string }[] }[];
      };
      assert.deepEqual(schedules.map((s) => s.id), [
        "digest-tokyo",
        "inventory-sync",
        "monthly-invoices",
        "warm-up",
      ]);
      const tokyo = schedules.find((s) => s.id === "digest-tokyo")!;
      assert.equal(tokyo.timezone, "Asia/Tokyo");
      assert.match(tokyo.nextRuns[0]!.local, /T09:00:00\+09:00$/);

      assert.equal(await stop(demo), 0, demo.output());
      assert.match(demo.output(), /everywhen demo stopped/);

      // A restart on the same file keeps the schedules (not duplicated) and the job's result.
      demo = await start(db);
      const again = await fetch(`${demo.url}/admin/api/schedules`, { headers: authed });
      assert.equal((await again.json() as { schedules: unknown[] }).schedules.length, 4);
      const kept = await fetch(`${demo.url}/reports/${id}`);
      assert.equal((await kept.json() as { status: string }).status, "succeeded");
      assert.equal(await stop(demo), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says which port is taken and how to choose another, without a stack trace", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "everywhen-demo-"));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = launch(join(dir, "demo.db"), port);
      let out = "";
      child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
      child.stderr!.setEncoding("utf8").on("data", (s: string) => (out += s));
      const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
      assert.equal(code, 1, out);
      assert.match(out, new RegExp(`port ${port} is already in use`));
      assert.match(out, new RegExp(`PORT=${port + 1} `));
      assert.doesNotMatch(out, /^\s+at /m, "no stack trace");
      assert.doesNotMatch(out, /ExperimentalWarning/);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

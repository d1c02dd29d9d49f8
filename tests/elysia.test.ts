// The Elysia plugin (`everywhen/elysia`) on Bun with real Elysia and real HTTP; its dashboard
// in Chromium from the Node 26 suite, against a Bun process serving examples/elysia/app.ts
// (playwright-core drives Chromium from Node).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Elysia } from "elysia";
import { everywhen } from "../adapters/elysia.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { chromiumPath, openBrowser, waitFor } from "./helpers/browser.ts";

const isBun = "Bun" in globalThis;
const onBun = isBun ? false : "the Elysia plugin is tested on Bun (Elysia's listen needs Bun)";
const TOKEN = "elysia-test-token-0123456789";
const APP = fileURLToPath(new URL("../examples/elysia/app.ts", import.meta.url));

type App = { server: { port: number } | null; stop(close?: boolean): Promise<unknown> };
const urlOf = (app: App) => `http://127.0.0.1:${app.server!.port}`;

describe("everywhen/elysia", { skip: onBun }, () => {
  it("puts the scheduler in the handler context and starts and stops it with the app", async () => {
    const scheduler = new Scheduler({ store: new MemoryStore() });
    scheduler.task("double", (n: number) => n * 2);
    const app = new Elysia()
      .use(everywhen(scheduler))
      .post("/double/:n", async ({ scheduler, params }) => {
        // Typed: `scheduler` is a Scheduler, not `unknown`.
        const s: Scheduler = scheduler;
        const job = await s.enqueue<number>("double", Number(params.n));
        return { id: job.id, result: await job.result() };
      })
      .get("/state", ({ scheduler }) => scheduler.state)
      // @ts-expect-error The context's scheduler is typed: a misspelt method does not compile.
      .get("/typo", ({ scheduler }) => scheduler.enqeue);
    assert.equal(scheduler.state, "idle", "nothing starts before the app listens");
    app.listen({ port: 0, hostname: "127.0.0.1" });
    try {
      assert.equal(scheduler.state, "started");
      const res = await fetch(`${urlOf(app)}/double/21`, { method: "POST" });
      assert.equal(res.status, 200);
      const body = await res.json() as { id: string; result: number };
      assert.equal(body.result, 42);
      assert.equal((await scheduler.getJob(body.id))?.status, "succeeded");
      assert.equal(await (await fetch(`${urlOf(app)}/state`)).text(), "started");
    } finally {
      await app.stop();
    }
    // Elysia runs its stop hooks without awaiting them: wait for the scheduler's own stop.
    await new Promise<void>((resolve) => {
      if (scheduler.state === "stopped") resolve();
      else scheduler.on("scheduler:stopped", () => resolve());
    });
    assert.equal(scheduler.state, "stopped");
  });

  it("mounts the admin API under the prefix: bearer token, 401 without, sign-in form", async () => {
    const scheduler = new Scheduler({ store: new MemoryStore() });
    scheduler.task("noop", () => null);
    const app = new Elysia()
      .use(everywhen(scheduler, { admin: { token: TOKEN }, prefix: "/ops/jobs" }))
      .get("/", () => "home")
      .listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const base = `${urlOf(app)}/ops/jobs`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      assert.equal((await fetch(`${base}/api/status`)).status, 401);
      const status = await fetch(`${base}/api/status`, { headers: auth });
      assert.equal(status.status, 200);
      assert.deepEqual(
        (await status.json() as { scheduler: { tasks: string[] } }).scheduler.tasks,
        [
          "noop",
        ],
      );
      const created = await fetch(`${base}/api/jobs`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ task: "noop", payload: null }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const { job: { id } } = await created.json() as { job: { id: string } };
      assert.ok(await scheduler.getJob(id), "the job is in the scheduler's store");

      const page = await fetch(base, { headers: { accept: "text/html" } });
      assert.equal(page.status, 401);
      const form = await page.text();
      assert.match(form, /action="\/ops\/jobs\/login"/, "the sign-in form posts under the prefix");
      const login = await fetch(`${base}/login`, {
        method: "POST",
        body: new URLSearchParams({ token: TOKEN }),
        redirect: "manual",
      });
      assert.equal(login.status, 303);
      assert.equal(login.headers.get("location"), "/ops/jobs");
      const cookie = login.headers.get("set-cookie")!;
      assert.match(cookie, /Path=\/ops\/jobs/);
      const dashboard = await fetch(base, { headers: { cookie: cookie.split(";")[0]! } });
      assert.equal(dashboard.status, 200);
      assert.match(await dashboard.text(), /<html/i);
      assert.equal(await (await fetch(urlOf(app))).text(), "home", "the app's routes still work");
    } finally {
      await app.stop(true);
      await scheduler.stop({ grace: 1000 });
    }
  });

  it("refuses unknown option keys and malformed prefixes", () => {
    const scheduler = new Scheduler({ store: new MemoryStore() });
    assert.throws(
      () => everywhen(scheduler, { prefx: "/x" } as never),
      (e: unknown) => e instanceof TypeError && /prefx/.test(e.message) && /prefix/.test(e.message),
    );
    for (const prefix of ["admin", "/admin/", "/", ""]) {
      assert.throws(() => everywhen(scheduler, { prefix }), TypeError, prefix);
    }
    assert.throws(() => everywhen(scheduler, { admin: {} }), /needs authentication/);
  });

  it("SIGTERM: the running job finishes within the grace period (an event stream open), exit 0", async () => {
    const child = startApp(process.env.EVERYWHEN_BUN ?? process.execPath, { SEND_MS: "1500" });
    try {
      const base = await child.url;
      const res = await fetch(`${base}/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "a@example.com" }),
      });
      const { job } = await res.json() as { job: string };
      await waitFor(
        async () => {
          const info = await (await fetch(`${base}/jobs/${job}`)).json() as { status: string };
          return info.status === "running";
        },
        "the job to run",
        15_000,
      );
      // An open dashboard event stream does not hold the shutdown up.
      const events = await fetch(`${base}/admin/api/events`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(events.status, 200);
      const reader = events.body!.getReader();
      await reader.read();
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.output());
      await reader.cancel().catch(() => {});
      assert.match(child.output(), /stopped gracefully: 1 jobs succeeded/);
    } finally {
      child.process.kill("SIGKILL");
    }
  });
});

interface AppProcess {
  process: ChildProcess;
  url: Promise<string>;
  exited: Promise<number | null>;
  output(): string;
}

/** Serves examples/elysia/app.ts on Bun on a free port. */
function startApp(bun: string, env: Record<string, string> = {}): AppProcess {
  const child = spawn(bun, [APP], {
    env: { ...process.env, ADMIN_TOKEN: TOKEN, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const { promise: url, resolve, reject } = Promise.withResolvers<string>();
  const read = (chunk: Buffer) => {
    out += chunk.toString();
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]!);
  };
  child.stdout!.on("data", read);
  child.stderr!.on("data", read);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  void exited.then(() => reject(new Error(`The app exited before listening:\n${out}`)));
  return { process: child, url, exited, output: () => out };
}

const isNode26 = process.env.EVERYWHEN_RUNTIME === "node26" ||
  (process.env.EVERYWHEN_RUNTIME === undefined && !isBun && !("Deno" in globalThis));
const browserSkip = !isNode26
  ? "the Elysia dashboard is driven in Chromium from the Node 26 suite (playwright-core needs Node)"
  : !process.env.EVERYWHEN_BUN
  ? "no Bun binary (run through scripts/test.mjs, which sets EVERYWHEN_BUN)"
  : chromiumPath === null && process.env.CI !== "true"
  ? "no Chromium found (set EVERYWHEN_CHROMIUM or install chromium); fails under CI=true"
  : false;

it("the dashboard works in Chromium under Elysia's prefix-stripping mount", {
  skip: browserSkip,
  timeout: 90_000,
}, async () => {
  assert.ok(chromiumPath !== null, "CI=true but no Chromium: set EVERYWHEN_CHROMIUM");
  const app = startApp(process.env.EVERYWHEN_BUN!);
  const context = await openBrowser({ width: 1280, height: 900 });
  try {
    const origin = await app.url;
    const base = `${origin}/admin`;
    // Every request the page makes must stay under the mount: one to the root is a bug.
    const outside: string[] = [];
    const failed: string[] = [];
    const page = context.pages()[0] ?? await context.newPage();
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.origin === origin && !url.pathname.startsWith("/admin")) outside.push(r.url());
    });
    page.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/admin")) failed.push(`${r.status()} ${r.url()}`);
    });
    const first = await page.goto(base);
    assert.equal(first?.status(), 401, "the page asks to sign in first");
    await page.fill("#token", TOKEN);
    await Promise.all([page.waitForURL(base), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });
    const row = page.locator('tr[data-schedule="hourly-cleanup"]');
    assert.equal(await row.getAttribute("data-state"), "active");
    await row.locator('button[data-action="pause"]').click();
    await page.waitForSelector('tr[data-schedule="hourly-cleanup"][data-state="paused"]', {
      timeout: 15_000,
    });
    assert.deepEqual(outside, [], "no request leaves the /admin mount");
    assert.deepEqual(failed, [], "no request of the signed-in page fails");
  } finally {
    await context.close();
    app.process.kill("SIGTERM");
    await app.exited;
  }
});

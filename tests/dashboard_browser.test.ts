// The dashboard in a real browser: headless Chromium (Debian's `chromium`) driven by
// playwright-core against a live server. Node only; under CI a missing Chromium is a failure.
import { it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { openStore } from "../adapters/sqlite.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { calendar, cron, every } from "../src/triggers/mod.ts";
import {
  browserSkip as skip,
  chromiumPath,
  openBrowser,
  serveOnce,
  waitFor,
} from "./helpers/browser.ts";

const OUT = fileURLToPath(new URL("../.test-output/", import.meta.url));
const TOKEN = "browser-test-token-0123456789";

it("dashboard: shows schedules and jobs, live progress, and pauses a schedule", {
  skip,
  timeout: 90_000,
}, async () => {
  assert.ok(
    chromiumPath !== null,
    "CI=true but no Chromium: set EVERYWHEN_CHROMIUM or install the Debian package chromium",
  );
  const dir = mkdtempSync(join(tmpdir(), "everywhen-browser-"));
  const store = await openStore(join(dir, "admin.db"));
  const scheduler = new Scheduler({ store, timezone: "Europe/Berlin" });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  scheduler.task("send-report", (p: { to: string }) => ({ sentTo: p.to, pages: 12 }));
  scheduler.task("sync-inventory", () => {
    throw new Error("Supplier API timed out (HTTP 504)");
  });
  scheduler.task("rebuild-index", async (_p: null, ctx) => {
    await ctx.progress({ done: 42, total: 100, message: "indexing documents" });
    await gate;
    return "rebuilt";
  });
  await scheduler.schedule({
    id: "nightly-report",
    task: "send-report",
    trigger: cron("0 2 * * *", { timezone: "Europe/Berlin" }),
    payload: { to: "ops@example.com" },
  });
  await scheduler.schedule({
    id: "tokyo-digest",
    task: "send-report",
    trigger: cron("0 9 * * MON-FRI", { timezone: "Asia/Tokyo" }),
    payload: { to: "tokyo@example.com" },
  });
  // The timeline shows the next 6 hours: this one fires in them whatever the time of day (the
  // others may all fall outside, which made this test pass only at some hours).
  await scheduler.schedule({ id: "hourly-digest", task: "send-report", trigger: every("PT1H") });
  await scheduler.schedule({
    id: "inventory-sync",
    task: "sync-inventory",
    trigger: every("PT20M"),
    paused: true,
  });
  await scheduler.schedule({
    id: "monthly-invoices",
    task: "send-report",
    trigger: calendar({ months: 1 }, { at: "08:00", timezone: "America/New_York" }),
    payload: { to: "billing@example.com" },
  });
  const finished = await scheduler.enqueue("send-report", { to: "ceo@example.com" });
  const failed = await scheduler.enqueue("sync-inventory", null);
  const running = await scheduler.enqueue("rebuild-index", null, { id: "rebuild-index-1" });
  await scheduler.enqueue("send-report", { to: "later@example.com" }, { delay: { hours: 2 } });
  const manual = await scheduler.runNow("nightly-report");
  scheduler.start();
  assert.deepEqual(await finished.result(), { sentTo: "ceo@example.com", pages: 12 });
  await manual.result();
  await assert.rejects(failed.result(), /Supplier API timed out/);
  await waitFor(async () => (await running.info())?.progress !== null, "progress");

  const app = new Hono();
  app.route("/admin", adminRouter(scheduler, { token: TOKEN, title: "Acme jobs" }));
  const server = await serveOnce(app.fetch);
  const base = `${server.origin}/admin`;
  const context = await openBrowser({ width: 1400, height: 1000, timezoneId: "UTC" });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const response = await page.goto(base);
    assert.equal(response?.status(), 401, "the page asks to sign in first");
    await page.fill("#token", TOKEN);
    await Promise.all([page.waitForURL(base), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-loaded=true]");

    const row = page.locator('tr[data-schedule="nightly-report"]');
    assert.equal(await row.getAttribute("data-state"), "active");
    assert.match(await row.innerText(), /Europe\/Berlin/);
    assert.match(await row.innerText(), /02:00/);
    const job = page.locator(`tr[data-job="${finished.id}"]`);
    assert.equal(await job.getAttribute("data-status"), "succeeded");
    const failedRow = page.locator(`tr[data-job="${failed.id}"]`);
    assert.match(await failedRow.innerText(), /Supplier API timed out/);
    assert.match(await page.locator('[data-running="rebuild-index-1"]').innerText(), /42%/);
    assert.ok(await page.locator(".timeline svg circle").count() > 0, "the timeline has fires");

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, "dashboard.png"), fullPage: true });
    // `EVERYWHEN_SCREENSHOT=1` refreshes the README's picture from this run.
    if (process.env.EVERYWHEN_SCREENSHOT === "1") {
      copyFileSync(
        join(OUT, "dashboard.png"),
        fileURLToPath(new URL("../docs/dashboard.png", import.meta.url)),
      );
    }

    await row.locator('button[data-action="pause"]').click();
    await waitFor(
      async () => (await store.getSchedule("nightly-report"))?.paused === true,
      "the schedule to be paused in the store",
    );
    await page.waitForSelector('tr[data-schedule="nightly-report"][data-state="paused"]');
    await page.screenshot({ path: join(OUT, "dashboard-paused.png") });

    // Sign out ends the session on the server: the captured cookie no longer works.
    const captured = (await context.cookies()).find((c) => c.name === "everywhen_admin")!;
    const status = () =>
      fetch(`${base}/api/status`, { headers: { cookie: `${captured.name}=${captured.value}` } });
    assert.equal((await status()).status, 200);
    await Promise.all([page.waitForURL(base), page.click("header form button")]);
    assert.equal((await status()).status, 401, "the cookie is revoked");

    // A sign-in reached from a deep link posts to the router's own /login and lands on it.
    const deep = await page.goto(`${base}/api/jobs`);
    assert.equal(deep?.status(), 401);
    assert.equal(await page.$eval("form", (f) => (f as HTMLFormElement).action), `${base}/login`);
    await page.fill("#token", TOKEN);
    await Promise.all([page.waitForURL(base), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-loaded=true]");

    // Mounted at the root, `//evil.example/` renders a form that posts to this server.
    const rootApp = new Hono();
    rootApp.route("/", adminRouter(scheduler, { token: TOKEN }));
    const rootServer = await serveOnce(rootApp.fetch);
    try {
      const origin = rootServer.origin;
      await page.goto(`${origin}//evil.example/`);
      assert.equal(
        await page.$eval("form", (f) => (f as HTMLFormElement).action),
        `${origin}/login`,
      );
    } finally {
      rootServer.close();
    }
  } finally {
    await context.close();
    release();
    server.close();
    await scheduler.stop({ grace: 1000 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

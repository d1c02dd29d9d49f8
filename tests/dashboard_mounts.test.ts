// The dashboard under every mount style, in Chromium: a route (`app.route`) and a prefix-stripping
// mount (`app.mount`, no basePath) at nested prefixes. Sign in, see the jobs, cancel one, enqueue
// one (a bad payload is an error message), and Retry/Purge offered only where the API has them;
// then Retry and Purge for real, against the scheduler's retryJob and purgeJobs.
import { it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { MemoryStore, Scheduler } from "../mod.ts";
import { browserSkip, openBrowser, serveOnce, waitFor } from "./helpers/browser.ts";

const TOKEN = "browser-test-token-0123456789";

it("dashboard: works under a route and a prefix-stripping mount", {
  skip: browserSkip,
  timeout: 120_000,
}, async () => {
  const store = new MemoryStore();
  // Not started: enqueued jobs stay pending, so there is always one to cancel.
  const scheduler = new Scheduler({ store, timezone: "UTC" });
  scheduler.task("send-report", () => "sent");
  scheduler.task("sync-inventory", () => "synced");
  const app = new Hono();
  app.route("/ops/admin", adminRouter(scheduler, { token: TOKEN }));
  app.mount("/ops/scheduler", adminRouter(scheduler, { token: TOKEN }).fetch);
  const server = await serveOnce(app.fetch);
  const context = await openBrowser({ width: 1280, height: 900 });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const mounts: [string, string][] = [["/ops/admin", "report-a"], ["/ops/scheduler", "report-b"]];
    for (const [mount, jobId] of mounts) {
      const at = `${server.origin}${mount}`;
      await scheduler.enqueue("send-report", { to: mount }, { id: jobId, delay: { hours: 1 } });

      const first = await page.goto(at);
      assert.equal(first?.status(), 401, `${mount}: the page asks to sign in first`);
      assert.equal(await page.$eval("form", (f) => (f as HTMLFormElement).action), `${at}/login`);
      await page.fill("#token", TOKEN);
      await Promise.all([
        page.waitForURL((url) => url.pathname.replace(/\/$/, "") === mount),
        page.click("button[type=submit]"),
      ]);
      await page.waitForSelector("body[data-loaded=true]");

      // Cancel, through the API under this mount (CSRF check and session included).
      const row = page.locator(`tr[data-job="${jobId}"]`);
      assert.equal(await row.getAttribute("data-status"), "pending");
      await row.locator('button[data-job-action="cancel"]').click();
      await waitFor(async () => (await scheduler.getJob(jobId))?.status === "cancelled", "cancel");
      await page.waitForSelector(`tr[data-job="${jobId}"][data-status="cancelled"]`);
      assert.match(await page.locator("#toast").innerText(), new RegExp(`Cancelled ${jobId}`));
      // The API lists the retry and purge routes, so the cancelled job offers Retry.
      assert.equal(await row.locator('button[data-job-action="retry"]').count(), 1);
      assert.equal(await page.locator("button[data-purge]").count(), 1);

      // Enqueue: invalid JSON is a message on the form, then a valid payload makes a job.
      await page.selectOption("#enq-task", "sync-inventory");
      await page.fill("#enq-payload", "{oops");
      await page.click("#enqueue button[type=submit]");
      assert.match(await page.locator("#enq-msg").innerText(), /not valid JSON/);
      await page.fill("#enq-payload", JSON.stringify({ from: mount }));
      await page.click("#enqueue button[type=submit]");
      await waitFor(async () => {
        const jobs = await scheduler.listJobs({ task: "sync-inventory", limit: 100 });
        return jobs.some((j) => JSON.stringify(j.payload) === JSON.stringify({ from: mount }));
      }, `a job enqueued under ${mount}`);
      assert.equal(await page.locator("#enq-msg").innerText(), "");
      // An unknown task is the server's message on the form, not a crash.
      await page.$eval("#enq-task", (s) => {
        (s as HTMLSelectElement).innerHTML = "<option>no-such-task</option>";
      });
      await page.click("#enqueue button[type=submit]");
      await waitFor(
        async () => /no-such-task/.test(await page.locator("#enq-msg").innerText()),
        "the error",
      );

      const deep = await page.goto(`${at}/api/jobs`);
      assert.equal(deep?.status(), 200, "signed in: the API answers under the mount");

      // Sign-out posts to this mount's /logout and lands on its sign-in page.
      await page.goto(at);
      await page.waitForSelector("body[data-loaded=true]");
      await Promise.all([
        page.waitForURL((url) => url.pathname.startsWith(`${mount}`)),
        page.waitForResponse((r) => r.url().startsWith(`${at}/logout`)),
        page.click("header form button"),
      ]);
      await page.waitForSelector("#token");
      assert.equal(await page.$eval("form", (f) => (f as HTMLFormElement).action), `${at}/login`);

      // A deep link's sign-in posts to this mount's /login.
      await context.clearCookies();
      const signedOut = await page.goto(`${at}/api/jobs/`);
      assert.equal(signedOut?.status(), 401);
      assert.equal(await page.$eval("form", (f) => (f as HTMLFormElement).action), `${at}/login`);
    }
  } finally {
    await context.close();
    server.close();
    await scheduler.stop({ grace: 1000 });
  }
});

it("dashboard: Retry re-runs a failed job and Purge deletes finished jobs", {
  skip: browserSkip,
  timeout: 120_000,
}, async () => {
  const store = new MemoryStore();
  // Manual: jobs run only when the test calls runDue(), so each state is held for a look.
  const scheduler = new Scheduler({ store, timezone: "UTC", runMode: "manual" });
  let flakyRuns = 0;
  scheduler.task("flaky", () => {
    if (++flakyRuns === 1) throw new Error("first run fails");
    return "second run works";
  }, { retries: 0 });
  scheduler.task("broken", () => {
    throw new Error("always fails");
  }, { retries: 0 });
  scheduler.task("send-report", () => "sent");
  await scheduler.enqueue("flaky", null, { id: "to-retry" });
  await scheduler.enqueue("broken", null, { id: "to-purge" });
  await scheduler.enqueue("send-report", null, { id: "done" });
  scheduler.start();
  await scheduler.runDue();
  await scheduler.enqueue("send-report", null, { id: "later", delay: { hours: 1 } });
  assert.equal((await store.getJob("to-retry"))!.status, "failed");
  const app = new Hono();
  app.mount("/x/admin", adminRouter(scheduler, { token: TOKEN }).fetch);
  const server = await serveOnce(app.fetch);
  const context = await openBrowser({ width: 1280, height: 900 });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(`${server.origin}/x/admin/`);
    await page.fill("#token", TOKEN);
    await Promise.all([page.waitForURL(/\/x\/admin\/?$/), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-loaded=true]");

    // Retry: the failed job is pending again with its attempts restarted, then runs and succeeds.
    await page.waitForSelector('tr[data-job="to-retry"][data-status="failed"]');
    assert.equal(
      await page.locator('tr[data-job="later"] button[data-job-action="retry"]').count(),
      0,
    );
    await page.click('tr[data-job="to-retry"] button[data-job-action="retry"]');
    await waitFor(async () => (await store.getJob("to-retry"))?.status === "pending", "re-queued");
    assert.equal((await store.getJob("to-retry"))!.attempts, 0);
    await waitFor(
      async () => /Retried to-retry/.test(await page.locator("#toast").innerText()),
      "the retry toast",
    );
    await page.waitForSelector('tr[data-job="to-retry"][data-status="pending"]');
    await scheduler.runDue();
    assert.equal((await scheduler.getJob("to-retry"))!.result, "second run works");

    // Purge of the failed filter deletes the failed job only.
    page.once("dialog", (d) => void d.accept());
    await page.click('button[data-filter="failed"]');
    await page.click("button[data-purge]");
    await waitFor(async () => (await store.getJob("to-purge")) === null, "the failed job purged");
    await waitFor(
      async () => /Purged 1 job\b/.test(await page.locator("#toast").innerText()),
      "the purge toast",
    );
    assert.equal(await store.countJobs(), 3);
    // A non-final filter cannot be purged.
    await page.click('button[data-filter="pending"]');
    assert.equal(await page.locator("button[data-purge]").isDisabled(), true);
    // With no filter, Purge deletes every finished job and leaves the pending one.
    page.once("dialog", (d) => void d.accept());
    await page.click('button[data-filter=""]');
    await page.click("button[data-purge]");
    await waitFor(async () => (await store.countJobs()) === 1, "the finished jobs purged");
    assert.equal((await store.getJob("later"))!.status, "pending");
    await waitFor(
      async () => /Purged 2 jobs/.test(await page.locator("#toast").innerText()),
      "the second purge toast",
    );
    await page.waitForSelector('tr[data-job="done"]', { state: "detached" });
  } finally {
    await context.close();
    server.close();
    await scheduler.stop({ grace: 1000 });
  }
});

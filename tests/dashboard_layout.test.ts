// The dashboard's layout in Chromium at phone (390 px) and desktop (1280 px) widths: no page-wide
// horizontal overflow, every action reachable, the toast clear of the job filters, a fired job's
// id with its whole fire time, and times in the browser's named zone. Screenshots go to
// .test-output/dashboard-<width>.png.
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { cron, MemoryStore, Scheduler } from "../mod.ts";
import { browserSkip, openBrowser, serveOnce } from "./helpers/browser.ts";

const OUT = fileURLToPath(new URL("../.test-output/", import.meta.url));
const TOKEN = "browser-test-token-0123456789";
// The id format of a fired job: `<schedule id>@<fire time>`.
const FIRED = "nightly-warehouse-inventory-report@2030-01-15T01:00:00.000Z";

type Box = { left: number; right: number; top: number; bottom: number };
const overlaps = (a: Box, b: Box): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

for (const width of [390, 1280]) {
  it(`dashboard layout at ${width} px`, { skip: browserSkip, timeout: 120_000 }, async () => {
    const scheduler = new Scheduler({ store: new MemoryStore(), timezone: "UTC" });
    scheduler.task("send-report", (p: unknown) => ({ sentTo: p, pages: 12, format: "pdf" }));
    scheduler.task("sync-inventory", () => {
      throw new Error("Supplier API timed out (HTTP 504) after 3 retries against the EU endpoint");
    });
    await scheduler.schedule({
      id: "nightly-report",
      task: "send-report",
      trigger: cron("0 2 * * *", { timezone: "Europe/Berlin" }),
    });
    await scheduler.enqueue("send-report", { to: "ops@example.com" }, {
      id: FIRED,
      delay: { hours: 1 },
    });
    for (let i = 0; i < 6; i++) {
      await scheduler.enqueue("send-report", { n: i }, { delay: { hours: 2 } });
    }
    // Finished jobs too, whose results and errors are the widest cells.
    const done = await scheduler.enqueue("send-report", "finance-team@example.com");
    const failed = await scheduler.enqueue("sync-inventory", null);
    const manual = await scheduler.runNow("nightly-report");
    scheduler.start();
    await done.result();
    await manual.result();
    await assert.rejects(failed.result(), /Supplier API/);
    const app = new Hono();
    app.route("/admin", adminRouter(scheduler, { token: TOKEN }));
    const server = await serveOnce(app.fetch);
    const context = await openBrowser({
      width,
      height: width < 600 ? 844 : 900,
      timezoneId: "America/Los_Angeles",
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto(`${server.origin}/admin`);
      assert.ok(
        await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
        "the sign-in page fits",
      );
      await page.fill("#token", TOKEN);
      await Promise.all([page.waitForURL(/\/admin$/), page.click("button[type=submit]")]);
      await page.waitForSelector("body[data-loaded=true]");

      const fit = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      assert.ok(fit[0]! <= fit[1]!, `no horizontal overflow of the page: ${fit[0]} > ${fit[1]}`);

      // Each action button is in the viewport, or its scrolling container brings it there.
      const unreachable = await page.evaluate(() => {
        const out: string[] = [];
        for (const b of document.querySelectorAll<HTMLElement>("main button")) {
          const box = b.getBoundingClientRect();
          if (box.left >= 0 && box.right <= innerWidth) continue;
          const scroller = b.closest<HTMLElement>(".scroll");
          if (scroller === null || scroller.scrollWidth <= scroller.clientWidth) {
            out.push(b.textContent ?? "");
            continue;
          }
          scroller.scrollLeft = scroller.scrollWidth;
          const moved = b.getBoundingClientRect();
          if (moved.left < 0 || moved.right > innerWidth) out.push(b.textContent ?? "");
          scroller.scrollLeft = 0;
        }
        return out;
      });
      assert.deepEqual(unreachable, [], "every action can be reached");
      // At these widths nothing needs sideways scrolling: phones get wrapped rows.
      const scrolled = await page.evaluate(() =>
        [...document.querySelectorAll(".scroll")].filter((e) => e.scrollWidth > e.clientWidth)
          .length
      );
      assert.equal(scrolled, 0, "no table scrolls sideways");

      // The fired job's id shows its whole fire time, unclipped within its cell.
      const fire = page.locator(`tr[data-job="${FIRED}"] .jid .fire`);
      assert.equal(await fire.innerText(), "2030-01-15T01:00:00.000Z");
      const clipped = await fire.evaluate((el) => {
        const cell = el.closest("td")!.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return box.left < cell.left || box.right > cell.right || el.scrollWidth > box.width + 1;
      });
      assert.equal(clipped, false, "the fire time is not cut");

      // Times: the browser's zone, named, with the schedule's zone alongside (02:00 Berlin is
      // 17:00 in Los Angeles).
      assert.equal(await page.locator("#view-tz").innerText(), "America/Los_Angeles");
      const next = await page.locator('tr[data-schedule="nightly-report"]').innerText();
      assert.match(next, /17:00/);
      assert.match(next, /02:00 Europe\/Berlin/);

      // A toast (after a Cancel) never covers the status filters, wherever they are on screen.
      const cancel = page.locator('tr[data-job] button[data-job-action="cancel"]').first();
      await cancel.scrollIntoViewIfNeeded();
      await cancel.click();
      await page.waitForSelector("#toast.show");
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, `dashboard-${width}.png`), fullPage: true });
      for (const block of ["center", "end"] as const) {
        await page.$eval("#filters", (el, b) => el.scrollIntoView({ block: b }), block);
        const [toast, chips] = await page.evaluate(() => {
          const box = (e: Element) => {
            const r = e.getBoundingClientRect();
            return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
          };
          return [
            box(document.getElementById("toast")!),
            [...document.querySelectorAll("#filters button")].map(box),
          ] as const;
        });
        assert.ok(chips.length >= 6, "the filters are there");
        for (const chip of chips) {
          assert.ok(!overlaps(toast, chip), `the toast covers a filter (${block})`);
        }
      }
      await page.screenshot({ path: join(OUT, `dashboard-${width}-jobs.png`) });
    } finally {
      await context.close();
      server.close();
      await scheduler.stop({ grace: 1000 });
    }
  });
}

/**
 * everywhen: one job scheduler for every JavaScript runtime. Cron, interval, calendar and one-shot
 * schedules plus delayed background jobs with results, persisted, correct across time zones and
 * DST, on Node, Bun, Deno and Cloudflare Workers.
 *
 * Platform entry points live under subpaths: `./node`, `./bun`, `./deno`, `./cloudflare`,
 * `./hono`, `./sqlite` and `./postgres`.
 * @module
 */

export * from "./src/errors.ts";

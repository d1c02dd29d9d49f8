/**
 * everywhen in an Express 5 app on Node 22+: a route that enqueues a job, and the admin API and
 * dashboard (the Hono admin router, through @hono/node-server's request listener) under /admin.
 * SIGTERM/SIGINT stop it gracefully.
 *
 *     ADMIN_TOKEN=a-long-random-admin-token PORT=3000 node examples/node/express.ts
 * @module
 */

import process from "node:process";
import type { AddressInfo } from "node:net";
import express from "express";
import { getRequestListener } from "@hono/node-server";
import { Scheduler } from "../../mod.ts";
import { adminRouter } from "../../adapters/hono.ts";
import { gracefulShutdown } from "../../adapters/node.ts";
import { openStore } from "../../adapters/sqlite.ts";

const token = process.env.ADMIN_TOKEN;
if (token === undefined) throw new Error("Set ADMIN_TOKEN (at least 16 characters)");

const store = await openStore(process.env.EVERYWHEN_DB ?? "everywhen.db");
const scheduler = new Scheduler({ store });
scheduler.task("send-welcome", (p: { to: string }) => ({ sentTo: p.to }));

const app = express();
// Express strips the mount path from `req.url`; `basePath` tells the router its public path,
// so its pages, redirects and cookie use /admin. Mounted before any body parser: the router
// reads (and limits) request bodies itself.
app.use(
  "/admin",
  getRequestListener(adminRouter(scheduler, { token, basePath: "/admin" }).fetch),
);
app.post("/signup", express.json(), async (req, res) => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  if (typeof email !== "string") {
    res.status(400).json({ error: "Expected { email }" });
    return;
  }
  const job = await scheduler.enqueue("send-welcome", { to: email });
  res.status(202).json({ job: job.id });
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}`);
});
scheduler.start();
gracefulShutdown(scheduler, {
  beforeStop: () => server.close(),
  onStop: () => store.close(),
});

/**
 * The demo on Node.js 22+ (`npm start`): the SQLite store in ./everywhen.db (or EVERYWHEN_DB),
 * served with @hono/node-server; SIGTERM/SIGINT stop it gracefully.
 *
 *     PORT=3000 node examples/demo/node.ts
 * @module
 */

import process from "node:process";
import { serve } from "@hono/node-server";
import { openStore } from "../../adapters/sqlite.ts";
import { serveScheduler } from "../../adapters/node.ts";
import { banner, createDemo, readConfig } from "./app.ts";

const config = readConfig(process.env);
const store = await openStore(config.db);
const { app, scheduler } = await createDemo(store, config);

serveScheduler(scheduler, {
  fetch: app.fetch,
  serve,
  port: config.port,
  hostname: config.hostname,
  grace: 5000,
  onListen: ({ port }) => console.log(banner(config, port, `Node ${process.versions.node}`)),
  onStop: async () => {
    await store.close();
    console.log("everywhen demo stopped");
  },
});

/**
 * The demo on Node.js 22+ (`npm start`): the SQLite store in ./everywhen.db (or EVERYWHEN_DB),
 * served with @hono/node-server; SIGTERM/SIGINT stop it gracefully.
 *
 *     PORT=3000 node examples/demo/node.ts
 * @module
 */

import process from "node:process";

// node:sqlite is still flagged experimental on Node 22; its warning is noise for demo users.
// Installed before anything imports node:sqlite, hence the dynamic imports below.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") console.warn(w);
});

const { serve } = await import("@hono/node-server");
const { openStore } = await import("../../adapters/sqlite.ts");
const { serveScheduler } = await import("../../adapters/node.ts");
const { banner, createDemo, portTakenMessage, readConfig } = await import("./app.ts");

const config = readConfig(process.env);
const store = await openStore(config.db);
const { app, scheduler } = await createDemo(store, config);

const { listening } = serveScheduler(scheduler, {
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
try {
  await listening;
} catch (error) {
  console.error(portTakenMessage(error, config.port) ?? error);
  process.exit(1);
}

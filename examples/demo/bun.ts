/**
 * The demo on Bun: the same app and SQLite store, served with `Bun.serve`; SIGTERM/SIGINT stop
 * it gracefully.
 *
 *     PORT=3000 bun examples/demo/bun.ts
 * @module
 */

import process from "node:process";
import { openStore } from "../../adapters/sqlite.ts";
import { serveScheduler } from "../../adapters/bun.ts";
import { banner, createDemo, portTakenMessage, readConfig } from "./app.ts";

const config = readConfig(process.env);
const store = await openStore(config.db);
const { app, scheduler } = await createDemo(store, config);

let started: ReturnType<typeof serveScheduler>;
try {
  started = serveScheduler(scheduler, {
    fetch: app.fetch,
    port: config.port,
    hostname: config.hostname,
    grace: 5000,
    onStop: async () => {
      await store.close();
      console.log("everywhen demo stopped");
    },
  });
} catch (error) {
  console.error(portTakenMessage(error, config.port, "bun examples/demo/bun.ts") ?? error);
  await store.close();
  process.exit(1);
}
console.log(banner(config, started.server.port, `Bun ${process.versions.bun}`));

/**
 * The demo on Deno: the same app and SQLite store (`node:sqlite`), served with `Deno.serve`;
 * SIGTERM/SIGINT stop it gracefully through the Hono adapter's lifecycle helper.
 *
 *     PORT=3000 deno run -A examples/demo/deno.ts
 * @module
 */

import { openStore } from "../../adapters/sqlite.ts";
import { schedulerLifecycle } from "../../adapters/hono.ts";
import { banner, createDemo, portTakenMessage, readConfig } from "./app.ts";

// The few Deno APIs used, declared here so that the repository's tsc check (Node types) passes.
interface DenoLike {
  env: { toObject(): Record<string, string> };
  version: { deno: string };
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
}
const Deno = (globalThis as unknown as { Deno: DenoLike }).Deno;

const config = readConfig(Deno.env.toObject());
const store = await openStore(config.db);
const { app, scheduler } = await createDemo(store, config);

let server: { shutdown(): Promise<void> };
try {
  server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ port }) => console.log(banner(config, port, `Deno ${Deno.version.deno}`)),
  }, app.fetch);
} catch (error) {
  console.error(portTakenMessage(error, config.port, "deno run -A examples/demo/deno.ts") ?? error);
  await store.close();
  Deno.exit(1);
}

const life = schedulerLifecycle(scheduler, {
  close: () => server.shutdown(),
  grace: 5000,
  onStop: async () => {
    await store.close();
    console.log("everywhen demo stopped");
  },
});
life.start();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => void life.stop().then(() => Deno.exit(0)));
}

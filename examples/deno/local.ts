/**
 * everywhen on Deno with a local Deno KV file: a daily schedule and a delayed job whose result
 * is awaited. Schedules and results survive a restart.
 *
 *     deno run --unstable-kv examples/deno/local.ts
 *
 * @module
 */
import { cron, Scheduler } from "../../mod.ts";
import { openKvStore } from "../../adapters/deno.ts";

const store = await openKvStore("./everywhen-example.kv");
const scheduler = new Scheduler({ store, timezone: "Europe/Paris" });

const greet = scheduler.task("greet", (p: { name: string }) => `hello, ${p.name}`);

// `ifExists: "keep"` makes a restart keep the stored schedule instead of replacing it.
await greet.schedule({
  id: "morning",
  trigger: cron("0 9 * * MON-FRI"),
  payload: { name: "team" },
  ifExists: "keep",
});
console.log("next runs:", (await scheduler.nextRuns("morning", 3)).map(String));

scheduler.start();
const job = await greet.enqueue({ name: "Deno" }, { delay: { seconds: 1 } });
console.log(await job.result()); // "hello, Deno"

await scheduler.stop();
await store.close();

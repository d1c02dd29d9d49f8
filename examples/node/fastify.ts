/**
 * everywhen in a Fastify 5 app on Node 22+: a route that enqueues a job, and the admin API and
 * dashboard (the Hono admin router, through @hono/node-server's request listener) under /admin.
 * SIGTERM/SIGINT stop it gracefully.
 *
 *     ADMIN_TOKEN=a-long-random-admin-token PORT=3000 node examples/node/fastify.ts
 * @module
 */

import process from "node:process";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { Scheduler } from "../../mod.ts";
import { adminRouter } from "../../adapters/hono.ts";
import { gracefulShutdown } from "../../adapters/node.ts";
import { openStore } from "../../adapters/sqlite.ts";

const token = process.env.ADMIN_TOKEN;
if (token === undefined) throw new Error("Set ADMIN_TOKEN (at least 16 characters)");

const store = await openStore(process.env.EVERYWHEN_DB ?? "everywhen.db");
const scheduler = new Scheduler({ store });
scheduler.task("send-welcome", (p: { to: string }) => ({ sentTo: p.to }));

const fastify = Fastify();
// Fastify keeps the full path in `request.raw.url`, so the router sits at /admin in a Hono app.
const admin = getRequestListener(
  new Hono().route("/admin", adminRouter(scheduler, { token })).fetch,
);
const toAdmin = async (request: FastifyRequest, reply: FastifyReply) => {
  reply.hijack();
  await admin(request.raw, reply.raw);
};
await fastify.register((scope, _options, done) => {
  // Leave bodies unread in this scope: the router reads (and limits) them itself.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", (_request, _payload, parsed) => parsed(null));
  scope.all("/admin", toAdmin);
  scope.all("/admin/*", toAdmin);
  done();
});
fastify.post<{ Body: { email?: unknown } }>("/signup", async (request, reply) => {
  const email = request.body?.email;
  if (typeof email !== "string") return reply.code(400).send({ error: "Expected { email }" });
  const job = await scheduler.enqueue("send-welcome", { to: email });
  return reply.code(202).send({ job: job.id });
});

const url = await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(`listening on ${url}`);
scheduler.start();
gracefulShutdown(scheduler, {
  beforeStop: () => fastify.close(),
  onStop: () => store.close(),
});

// The admin router behind a real HTTP server (@hono/node-server through serveScheduler): a
// streamed oversized body is refused while it is still arriving, and a taken port is reported
// in words.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { serveScheduler } from "../adapters/node.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";

const TOKEN = "test-token-0123456789abcdef";
const MB = 1024 * 1024;

/**
 * Streams a chunked body of up to `total` bytes to `path`, writing only as fast as the server
 * reads, and stops as soon as a response arrives.
 * @returns The response's status line (`""` when the server closed the connection and a write
 * failed before the response could be read: `EPIPE` under load on Bun), and how many body bytes
 * had been sent by then.
 */
function streamUntilAnswered(
  port: number,
  path: string,
  total: number,
): Promise<{ status: string; sent: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from("\r\n"),
    ]);
    let sent = 0;
    let answer = "";
    let finished = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ status: answer.split("\r\n")[0]!, sent, finished });
    };
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      answer += text;
      if (answer.includes("\r\n")) finish();
    });
    // A write to a connection the server has answered and closed fails (EPIPE, ECONNRESET), and
    // the socket may be torn down before its answer is read: the server side says what it sent.
    socket.on("error", (error) => {
      const closed = /EPIPE|ECONNRESET/.test((error as { code?: string }).code ?? "");
      if (answer === "" && !done && !closed) reject(error);
      else finish();
    });
    socket.on("close", finish);
    socket.on("connect", async () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      while (!done && sent < total) {
        sent += chunk.length;
        if (!socket.write(frame)) {
          await new Promise<void>((r) => {
            socket.once("drain", r);
            socket.once("close", r);
          });
        }
      }
      if (!done) {
        finished = true;
        socket.write("0\r\n\r\n");
      }
    });
  });
}

describe("admin router behind a real server", () => {
  it("answers 413 to a streamed 64 MB sign-in while the body is still arriving", {
    timeout: 120_000,
  }, async () => {
    const scheduler = new Scheduler();
    const app = new Hono();
    app.route("/admin", adminRouter(scheduler, { token: TOKEN }));
    // What the server answered, for when the client's socket fails before it reads the answer.
    const answered: number[] = [];
    const served = serveScheduler(scheduler, {
      fetch: async (request: Request) => {
        const response = await app.fetch(request);
        answered.push(response.status);
        return response;
      },
      serve,
      port: 0,
      hostname: "127.0.0.1",
      signals: [],
      grace: 0,
    });
    try {
      const { port } = await served.listening;
      const result = await streamUntilAnswered(port, "/admin/login", 64 * MB);
      assert.deepEqual(answered, [413]);
      if (result.status !== "") assert.match(result.status, /^HTTP\/1\.1 413/);
      assert.equal(result.finished, false, "answered before the body ended");
      assert.ok(result.sent < 64 * MB, `stopped reading early (sent ${result.sent} bytes)`);
    } finally {
      await served.stop();
    }
  });

  it("reports a taken port in words and stops the scheduler", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const taken = (blocker.address() as { port: number }).port;
    const scheduler = new Scheduler();
    try {
      const served = serveScheduler(scheduler, {
        fetch: () => new Response("ok"),
        serve,
        port: taken,
        hostname: "127.0.0.1",
        signals: [],
      });
      await assert.rejects(
        served.listening,
        new RegExp(`port ${taken} is already in use .*choose another port`),
      );
      await served.stop();
      assert.equal(scheduler.state, "stopped");
    } finally {
      blocker.close();
    }
  });

  it("refuses unknown options of serveScheduler and gracefulShutdown", async () => {
    const { gracefulShutdown } = await import("../adapters/node.ts");
    const scheduler = new Scheduler();
    assert.throws(
      () => serveScheduler(scheduler, { fetch: () => new Response(), serve, prot: 1 } as never),
      /Unknown option in serveScheduler options: "prot" \(did you mean "port"\?\)/,
    );
    assert.throws(
      () => gracefulShutdown(scheduler, { grase: 5 } as never),
      /"grase" \(did you mean "grace"\?\)/,
    );
    assert.equal(scheduler.state, "idle");
  });
});

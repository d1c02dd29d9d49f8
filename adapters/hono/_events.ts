/**
 * `GET /api/events`: the scheduler's events as server-sent events, for live dashboards. Only
 * events of this process's scheduler are seen; clients also poll, which covers other processes
 * sharing the store. Streams end when the client goes away, the scheduler stops, or the session
 * the stream was opened with is revoked or expires.
 * @module
 */

import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { SCHEDULER_EVENT_TYPES } from "../../src/events.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";

// Everything a dashboard shows; not "scheduler:started" (it cannot be seen from a stream) nor
// "scheduler:error" (its detail holds arbitrary error objects).
const TYPES = SCHEDULER_EVENT_TYPES.filter((t) =>
  t !== "scheduler:started" && t !== "scheduler:error"
);

/** How often an idle stream sends a comment, so proxies and Bun's idle timeout keep it open. */
const HEARTBEAT_MS = 8_000;

/** How often, at most, a stream opened with a session checks that the session is still valid. */
const RECHECK_MS = 1_000;

/** Drops bulky or non-JSON parts of an event's detail. */
function slim(detail: Record<string, unknown>): Record<string, unknown> {
  const { result: _result, ...rest } = detail;
  return rest;
}

/**
 * @param c The request's context.
 * @param scheduler Whose events to send.
 * @param stillValid For a session-authenticated stream, whether its session is still valid.
 * @returns The SSE response for one client.
 */
export function eventStream(
  c: Context,
  scheduler: Scheduler,
  stillValid: (() => Promise<boolean>) | null = null,
): Response {
  return streamSSE(c, async (stream) => {
    const queue: { event: string; data: string }[] = [];
    let wake: (() => void) | null = null;
    let open = true;
    const push = (event: string, data: string) => {
      queue.push({ event, data });
      wake?.();
    };
    const close = () => {
      open = false;
      wake?.();
    };
    const offs = TYPES.map((type) =>
      scheduler.on(type, (detail) => {
        push(type, JSON.stringify(slim(detail as Record<string, unknown>)));
        if (type === "scheduler:stopped") close();
      })
    );
    const timer = setInterval(() => push("", ""), HEARTBEAT_MS);
    stream.onAbort(close);
    let checked = Date.now();
    try {
      await stream.writeSSE({ event: "hello", data: JSON.stringify({ state: scheduler.state }) });
      while (open || queue.length > 0) {
        const next = queue.shift();
        if (next === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        if (stillValid !== null && Date.now() - checked >= RECHECK_MS) {
          checked = Date.now();
          if (!(await stillValid())) break;
        }
        if (next.event === "") await stream.write(": ping\n\n");
        else await stream.writeSSE(next);
        if (!open && stream.aborted) break;
      }
    } finally {
      clearInterval(timer);
      for (const off of offs) off();
    }
  });
}

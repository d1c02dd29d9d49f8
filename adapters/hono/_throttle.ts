/**
 * Throttling of failed sign-ins, per client: after `MAX_FAILURES` failures within `WINDOW_MS`,
 * sign-ins from that client are refused (429) until the window has passed. Kept in memory, per
 * process: it slows guessing, while the token's length is what makes guessing hopeless.
 * @module
 */

import type { Context } from "hono";

const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
/** Clients tracked at most; past it the oldest are forgotten. */
const MAX_CLIENTS = 10_000;

/**
 * The client's address: the first `X-Forwarded-For` hop when the proxy is trusted, else the
 * socket's address where the server exposes it (Node, Deno, Bun), else one shared key.
 */
export function clientKey(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  // deno-lint-ignore no-explicit-any
  const env = c.env as any;
  try {
    return env?.incoming?.socket?.remoteAddress ?? // @hono/node-server
      env?.remoteAddr?.hostname ?? // Deno.serve's handler info
      env?.requestIP?.(c.req.raw)?.address ?? // Bun's server
      "*";
  } catch {
    return "*";
  }
}

/** Counts failed sign-ins per client. */
export class LoginThrottle {
  #failures = new Map<string, number[]>();

  /** @returns How many ms `key` must wait before trying again, or 0. */
  wait(key: string, now: number): number {
    const recent = (this.#failures.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length < MAX_FAILURES) return 0;
    return recent[recent.length - MAX_FAILURES]! + WINDOW_MS - now;
  }

  /** Records a failed sign-in of `key`. */
  fail(key: string, now: number): void {
    const recent = (this.#failures.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    recent.push(now);
    this.#failures.delete(key);
    this.#failures.set(key, recent.slice(-MAX_FAILURES));
    if (this.#failures.size > MAX_CLIENTS) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
  }
}

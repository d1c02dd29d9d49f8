// Headless Chromium for the dashboard tests: Debian's `chromium` driven by playwright-core, each
// context with a fresh profile. Node only; under CI a missing Chromium is a failure.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import type { BrowserContext } from "playwright-core";

const isNode = !("Deno" in globalThis) && !("Bun" in globalThis);

function findChromium(): string | null {
  const given = process.env.EVERYWHEN_CHROMIUM;
  if (given) return given;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "chromium");
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The Chromium binary, or `null` when there is none (or not on Node). */
export const chromiumPath: string | null = isNode ? findChromium() : null;

/** The `skip` option of a browser test. */
export const browserSkip: string | false = !isNode
  ? "browser test runs under Node only"
  : chromiumPath === null && process.env.CI !== "true"
  ? "no Chromium found (set EVERYWHEN_CHROMIUM or install chromium); fails under CI=true"
  : false;

/** Polls `check` every 50 ms until it holds. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A browser context with a fresh profile directory. */
export async function openBrowser(
  options: { width: number; height: number; timezoneId?: string },
): Promise<BrowserContext> {
  if (chromiumPath === null) {
    throw new Error("No Chromium: set EVERYWHEN_CHROMIUM or install the Debian package chromium");
  }
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "everywhen-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
    viewport: { width: options.width, height: options.height },
    ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
  });
  context.on("close", () => {
    try {
      // Chromium may still be writing its profile as it exits: retried, and left behind if busy.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      // A leftover directory in the temporary folder is harmless.
    }
  });
  return context;
}

/** Serves `fetch` on 127.0.0.1 with @hono/node-server; returns its origin and a close function. */
export async function serveOnce(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<{ origin: string; close: () => void }> {
  const { serve } = await import("@hono/node-server");
  let port = 0;
  const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    port = info.port;
  });
  await waitFor(() => port !== 0, "the server to listen");
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() };
}

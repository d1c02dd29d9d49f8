// When the workerd tests run: once, from the Node 26 suite (they start workerd themselves), or on
// any Node >= 22 when a file is run by hand. A light module, so a test can decide before it loads
// Miniflare.
import process from "node:process";

const runtime = process.env.EVERYWHEN_RUNTIME;
const isNode = !("Deno" in globalThis) && !("Bun" in globalThis);

/** The `skip` option of a workerd test. */
export const workerdSkip: string | false = runtime === undefined
  ? (isNode && Number(process.versions.node.split(".")[0]) >= 22
    ? false
    : "workerd tests run on Node >= 22 only")
  : runtime === "node26"
  ? false
  : "workerd tests run once, in the Node 26 suite";

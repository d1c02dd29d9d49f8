import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Each runtime's suite runs the example on that same runtime, so the four suites together prove
// it runs unchanged everywhere.
const runtime = process.env.EVERYWHEN_RUNTIME ?? "node26";
const binaries: Record<string, [string | undefined, string[]]> = {
  node22: [process.env.EVERYWHEN_NODE22, []],
  node26: [process.env.EVERYWHEN_NODE26, []],
  deno: [process.env.EVERYWHEN_DENO, ["run", "-A"]],
  bun: [process.env.EVERYWHEN_BUN, []],
};

function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: root, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        out: stdout + stderr,
      });
    });
  });
}

describe("examples/basic.ts runs unchanged on every runtime", () => {
  {
    const [bin, args] = binaries[runtime] ?? [undefined, []];
    const skip = bin ? false : `EVERYWHEN_${runtime.toUpperCase()} is not set (npm test sets it)`;
    it(`on ${runtime}`, { skip }, async () => {
      const { code, out } = await run(bin!, [...args, "examples/basic.ts"]);
      assert.equal(code, 0, out);
      assert.match(out, /sum: 42/);
      assert.match(out, /flaky: third time lucky/);
      assert.match(out, /2026-03-09T13:00:00Z/, "09:00 New York after the DST change is 13:00 UTC");
      assert.match(out, /stopped/);
    });
  }
});

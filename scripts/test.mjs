// everywhen's quality gate and test matrix: `npm test` (CI runs exactly this via .ci/run).
//
// Checks, in order: type check, deno lint, deno fmt --check, export sync, JSR dry-run publish,
// npm build + publint, examples, doc snippets. Then tests/**/*.test.ts (node:test + node:assert/strict) on Node 22,
// Node 26, Deno and Bun, and the time-zone-sensitive tests again under other machine zones.
// Ends with a summary table and a last line `N passed, N failed` that CI reads.
//
// Usage: node scripts/test.mjs [--only a,b] [--skip-checks | --checks-only] [test files...]
//   --only       comma-separated step names, runtimes or groups: typecheck, lint, fmt, exports,
//                publish, build, examples, snippets, node22, node26, deno, bun, tz, checks, tests
//   --skip-checks  run only the test suites
//   --checks-only  run only the checks
//   files        run these test files instead of tests/**/*.test.ts (time-zone runs use them too)
//
// Plain JavaScript on purpose: it must start under any Node that `npm` happens to use.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, ".test-output");
const RUNTIME_TIMEOUT_MS = 10 * 60_000;
const CHECK_TIMEOUT_MS = 5 * 60_000;
const TZ_ZONES = ["Asia/Kathmandu", "America/New_York"];
const TZ_FILE = /^tests\/(triggers[^/]*|time)\.test\.ts$/;

const modulePath = (p) => join(ROOT, "node_modules", p);
const BIN = {
  node22: modulePath("node22/bin/node"),
  node26: modulePath("node26/bin/node"),
  deno: modulePath(".bin/deno"),
  bun: modulePath(".bin/bun"),
};
for (const [name, path] of Object.entries(BIN)) {
  if (!existsSync(path)) {
    console.error(`test: ${name} binary not found at ${path} (run npm ci first)`);
    process.exit(2);
  }
  BIN[name] = realpathSync(path);
}
const TSC = modulePath("typescript/bin/tsc");

// ---------------------------------------------------------------------------------------------
// Arguments

const args = process.argv.slice(2);
let only = null;
let skipChecks = false;
let checksOnly = false;
const fileArgs = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--only") only = new Set((args[++i] ?? "").split(",").filter(Boolean));
  else if (arg.startsWith("--only=")) only = new Set(arg.slice(7).split(",").filter(Boolean));
  else if (arg === "--skip-checks") skipChecks = true;
  else if (arg === "--checks-only") checksOnly = true;
  else if (arg === "-h" || arg === "--help") {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 16)
        .join("\n"),
    );
    process.exit(0);
  } else if (arg.startsWith("-")) {
    console.error(`test: unknown option ${arg} (see --help)`);
    process.exit(2);
  } else fileArgs.push(arg);
}

function listTestFiles() {
  if (fileArgs.length > 0) {
    return fileArgs.map((f) => relative(ROOT, join(process.cwd(), f)).split("\\").join("/"));
  }
  const dir = join(ROOT, "tests");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => `tests/${String(f).split("\\").join("/")}`)
    .filter((f) => f.endsWith(".test.ts") && !f.includes("node_modules/"))
    .sort();
}
const files = listTestFiles();
const tzFiles = files.filter((f) => TZ_FILE.test(f));

// ---------------------------------------------------------------------------------------------
// Steps

// deno-lint-ignore no-control-regex -- ANSI escape sequences start with ESC
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** Checks: a step passes when its command exits 0. */
const checks = [
  { name: "typecheck", cmd: [BIN.node22, TSC, "--noEmit", "-p", "tsconfig.json"] },
  { name: "lint", cmd: [BIN.deno, "lint"] },
  { name: "fmt", cmd: [BIN.deno, "fmt", "--check"] },
  { name: "exports", cmd: [BIN.node26, "scripts/check-exports.ts"] },
  // Offline: the package has no jsr: dependencies and npm: ones resolve from node_modules
  // (nodeModulesDir "manual"), so the dry run never needs to reach jsr.io.
  { name: "publish", cmd: [BIN.deno, "publish", "--dry-run", "--allow-dirty"] },
  { name: "build", cmd: [BIN.node22, "scripts/build.mjs"] },
  // Examples are type-checked as their users would run them (Deno resolves JSR-style paths).
  {
    name: "examples",
    cmd: [
      BIN.deno,
      "check",
      "examples/basic.ts",
      "examples/deno/local.ts",
      "examples/deno/deploy.ts",
      "examples/demo/node.ts",
      "examples/demo/bun.ts",
      "examples/demo/deno.ts",
      "examples/workers/resize.ts",
      "examples/workers/resize_handler.ts",
      "examples/hono/spawn.ts",
    ],
  },
  // Every TypeScript block of README.md and docs/*.md, type-checked against the sources.
  { name: "snippets", cmd: [BIN.node26, "scripts/check-snippets.mjs"] },
].map((s) => ({ ...s, group: "checks", runtime: "-", timeout: CHECK_TIMEOUT_MS }));

function nodeSuite(runtime, tapFile, testFiles) {
  return [
    BIN[runtime],
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tapFile}`,
    ...testFiles,
  ];
}

function denoSuite(junitFile, testFiles) {
  return [
    BIN.deno,
    "test",
    "-A",
    // The typecheck step (tsc over tests/ too) already checks types. Without this, Deno also
    // type-checks the module graph of every worker it starts (the worker-pool tests: ~2.5 s
    // per worker on a 2-core machine).
    "--no-check",
    "--unstable-kv",
    "--unstable-cron",
    `--junit-path=${junitFile}`,
    ...testFiles,
  ];
}

function bunSuite(testFiles) {
  // Bun's default per-test timeout is 5 s; Node and Deno have none. The runtime-wide limit
  // (RUNTIME_TIMEOUT_MS) still bounds the whole run.
  return [
    BIN.bun,
    "test",
    // Each file in a fresh global object, as Node and Deno run them: a file that installs a
    // polyfill (e.g. @hono/node-server's Response) must not leak into the next one.
    "--isolate",
    "--timeout",
    String(RUNTIME_TIMEOUT_MS),
    ...testFiles.map((f) => `./${f}`),
  ];
}

function suite(runtime, name, testFiles, env = {}) {
  const base = name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
  const report = join(OUT, `${base}.${runtime === "deno" ? "xml" : "tap"}`);
  const cmd = runtime === "deno"
    ? denoSuite(report, testFiles)
    : runtime === "bun"
    ? bunSuite(testFiles)
    : nodeSuite(runtime, report, testFiles);
  return {
    name,
    runtime,
    group: env.TZ ? "tz" : "tests",
    cmd,
    env: { ...env, EVERYWHEN_RUNTIME: runtime },
    report,
    timeout: RUNTIME_TIMEOUT_MS,
    files: testFiles,
  };
}

const suites = [
  suite("node22", "node22", files),
  suite("node26", "node26", files),
  suite("deno", "deno", files),
  suite("bun", "bun", files),
  ...TZ_ZONES.map((tz) => suite("node26", `node26 TZ=${tz}`, tzFiles, { TZ: tz })),
  suite("deno", `deno TZ=${TZ_ZONES[0]}`, tzFiles, { TZ: TZ_ZONES[0] }),
];

const selected = (step) =>
  only === null ||
  only.has(step.name) || only.has(step.runtime) || only.has(step.group) ||
  (step.group === "tz" && only.has("tests"));

const steps = [
  ...(skipChecks ? [] : checks),
  ...(checksOnly ? [] : suites),
].filter(selected);

if (steps.length === 0) {
  console.error(`test: nothing selected (--only ${[...(only ?? [])].join(",")})`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Output parsers: each returns { passed, failed, skipped } or null when no summary was found.

function parseNodeTap(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, "utf8");
  const count = (key) => {
    const m = text.match(new RegExp(`^# ${key} (\\d+)$`, "m"));
    return m ? Number(m[1]) : null;
  };
  if (count("tests") === null) return null;
  return {
    passed: count("pass") ?? 0,
    failed: (count("fail") ?? 0) + (count("cancelled") ?? 0),
    skipped: (count("skipped") ?? 0) + (count("todo") ?? 0),
  };
}

// Deno reports node:test `describe` blocks as tests and their `it`s as steps. Count leaves only
// (test cases with no nested case), so the numbers line up with what the other runtimes count.
function parseDenoJunit(file) {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, "utf8");
  const unescape = (s) =>
    s.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  const cases = [];
  const re = /<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m; (m = re.exec(xml));) {
    const body = m[3] ?? "";
    cases.push({
      name: unescape(m[1]),
      failed: /<failure|<error/.test(body),
      skipped: /<skipped/.test(body),
    });
  }
  const leaves = cases.filter((c) => !cases.some((o) => o.name.startsWith(`${c.name} > `)));
  const result = { passed: 0, failed: 0, skipped: 0 };
  for (const c of leaves) {
    if (c.failed) result.failed++;
    else if (c.skipped) result.skipped++;
    else result.passed++;
  }
  // A parent whose own body failed (e.g. a throwing hook) has no failing leaf: count it too.
  for (const c of cases) {
    if (
      c.failed && !leaves.includes(c) &&
      !cases.some((o) => o.failed && o !== c && o.name.startsWith(`${c.name} > `))
    ) {
      result.failed++;
    }
  }
  return result;
}

function parseBun(output) {
  const text = stripAnsi(output);
  const count = (word) => {
    const m = text.match(new RegExp(`^\\s*(\\d+) ${word}\\b`, "m"));
    return m ? Number(m[1]) : null;
  };
  if (count("pass") === null && count("fail") === null) return null;
  return {
    passed: count("pass") ?? 0,
    // A file that fails to load shows as both a "fail" and an "error"; an error outside any test
    // only as an "error" (and a non-zero exit, which marks the step failed).
    failed: count("fail") ?? 0,
    skipped: (count("skip") ?? 0) + (count("todo") ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Running

function run(step) {
  return new Promise((resolve) => {
    const started = performance.now();
    let output = "";
    let timedOut = false;
    const child = spawn(step.cmd[0], step.cmd.slice(1), {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so a timeout kills the runner's workers too
      env: {
        ...process.env,
        EVERYWHEN_NODE22: BIN.node22,
        EVERYWHEN_NODE26: BIN.node26,
        EVERYWHEN_DENO: BIN.deno,
        EVERYWHEN_BUN: BIN.bun,
        ...step.env,
      },
    });
    const onData = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\ntest: ${step.name} exceeded ${step.timeout / 1000} s, killing it`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, step.timeout);
    const finish = (code, error) => {
      clearTimeout(timer);
      resolve({ code, error, timedOut, output, seconds: (performance.now() - started) / 1000 });
    };
    child.on("error", (error) => finish(null, error));
    child.on("close", (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

const line = "=".repeat(100);
const results = [];
const suiteStart = performance.now();
mkdirSync(OUT, { recursive: true });

console.log(`everywhen tests: ${steps.length} steps, ${files.length} test files`);
console.log(
  `  node22 ${BIN.node22}\n  node26 ${BIN.node26}\n  deno   ${BIN.deno}\n  bun    ${BIN.bun}`,
);

for (const [index, step] of steps.entries()) {
  const title = `[${index + 1}/${steps.length}] ${step.name}`;
  console.log(
    `\n${line}\n${title}\n$ ${step.env?.TZ ? `TZ=${step.env.TZ} ` : ""}${
      step.cmd.map((a) => relative(ROOT, a).startsWith("..") ? a : relative(ROOT, a) || a).join(" ")
    }\n${line}`,
  );
  if (step.files !== undefined && step.files.length === 0) {
    const reason = step.group === "tz"
      ? "no tests/triggers*.test.ts or tests/time.test.ts yet"
      : "no test files found";
    const status = step.group === "tz" ? "SKIP" : "FAIL";
    console.log(`(${reason})`);
    results.push({ step, status, seconds: 0, counts: null, note: reason });
    continue;
  }
  if (step.report) rmSync(step.report, { force: true });
  const r = await run(step);
  let counts = null;
  if (step.runtime === "bun") counts = parseBun(r.output);
  else if (step.runtime === "deno" && step.report) counts = parseDenoJunit(step.report);
  else if (step.report) counts = parseNodeTap(step.report);
  let status = r.code === 0 ? "PASS" : "FAIL";
  let note = "";
  if (r.error) note = `could not start: ${r.error.message}`;
  else if (r.timedOut) note = `timed out after ${step.timeout / 1000} s`;
  else if (r.code !== 0) note = `exit ${r.code}`;
  if (step.files !== undefined && counts === null) {
    status = "FAIL";
    note ||= "no test summary found in the runner's output";
  }
  if (counts && counts.failed > 0) status = "FAIL";
  if (step.files !== undefined && status === "PASS" && counts && counts.passed === 0) {
    status = "FAIL";
    note = "no test passed";
  }
  results.push({ step, status, seconds: r.seconds, counts, note });
}

// ---------------------------------------------------------------------------------------------
// Summary

const table = [["step", "runtime", "result", "passed", "failed", "skipped", "seconds", "note"]];
for (const { step, status, seconds, counts, note } of results) {
  table.push([
    step.name,
    step.runtime,
    status,
    counts ? String(counts.passed) : "-",
    counts ? String(counts.failed) : "-",
    counts ? String(counts.skipped) : "-",
    seconds.toFixed(1),
    note,
  ]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const format = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
console.log(
  `\n${line}\nSummary (${((performance.now() - suiteStart) / 1000).toFixed(1)} s)\n${line}`,
);
console.log(format(table[0]));
console.log(format(widths.map((w) => "-".repeat(w))));
for (const row of table.slice(1)) console.log(format(row));

let passed = 0;
let failed = 0;
let failedSteps = 0;
for (const { status, counts } of results) {
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  }
  // A failed check, or a runner that failed without a failing test case (crash, timeout, a file
  // that does not load), counts as one failure so that "0 failed" always means all green.
  if (status === "FAIL" && !(counts && counts.failed > 0)) failedSteps++;
}
console.log("");
if (failedSteps > 0) {
  console.log(
    `(the failed count includes ${failedSteps} failed step(s) without failing test cases)`,
  );
}
console.log(`${passed} passed, ${failed + failedSteps} failed`);
process.exit(failed + failedSteps > 0 ? 1 : 0);

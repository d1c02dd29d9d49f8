// Checks every TypeScript code block of README.md and docs/*.md against the current API, so a
// snippet cannot drift from the code: each block is written out as a module, type-checked with
// `deno check` (the package's own names, npm's `everywhen/...` and JSR's
// `@everywhen/everywhen/...`, both resolve to the sources), and blocks marked `run` are run.
//
// A fence's info string says what a block needs (GitHub and npm show only the language):
//   ```ts                        a complete module
//   ```ts context=scheduler      a fragment: the names of CONTEXTS below are declared for it
//   ```ts run                    also run it with `deno run -A` (it must exit 0 by itself)
// A fragment must also say in its first line which names it assumes, for the reader.
//
// Usage: node scripts/check-snippets.mjs [--list]
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, ".test-output", "snippets");
const DENO = join(ROOT, "node_modules", ".bin", "deno");

/** Declarations a fragment may ask for with `context=a,b`. */
const CONTEXTS = {
  // The module scope of README's first example: the package's main names and a scheduler.
  scheduler: `import { allOf, anyOf, at, calendar, cron, every, Scheduler } from "everywhen";\n` +
    `declare const scheduler: Scheduler;`,
  store: `import type { Store } from "everywhen";\ndeclare const store: Store;`,
  app: `import type { Hono } from "hono";\nimport type { SchedulerEnv } from "everywhen/hono";\n` +
    `declare const app: Hono<SchedulerEnv>;`,
  metrics: `declare const metrics: { increment(name: string): void };`,
  // The names the README's Queues section uses: task handles and the values they take.
  queue: `import type { JsonValue, TaskHandle, TaskHandler, Trigger } from "everywhen";\n` +
    `declare const work: TaskHandle<number>, urgent: number, trigger: Trigger, jobId: string;\n` +
    `declare const build: TaskHandler, syncCustomer: TaskHandler<{ customer: string }>;\n` +
    `declare const callApi: TaskHandler, send: TaskHandler<{ to: string }>, charge: TaskHandler;\n` +
    `declare const payload: JsonValue, rows: JsonValue[], chunks: string[], msg: string;\n` +
    `declare const index: TaskHandle<{ id: string }>, doc: { id: string };\n` +
    `declare const notify: TaskHandle<string>, resize: TaskHandle<string>;\n` +
    `declare const zip: TaskHandle<null>;`,
  previousKey: `declare const previousKey: string;`,
  workers: `interface DurableObjectNamespace {\n  idFromName(name: string): unknown;\n` +
    `  get(id: unknown): unknown;\n}`,
};

function docs() {
  const files = ["README.md"];
  for (const f of readdirSync(join(ROOT, "docs")).sort()) {
    if (f.endsWith(".md")) files.push(`docs/${f}`);
  }
  return files;
}

/** @returns The TypeScript blocks of a Markdown file with their line and attributes. */
function blocks(file) {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const found = [];
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (open) {
      if (fence && fence[2][0] === open.fence[0] && fence[2].length >= open.fence.length) {
        if (open.lang) found.push(open);
        open = null;
      } else open.code.push(lines[i]);
      continue;
    }
    if (!fence) continue;
    const [lang, ...attrs] = fence[3].trim().split(/\s+/);
    open = {
      file,
      line: i + 1,
      fence: fence[2],
      lang: ["ts", "typescript", "tsx"].includes(lang) ? lang : null,
      attrs,
      code: [],
    };
  }
  if (open) throw new Error(`${file}:${open.line}: unclosed code fence`);
  return found;
}

function attributes(block) {
  const out = { context: [], run: false };
  for (const a of block.attrs) {
    if (a === "run") out.run = true;
    else if (a.startsWith("context=")) out.context = a.slice(8).split(",").filter(Boolean);
    else throw new Error(`${block.file}:${block.line}: unknown code block attribute "${a}"`);
  }
  for (const c of out.context) {
    if (!(c in CONTEXTS)) {
      throw new Error(
        `${block.file}:${block.line}: unknown context "${c}" (known: ${
          Object.keys(CONTEXTS).join(", ")
        })`,
      );
    }
  }
  return out;
}

/** The import map: both package names and every subpath, onto the sources. */
function config() {
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const imports = { ...deno.imports };
  for (const [sub, target] of Object.entries(deno.exports)) {
    const abs = new URL(target, `file://${ROOT}`).href;
    const rest = sub === "." ? "" : sub.slice(1);
    imports[`everywhen${rest}`] = abs;
    imports[`${deno.name}${rest}`] = abs;
  }
  imports["cloudflare:workers"] = new URL("./_cloudflare_workers.ts", `file://${OUT}/`).href;
  imports["@hono/node-server"] = "npm:@hono/node-server";
  imports["elysia"] = "npm:elysia";
  imports["express"] = "npm:express";
  imports["fastify"] = "npm:fastify";
  return {
    imports,
    nodeModulesDir: "manual",
    compilerOptions: {
      ...deno.compilerOptions,
      lib: ["deno.window", "deno.unstable", "esnext", "esnext.temporal"],
    },
  };
}

const all = docs().flatMap(blocks);
if (process.argv.includes("--list")) {
  for (const b of all) console.log(`${b.file}:${b.line} ${b.attrs.join(" ")}`);
  process.exit(0);
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
writeFileSync(
  join(OUT, "_cloudflare_workers.ts"),
  "export abstract class DurableObject<Env = unknown> {\n" +
    "  protected ctx: unknown;\n  protected env: Env;\n" +
    "  constructor(ctx: unknown, env: Env) {\n    this.ctx = ctx;\n    this.env = env;\n  }\n}\n",
);
writeFileSync(join(OUT, "deno.json"), JSON.stringify(config(), null, 2));
// Deno resolves npm packages from the package.json and node_modules beside its config.
writeFileSync(join(OUT, "package.json"), readFileSync(join(ROOT, "package.json")));
symlinkSync(join(ROOT, "node_modules"), join(OUT, "node_modules"), "dir");

const files = [];
const runs = [];
for (const b of all) {
  const a = attributes(b);
  const name = `${b.file.replace(/[/.]/g, "_")}_L${b.line}.ts`;
  const prelude = a.context.map((c) => CONTEXTS[c]).join("\n");
  // The marker line maps type errors back to the Markdown source.
  const text = `// ${b.file}:${b.line}\n${prelude}\n${b.code.join("\n")}\nexport {};\n`;
  writeFileSync(join(OUT, name), text);
  files.push({ name, block: b, preludeLines: prelude.split("\n").length + 1 });
  if (a.run) runs.push({ name, block: b });
}

let failed = 0;
const check = spawnSync(
  DENO,
  ["check", "--quiet", "--config", join(OUT, "deno.json"), ...files.map((f) => join(OUT, f.name))],
  { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
);
if (check.status !== 0) {
  failed++;
  // Point each error at the Markdown line it came from.
  let out = `${check.stdout}${check.stderr}`;
  for (const f of files) {
    out = out.replaceAll(
      new RegExp(`file://[^\\s]*${f.name}:(\\d+):(\\d+)`, "g"),
      (_m, line) => `${f.block.file}:${f.block.line + Number(line) - f.preludeLines}`,
    );
  }
  console.error(out);
}
for (const r of runs) {
  const run = spawnSync(
    DENO,
    ["run", "-A", "--config", join(OUT, "deno.json"), join(OUT, r.name)],
    { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
  );
  if (run.status !== 0) {
    failed++;
    console.error(`${r.block.file}:${r.block.line}: the snippet exited with ${run.status}`);
    console.error(`${run.stdout}${run.stderr}`);
  }
}
console.log(
  `snippets: ${files.length} checked, ${runs.length} run, ${failed === 0 ? "all pass" : "FAILED"}`,
);
if (!existsSync(OUT)) process.exit(2);
process.exit(failed === 0 ? 0 : 1);

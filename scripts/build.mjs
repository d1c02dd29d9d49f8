// npm build: compile mod.ts, src/ and adapters/ to ESM .js + .d.ts in dist/ (tsc rewrites the
// relative `.ts` import extensions to `.js`), then lint the package with publint.
// Run with `npm run build`; `npm test` runs it as one of its checks.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
// Run the tools' JavaScript entry points with this very Node (>= 22), never whatever `node` is
// first on PATH (the machine's own may be older).
const tool = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));

function run(cmd, args) {
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`build: ${cmd} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
run(process.execPath, [tool("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);
// Under `npm pack`/`npm publish` this runs as the prepack script; publint itself packs the
// package, so it only runs when the build is invoked directly (npm run build, npm test).
if (process.env.npm_lifecycle_event !== "prepack") {
  // --strict turns publint warnings into errors: the package must be clean, not just error-free.
  run(process.execPath, [tool("publint/src/cli.js"), "run", "--strict", "--pack", "npm"]);
  // Load every entry point through the package's own exports map (self-reference), as a consumer
  // would, so a dist file that fails to load is caught here rather than by a user.
  const { exports } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  for (const subpath of Object.keys(exports)) {
    const specifier = subpath === "." ? "everywhen" : `everywhen/${subpath.slice(2)}`;
    await import(specifier);
  }
  console.log(`build: ${Object.keys(exports).length} entry points load from dist/`);
}

// The npm registry reachable from our machines does not serve every platform build of some
// packages (e.g. @deno/darwin-arm64). npm still lists them under the parent's
// optionalDependencies without a lock entry, and `npm ci` then refuses the lock file.
// Run this after `npm install` to drop the optional entries that have no lock entry.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
let dropped = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const dep of Object.keys(entry.optionalDependencies)) {
    const present = lock.packages[`node_modules/${dep}`] ?? lock.packages[`${key}/node_modules/${dep}`];
    if (!present) {
      delete entry.optionalDependencies[dep];
      dropped++;
    }
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`fix-lock: dropped ${dropped} unresolvable optional dependencies`);

/**
 * Issue 14: the npm page is the README, rendered without the repository around it, so every
 * link and image must be absolute; package.json says where the repository and the tracker are.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
const readme = readFileSync(new URL("README.md", root), "utf8");
const repo = "https://github.com/everywhen/everywhen";

describe("what npm shows", () => {
  it("package.json has repository, homepage and bugs", () => {
    assert.equal(pkg.repository?.url, `git+${repo}.git`);
    assert.ok(String(pkg.homepage).startsWith(repo));
    assert.equal(pkg.bugs?.url, `${repo}/issues`);
  });

  it("README links and images work outside the repository", () => {
    const relative = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^(https?:|mailto:|#)/.test(target));
    assert.deepEqual(relative, []);
  });
});

/**
 * The docs against what they describe: the code map names every folder of lib/ and only
 * files that exist, benchmarks.md every benchmark, every link between the docs reaches a file and a heading, and
 * `make help`, the README and docs/install.md name the Makefile's targets.
 *
 * @module
 */
import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"), { withFileTypes: true })
    .filter((e) => e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`),
];

/** Every folder under `dir`, itself included, relative to the repository. */
function folders(dir: string): string[] {
  const here = join(ROOT, dir);
  const subs = readdirSync(here).filter((n) => statSync(join(here, n)).isDirectory());
  return [dir, ...subs.flatMap((n) => folders(`${dir}/${n}`))];
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(markdown: string): Set<string> {
  const outside = markdown.replace(/^```[\s\S]*?^```$/gm, "");
  return new Set([...outside.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

describe("docs/code_map.md", () => {
  const map = read("docs/code_map.md");
  const rows = [...map.matchAll(/^\| `(lib\/[^`]*)\/` \|(.*)$/gm)].map((m) => ({ folder: m[1]!, text: m[2]! }));

  test("has a row for every folder of lib/", () => {
    const listed = new Set(rows.map((r) => r.folder));
    expect(folders("lib").filter((f) => f !== "lib" && !listed.has(f))).toEqual([]);
  });

  test("names only files that exist in the row's folder", () => {
    const missing = rows.flatMap((r) =>
      [...r.text.matchAll(/`([\w/]+\.ts)`/g)].map((m) => `${r.folder}/${m[1]}`).filter((p) => !existsSync(join(ROOT, p))),
    );
    expect(missing).toEqual([]);
  });
});

test("docs/benchmarks.md names every benchmark under bench/", () => {
  const page = read("docs/benchmarks.md");
  const benches = readdirSync(join(ROOT, "bench")).filter((n) => n.endsWith(".ts"));
  expect(benches.filter((n) => !page.includes(`bench/${n}`))).toEqual([]);
});

test("every link between the docs reaches a file, and a heading of it", () => {
  const broken: string[] = [];
  for (const doc of DOCS) {
    for (const m of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split("#") as [string, string | undefined];
      const file = path === "" ? doc : relative(ROOT, resolve(ROOT, dirname(doc), path));
      if (!existsSync(join(ROOT, file))) broken.push(`${doc}: ${target} (no file ${file})`);
      else if (anchor && file.endsWith(".md") && !anchors(read(file)).has(anchor)) broken.push(`${doc}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

describe("the Makefile's targets", () => {
  const makefile = read("Makefile");
  const phony = makefile.match(/^\.PHONY: (.+)$/m)![1]!.split(" ");
  const help = execFileSync("make", ["-s", "--no-print-directory", "help"], { cwd: ROOT, encoding: "utf8" });

  test("make help lists every target, and no other", () => {
    const listed = new Set([...help.matchAll(/^make(?: (\S+))?/gm)].map((m) => m[1] ?? "all"));
    const wanted = phony.filter((t) => t !== "build");
    expect([...listed].sort()).toEqual([...wanted].sort());
  });

  test("the README's two commands and docs/install.md's table are targets", () => {
    const readme = read("README.md");
    expect(readme).toContain("make demo");
    expect(readme).toContain("make test");
    const table = [...read("docs/install.md").matchAll(/^\| `make(?: ([\w-]+))?` \|/gm)].map((m) => m[1] ?? "all");
    expect([...table].sort()).toEqual(phony.filter((t) => t !== "build").sort());
  });
});

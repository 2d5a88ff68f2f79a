// scripts/check_layers.ts: `make check` fails on a cycle between lib/ folders.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bypassingMod, folderCycles, importsOf, libFolderEdges } from "../../scripts/check_layers.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("importsOf: relative imports, re-exports, side-effect and dynamic imports; packages ignored", () => {
  const src = [
    'import { a } from "../net/mod.ts";',
    'import type {\n  B,\n} from "./b.ts";',
    'export * from "./c.ts";',
    'import pkg from "smol-toml";',
    'import "../e/side_effect.ts";',
    'const d = await import("../d/x.ts");',
  ].join("\n");
  expect(importsOf(src)).toEqual(["../net/mod.ts", "./b.ts", "./c.ts", "../e/side_effect.ts", "../d/x.ts"]);
});

test("folderCycles: a cycle through three folders is found with its edges; a chain is not", () => {
  const e = (from: string, to: string) => ({ from, to, via: `${from}->${to}` });
  expect(folderCycles([e("ring", "net"), e("net", "packet"), e("ring", "packet")])).toEqual([]);
  const cycles = folderCycles([e("a", "b"), e("b", "c"), e("c", "a"), e("c", "d"), e("d", "d")]);
  expect(cycles.map((c) => c.folders)).toEqual([["a", "b", "c"]]);
  expect(cycles[0]!.edges.map((x) => x.via)).toEqual(["a->b", "b->c", "c->a"]);
});

test("the check reads a lib/ tree: an upward import makes a cycle, lib/'s own files count as one folder", () => {
  const root = tmpDir();
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file("lib/errors.ts", "export const E = 1;\n");
  file("lib/net/ip.ts", 'import { E } from "../errors.ts";\n');
  file("lib/tls/names.ts", 'import { isIP } from "../net/ip.ts";\n');
  expect(folderCycles(libFolderEdges(root))).toEqual([]);
  file("lib/net/peer_names.ts", 'import { x } from "../tls/names.ts";\n');
  expect(folderCycles(libFolderEdges(root)).map((c) => c.folders)).toEqual([["net", "tls"]]);
});

test("another folder is imported through its mod.ts; a dynamic import() may name a file", () => {
  const root = tmpDir();
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file("lib/net/mod.ts", 'export { dial } from "./dial.ts";\n');
  file("lib/net/dial.ts", "export const dial = 1;\n");
  file("lib/ring/a.ts", 'import { dial } from "../net/mod.ts";\nconst p = import("../net/dial.ts");\n');
  expect(bypassingMod(libFolderEdges(root))).toEqual([]);
  file("lib/ring/b.ts", 'import { dial } from "../net/dial.ts";\n');
  expect(bypassingMod(libFolderEdges(root)).map((e) => e.via)).toEqual(["lib/ring/b.ts -> lib/net/dial.ts"]);
});

test("lib/ of this repository has no cycle between folders, and imports other folders through their mod.ts", () => {
  const edges = libFolderEdges(join(import.meta.dir, "../.."));
  expect(folderCycles(edges)).toEqual([]);
  expect(bypassingMod(edges)).toEqual([]);
});

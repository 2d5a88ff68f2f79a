/**
 * `make check`'s layering check: folders under lib/ import downward only, and another
 * folder's code through its `mod.ts`. Prints every cycle between folders (with the imports
 * that make it) and every static import of another folder's file other than a `mod.ts`,
 * and exits 1 when there is one. The files directly in lib/ (errors.ts, clock.ts) count as
 * one folder, "."; a dynamic `import()` (a program loaded only when it runs) may name a file.
 *
 * Run: `bun run scripts/check_layers.ts [ROOT]`
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** One import from a file in one folder of a file in another. */
export interface FolderEdge {
  from: string;
  to: string;
  /** "lib/a/x.ts -> lib/b/y.ts" */
  via: string;
  /** A dynamic `import()`, not a static import or re-export. */
  dynamic?: boolean;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/**
 * The relative imports of `source`, as written.
 *
 * @example
 * ```ts
 * importsOf('import { x } from "../net/mod.ts";\nexport * from "./y.ts";'); // ["../net/mod.ts", "./y.ts"]
 * ```
 */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) specs.push(spec);
  }
  return specs;
}

/**
 * The folder of `path` below `lib` ("ring" for lib/ring/client/x.ts, "." for lib/errors.ts),
 * or undefined outside lib.
 */
function folderOf(lib: string, path: string): string | undefined {
  const parts = relative(lib, path).split("/");
  if (parts[0] === ".." || parts[0] === "") return undefined;
  return parts.length === 1 ? "." : parts[0];
}

/**
 * The cycles of the folder graph `edges`: its strongly connected components of more than
 * one folder (Tarjan), each with the imports that join its folders.
 *
 * @example
 * ```ts
 * folderCycles([{ from: "net", to: "tls", via: "a" }, { from: "tls", to: "net", via: "b" }]);
 * // [{ folders: ["net", "tls"], edges: [...both] }]
 * ```
 */
export function folderCycles(edges: FolderEdge[]): { folders: string[]; edges: FolderEdge[] }[] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
    if (!next.has(e.to)) next.set(e.to, new Set());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) components.push(component.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((folders) => ({
    folders,
    edges: edges.filter((e) => e.from !== e.to && folders.includes(e.from) && folders.includes(e.to)),
  }));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Every import between two folders of `root`/lib. */
export function libFolderEdges(root: string): FolderEdge[] {
  const lib = join(root, "lib");
  const edges: FolderEdge[] = [];
  for (const file of tsFiles(lib)) {
    const from = folderOf(lib, file)!;
    const source = readFileSync(file, "utf8");
    const dynamic = new Set([...source.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!));
    for (const spec of importsOf(source)) {
      const target = resolve(dirname(file), spec);
      const to = folderOf(lib, target);
      const via = `${relative(root, file)} -> ${relative(root, target)}`;
      if (to !== undefined && to !== from && !edges.some((e) => e.via === via))
        edges.push({ from, to, via, ...(dynamic.has(spec) ? { dynamic: true } : {}) });
    }
  }
  return edges;
}

/**
 * The static imports in `edges` of another folder's file other than its `mod.ts` (lib/'s own
 * files, ".", have none).
 *
 * @example
 * ```ts
 * bypassingMod([{ from: "ring", to: "net", via: "lib/ring/a.ts -> lib/net/dial.ts" }]); // that edge
 * ```
 */
export function bypassingMod(edges: FolderEdge[]): FolderEdge[] {
  return edges.filter((e) => !e.dynamic && e.to !== "." && !e.via.endsWith("/mod.ts"));
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? ".");
  const cycles = folderCycles(libFolderEdges(root));
  for (const c of cycles) {
    console.error(`lib/ folders import each other: ${c.folders.join(", ")}; folders must import downward only:`);
    for (const e of c.edges) console.error(`  ${e.via}`);
  }
  if (cycles.length > 0) console.error("Move what both sides need into the lower folder (STYLE.md: 'Folders import downward only').");
  const bypass = bypassingMod(libFolderEdges(root));
  for (const e of bypass) console.error(`${e.via}: import another folder through its mod.ts (export the name there)`);
  if (cycles.length > 0 || bypass.length > 0) process.exit(1);
}

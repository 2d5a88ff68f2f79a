/**
 * How many copies of a vassal zeus runs: `nodes = K` in the `[vassal]` table of a `.toml`,
 * `zeus-nodes = K` in the `[uwsgi]` section of an `.ini`; default 1. Pure.
 *
 * @module
 */
import { parse } from "smol-toml";

/** The copies a config asks for, or the reason it cannot be read. */
export type CopiesResult = { copies: number } | { error: string };

function checked(value: unknown, where: string): CopiesResult {
  const n = typeof value === "bigint" ? Number(value) : typeof value === "string" ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 1000) {
    return { error: `${where} must be an integer from 1 to 1000, got ${JSON.stringify(String(value))}` };
  }
  return { copies: n };
}

function iniCopies(text: string): CopiesResult {
  let section = "";
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const sec = /^\[([^\]]*)\]$/.exec(line);
    if (sec) section = sec[1]!.trim();
    const kv = /^zeus-nodes\s*=\s*(.*)$/.exec(line);
    if (kv && section === "uwsgi") return checked(kv[1], `line ${i + 1}: zeus-nodes`);
  }
  return { copies: 1 };
}

function tomlCopies(text: string): CopiesResult {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { line?: number };
    return { error: `not valid TOML${err.line ? ` (line ${err.line})` : ""}: ${err.message.split("\n")[0]}` };
  }
  const vassal = doc.vassal as Record<string, unknown> | undefined;
  if (vassal === undefined || typeof vassal !== "object") return { error: "has no [vassal] table" };
  return vassal.nodes === undefined ? { copies: 1 } : checked(vassal.nodes, "[vassal] nodes");
}

/**
 * Reads the number of copies wanted from a vassal config named `name`.
 *
 * @example
 * ```ts
 * wantedCopies("web.toml", '[vassal]\ncommand = "/bin/true"\nnodes = 3\n'); // { copies: 3 }
 * wantedCopies("app.ini", "[uwsgi]\nzeus-nodes = 2\n"); // { copies: 2 }
 * ```
 */
export function wantedCopies(name: string, text: string): CopiesResult {
  return name.endsWith(".toml") ? tomlCopies(text) : iniCopies(text);
}

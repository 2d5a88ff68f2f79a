/**
 * docs/guide.md followed command by command, so the guide cannot rot: its marked shell
 * blocks are run in order with the real binaries of dist/ (first on PATH), in a temp
 * folder, with the guide's 127.0.0.N addresses moved to a subnet of their own and every
 * port to a free one; each block's output must show the lines of the `text expect` block
 * that follows it. The daemons it starts are stopped by pid with SIGTERM at the end, and
 * must exit 0 as the guide says.
 *
 * @module
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DIST, freePort, killAll, type Proc, removeTmpDirs, run, start, tmpDir, waitUp } from "../helpers/procs.ts";

const GUIDE = resolve(import.meta.dir, "../../docs/guide.md");
const NET = "127.7.3";
const POLL_MS = 30_000;

/** One marked shell block of the guide, with the output it must show. */
interface Step {
  kind: "run" | "daemons" | "poll";
  script: string;
  expect: string[];
  /** Its line in docs/guide.md, for failure messages. */
  line: number;
}

const STEP_KINDS = new Set(["run", "daemons", "poll"]);
const SKIPPED = new Set(["manual", ""]);

/** The guide's steps, in order: each `sh run|daemons|poll` block and its `text expect`. */
function guideSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  for (const m of markdown.matchAll(/^```(\S*)[ \t]*(\S*)\n([\s\S]*?)^```$/gm)) {
    const [, lang, mark, body] = m as unknown as [string, string, string, string];
    const line = markdown.slice(0, m.index).split("\n").length;
    if (lang === "sh" && STEP_KINDS.has(mark)) {
      steps.push({ kind: mark as Step["kind"], script: body, expect: [], line });
    } else if (lang === "text" && mark === "expect") {
      const last = steps.at(-1);
      if (!last || last.expect.length > 0) throw new Error(`guide.md:${line}: a "text expect" block must follow a step`);
      last.expect = body.split("\n").filter((l) => l.trim() !== "");
    } else if (lang === "sh" && !SKIPPED.has(mark)) {
      throw new Error(`guide.md:${line}: unknown mark "sh ${mark}" (known: run, daemons, poll, manual)`);
    }
  }
  return steps;
}

const squeeze = (s: string): string => s.replace(/\s+/g, " ").trim();
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The first expected line `output` does not show (in order, `...` for anything), if any. */
function missingLine(output: string, expected: string[]): string | undefined {
  const lines = output.split("\n").map(squeeze);
  let i = 0;
  for (const e of expected) {
    const re = new RegExp(`^${squeeze(e).split("...").map(escape).join(".*")}$`);
    while (i < lines.length && !re.test(lines[i]!)) i++;
    if (i === lines.length) return e;
    i++;
  }
  return undefined;
}

/**
 * Moves the guide's addresses and ports to this test's: 127.0.0.N to NET.N, and each port
 * (after a colon, or a `*_port =` in a file) to a port free on NET.
 */
async function localizer(markdown: string): Promise<(text: string) => string> {
  const found = markdown.match(/(?<=:|_port\s*=\s*)\d{4,5}\b/g) ?? [];
  const ports = new Map<string, number>();
  for (const p of new Set(found)) ports.set(p, await freePort(`${NET}.11`));
  return (text) =>
    text.replace(/127\.0\.0\.(\d+)/g, `${NET}.$1`).replace(/(?<=:|_port\s*=\s*)(\d{4,5})\b/g, (p) => String(ports.get(p) ?? p));
}

const dir = tmpDir("guide-");
const env = { ...process.env, PATH: `${DIST}:${process.env.PATH}` };
const daemons: Proc[] = [];
const markdown = readFileSync(GUIDE, "utf8");
const steps = guideSteps(markdown);
const local = await localizer(markdown);

/** Runs one block as a `set -e` script, stdout and stderr in one stream. */
async function runBlock(script: string): Promise<{ code: number; output: string }> {
  const r = await run("bash", ["-c", `set -e\nexec 2>&1\n${local(script)}`], { cwd: dir, env });
  return { code: r.code, output: r.stdout };
}

/** Starts each line of a `daemons` block in the background, keeping its pid. */
function startDaemons(step: Step): void {
  for (const line of step.script.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#")) continue;
    const command = local(line).replace(/&$/, "");
    daemons.push(start("bash", ["-c", `exec ${command}`], { cwd: dir, env }));
  }
}

async function check(step: Step): Promise<void> {
  const where = `guide.md:${step.line}`;
  if (step.kind === "daemons") return startDaemons(step);
  const expected = step.expect.map(local);
  let last = { code: -1, output: "" };
  const passes = async () => {
    last = await runBlock(step.script);
    return last.code === 0 && missingLine(last.output, expected) === undefined;
  };
  if (step.kind === "poll") {
    await waitUp(daemons, passes, POLL_MS, `${where} to show its expected output`).catch((e: Error) => {
      throw new Error(`${e.message}; last output (exit ${last.code}):\n${last.output}`);
    });
    return;
  }
  await passes();
  if (last.code !== 0) throw new Error(`${where} exited ${last.code}:\n${last.output}`);
  const missing = missingLine(last.output, expected);
  if (missing !== undefined) throw new Error(`${where} did not print "${local(missing)}"; it printed:\n${last.output}`);
}

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

describe("the guide's own rules", () => {
  test("its marked blocks start the ring's three nodes, zeus and two emperors", () => {
    const started = steps.filter((s) => s.kind === "daemons").flatMap((s) => s.script.split("\n").filter((l) => l.trim()));
    expect(started.map((l) => l.split(" ")[0])).toEqual(["zog", "zog", "zog", "zeus", "emperor", "emperor"]);
    expect(steps.filter((s) => s.kind !== "daemons" && s.expect.length === 0).map((s) => s.line)).toEqual([]);
  });

  test("an expected line is found only in order, with ... for anything", () => {
    expect(missingLine("a  1\nb 2\n", ["a 1", "b ..."])).toBeUndefined();
    expect(missingLine("b 2\na 1\n", ["a 1", "b ..."])).toBe("b ...");
    expect(missingLine("ab\n", ["a"])).toBe("a");
  });
});

describe("docs/guide.md, followed command by command", () => {
  for (const step of steps) {
    const first = step.script.split("\n").find((l) => l.trim() !== "") ?? "";
    test(`guide.md:${step.line} (${step.kind}) ${first}`, () => check(step), POLL_MS + 10_000);
  }

  test("every program it started stops with exit 0 on SIGTERM", async () => {
    for (const d of [...daemons].reverse()) process.kill(d.pid, "SIGTERM");
    const codes = await Promise.all(daemons.map((d) => d.exited));
    expect(codes).toEqual(daemons.map(() => 0));
  }, 30_000);
});

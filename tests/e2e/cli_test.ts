// Every binary: --version, --help with exit codes, one-line errors with exit code 2.
import { afterAll, describe, expect, test } from "bun:test";
import { bin, freePort, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const BINARIES = ["zog", "sprog", "zeus", "emperor"] as const;

describe.each(BINARIES)("%s", (name) => {
  test("--version prints the name, version, commit and build date", async () => {
    const r = await run(bin(name), ["--version"]);
    expect(r.code).toBe(0);
    const m = new RegExp(`^${name} \\d+\\.\\d+\\.\\d+\\S* \\(commit ([0-9a-f]{12})(-dirty)?, built (\\S+)\\)\\n$`).exec(r.stdout);
    expect({ line: r.stdout, matches: m !== null }).toEqual({ line: r.stdout, matches: true });
    // The build date is a real UTC time, not after now.
    const built = Date.parse(m![3]!);
    expect(m![3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(built).toBeLessThanOrEqual(Date.now());
  });
  test("--help shows usage, an example and the exit codes", async () => {
    const r = await run(bin(name), ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain("Example");
    expect(r.stdout).toContain("2  usage error");
  });
  test("an unknown flag is one line on stderr and exit 2", async () => {
    const r = await run(bin(name), ["--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--no-such-flag");
  });
});

test("zog: a bad ring.toml names the file and line, exit 2", async () => {
  const file = `${tmpDir()}/ring.toml`;
  await Bun.write(file, 'peer_port = 1\n[[node]]\nname = "a"\nhost = "h"\n[[node]]\nname = "b"\n');
  const r = await run(bin("zog"), ["--config", file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`zog: ${file}:5: node 2 has no host\n`);
});

describe.each(["zog", "zeus", "emperor"] as const)("%s status", (name) => {
  test("against a daemon that is down: one clear line, exit 1", async () => {
    const r = await run(bin(name), ["status", "--stats", `127.0.0.1:${await freePort()}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(
        `^${name}: cannot reach stats at 127\\.0\\.0\\.1:\\d+: connection refused \\(is the daemon running, with --stats at that address\\?\\)\\n$`,
      ),
    );
  });
});

test("a flag given a negative or dash value says how to pass it, exit 2", async () => {
  const r = await run(bin("emperor"), ["--emperor", "zeus:127.0.0.1:1", "--max-vassals", "-1"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('emperor: --max-vassals got a value starting with "-" (a missing value?); write --max-vassals=VALUE to mean it\n');
  const z = await run(bin("zeus"), ["--listen", "127.0.0.1:1", "--vassals", tmpDir(), "--place-timeout=-1"]);
  expect(z.code).toBe(2);
  expect(z.stderr).toBe('zeus: --place-timeout "-1" is not a number ≥ 0.1\n');
});

test("a mistyped subcommand suggests the nearest one, an unknown word names --help, exit 2", async () => {
  for (const [program, word, hint] of [
    ["zeus", "stauts", 'did you mean "zeus status"?'],
    ["zog", "stauts", 'did you mean "zog status"?'],
    ["sprog", "lisen", 'did you mean "sprog listen"?'],
    ["emperor", "stat", 'did you mean "emperor status"?'],
    ["zeus", "frobnicate", "see zeus --help for the commands"],
  ] as const) {
    const r = await run(bin(program), [word]);
    expect(r.stderr.trim()).toBe(
      `${program}: unknown command "${word}"${hint.startsWith("did") ? ": " : " ("}${hint}${hint.startsWith("did") ? "" : ")"}`,
    );
    expect(r.code).toBe(2);
  }
});

// Every binary: --version, --help with exit codes, one-line errors with exit code 2.
import { afterAll, describe, expect, test } from "bun:test";
import { bin, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const BINARIES = ["zog", "sprog", "zeus", "emperor"] as const;

describe.each(BINARIES)("%s", (name) => {
  test("--version prints the name and version", async () => {
    const r = await run(bin(name), ["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${name} \\d+\\.\\d+\\.\\d+\\S*\\n$`));
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

// The four command lines read alike: --help everywhere, one exit code per kind of mistake,
// --check, completion scripts and man pages made from the same definitions as --help.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, freePort, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const PROGRAMS = ["zog", "sprog", "zeus", "emperor"] as const;
const COMMANDS: [(typeof PROGRAMS)[number], string[]][] = [
  ["zog", []],
  ["zog", ["status"]],
  ["zog", ["completion"]],
  ["zog", ["man"]],
  ["sprog", []],
  ["sprog", ["listen"]],
  ["zeus", []],
  ["zeus", ["status"]],
  ["zeus", ["ping"]],
  ["zeus", ["exec"]],
  ["zeus", ["logs"]],
  ["emperor", []],
  ["emperor", ["status"]],
  ["emperor", ["completion"]],
  ["emperor", ["exec"]],
  ["emperor", ["logs"]],
];

test.each(COMMANDS)("%s %p --help: exit 0, common options and the exit-code table", async (name, sub) => {
  const r = await run(bin(name), [...sub, "--help"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("Usage:");
  expect(r.stdout).toContain("--log-level LEVEL");
  expect(r.stdout).toContain("--log-format FORMAT");
  expect(r.stdout).toContain("Exit codes (the same in zog, sprog, zeus and emperor):");
});

test.each([
  ["zog", "127.0.0.1:55553"],
  ["zeus", "127.0.0.1:4041"],
  ["emperor", "127.0.0.1:4042"],
] as const)("%s status documents its default address %s", async (name, addr) => {
  expect((await run(bin(name), ["status", "--help"])).stdout).toContain(`(default ${addr})`);
});

test("a short flag given a dash value gets the same clear error as a long one, exit 2", async () => {
  const short = await run(bin("sprog"), ["-i", "-1"]);
  expect(short.code).toBe(2);
  expect(short.stderr).toBe('sprog: -i/--interval got a value starting with "-" (a missing value?); write --interval=VALUE to mean it\n');
  const long = await run(bin("sprog"), ["--interval", "-1"]);
  expect(long.stderr).toBe('sprog: --interval got a value starting with "-" (a missing value?); write --interval=VALUE to mean it\n');
});

test("sprog's help shows the kebab aliases of its camelCase flags, which work", async () => {
  const help = (await run(bin("sprog"), ["--help"])).stdout;
  expect(help).toContain("also --round-robin");
  expect(help).toContain("also --specific-host");
});

test("a certificate file that cannot be read is exit 2 in every program", async () => {
  const missing = join(tmpDir(), "missing.crt");
  const dir = tmpDir();
  const ring = join(dir, "ring.toml");
  writeFileSync(
    ring,
    `[[node]]\nname="A"\nhost="127.0.0.1"\n[[node]]\nname="B"\nhost="127.0.0.2"\n[tls]\nca="${missing}"\ncert="${missing}"\nkey="${missing}"\n`,
  );
  const runs = await Promise.all([
    run(bin("zog"), ["--check", "--config", ring, "--node", "A"]),
    run(bin("sprog"), ["--server", "127.0.0.1:1", "--ca", missing, "-n", "1"]),
    run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", dir, "--cert", missing, "--key", missing]),
    run(bin("emperor"), ["--emperor", `zeus-ssl:127.0.0.1:1,${missing},${missing}`, "--state-dir", join(dir, "st")]),
  ]);
  for (const r of runs) {
    expect(r.stderr).toMatch(/cannot read TLS \w+ .*missing\.crt: ENOENT\n$/);
    expect(r.code).toBe(2);
  }
});

describe("--check", () => {
  test("zog --check: ok is exit 0 with a summary; every problem is FILE:LINE: reason, exit 2", async () => {
    const dir = tmpDir();
    const ring = join(dir, "ring.toml");
    writeFileSync(ring, '[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "not a host!"\n');
    const bad = await run(bin("zog"), ["--check", "--config", ring]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`${ring}:6: node 2 host "not a host!" is not an IP address or a DNS name\n`);
    writeFileSync(
      ring,
      'keepalive = 0\n[[node]]\nname = "A"\nhost = "127.0.0.1"\npeer_port = "x"\n[[node]]\nname = "A"\nhost = "not a host!"\n[tls]\nca = "ca.crt"\n',
    );
    const many = await run(bin("zog"), ["--check", "--config", ring]);
    expect(many.code).toBe(2);
    expect(many.stderr).toBe(
      [
        `${ring}:1: keepalive must be an integer from 1 to 86400, got 0`,
        `${ring}:5: node 1 peer_port must be an integer from 1 to 65535, got "x"`,
        `${ring}:6: node 2 repeats name A of node 1 (line 2)`,
        `${ring}:8: node 2 host "not a host!" is not an IP address or a DNS name`,
        `${ring}:9: [tls] has no cert`,
        `${ring}:9: [tls] has no key`,
        "",
      ].join("\n"),
    );
    // Started for real, the same file names its first problem and how many more there are.
    const start = await run(bin("zog"), ["--config", ring, "--node", "A"]);
    expect(start.code).toBe(2);
    expect(start.stderr.split("\n").length).toBe(7);
    writeFileSync(ring, '[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "b.example"\n');
    const ok = await run(bin("zog"), ["--check", "--config", ring]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${ring}: ok (2 nodes: A, B)\n`);
  });

  test.each(["zeus", "emperor"] as const)("%s --check lists every bad vassal file as FILE:LINE: reason, exit 2", async (name) => {
    const dir = tmpDir();
    writeFileSync(join(dir, "ok.toml"), '[vassal]\ncommand = "sleep"\nargs = ["60"]\n');
    writeFileSync(join(dir, "bad.toml"), '[vassal]\ncommand = "x"\nbogus = 1\nnodes = 0\n');
    writeFileSync(join(dir, "nodes.ini"), "[uwsgi]\nzeus-nodes = x\n");
    writeFileSync(join(dir, "notes.txt"), "not a vassal");
    const args = name === "zeus" ? ["--check", "--vassals", dir] : ["--check", "--emperor", dir];
    const r = await run(bin(name), args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^${dir}/bad\\.toml:3: \\[vassal\\] has unknown key "bogus"`)),
      `${dir}/bad.toml:4: [vassal] nodes must be an integer from 1 to 1000, got 0`,
      `${dir}/nodes.ini:2: zeus-nodes must be a whole number from 1 to 1000, got "x"`,
    ]);
    expect(r.stdout).toBe(`${dir}: 1 of 3 vassal file(s) ok\n`);
    const good = tmpDir();
    writeFileSync(join(good, "ok.toml"), '[vassal]\ncommand = "sleep"\n');
    const ok = await run(bin(name), name === "zeus" ? ["--check", "--vassals", good] : ["--check", "--emperor", good]);
    expect(ok.code).toBe(0);
  });
});

test.each(["zog", "zeus", "emperor"] as const)("a busy --stats port names the address and the flag (%s), exit 1", async (name) => {
  const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const dir = tmpDir();
  try {
    const stats = `127.0.0.1:${taken.port}`;
    // Free ports of its own: the default ones (55551/55552) on 127.0.0.1 may be another test's.
    const ports = `peer_port = ${await freePort()}\nclient_port = ${await freePort()}\n`;
    writeFileSync(join(dir, "ring.toml"), `${ports}[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "127.0.0.2"\n`);
    const args = {
      zog: [
        "--config",
        join(dir, "ring.toml"),
        "--node",
        "A",
        "--log-dir",
        join(dir, "logs"),
        "--state-dir",
        join(dir, "state"),
        "--stats",
        stats,
      ],
      zeus: ["--listen", "127.0.0.1:0", "--vassals", dir, "--stats", stats],
      emperor: ["--emperor", dir, "--state-dir", join(dir, "st"), "--stats", stats],
    }[name];
    const r = await run(bin(name), args);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(`${name}: cannot serve --stats on ${stats}: address in use`);
  } finally {
    taken.stop(true);
  }
});

describe.each(PROGRAMS)("%s completion and man page", (name) => {
  test("bash and zsh scripts know the subcommands and flags; the man page has every command's help", async () => {
    const bash = await run(bin(name), ["completion", "bash"]);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain(`complete -o default -F _${name}_complete ${name}`);
    expect(bash.stdout).toContain("--log-format");
    const subs = {
      zog: ["status", "certs", "completion", "man"],
      sprog: ["listen"],
      zeus: ["status", "ping", "drain", "exec", "logs", "vassal"],
      emperor: ["status", "exec", "logs"],
    }[name];
    const top = /\*\) words="([^"]*)"/.exec(bash.stdout)![1]!.split(" ");
    for (const sub of subs) expect(top).toContain(sub);
    const syntax = await run("bash", ["-n"], { input: bash.stdout });
    expect(syntax.code).toBe(0);
    const zsh = await run(bin(name), ["completion", "zsh"]);
    expect(zsh.stdout).toStartWith(`#compdef ${name}\n`);
    const man = await run(bin(name), ["man"]);
    expect(man.stdout).toStartWith(`.TH ${name.toUpperCase()} 1 `);
    expect(man.stdout).toContain(".SH EXIT STATUS");
    const help = (await run(bin(name), ["--help"])).stdout;
    expect(man.stdout).toContain(help.split("\n")[0]!);
    const bad = await run(bin(name), ["completion", "fish"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`${name}: completion takes one shell: bash or zsh, not "fish"\n`);
  });
});

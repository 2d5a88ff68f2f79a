import { expect, test } from "bun:test";
import { ConfigError, problemsOf } from "../../lib/errors.ts";
import { parseVassalConfig } from "../../lib/vassal/mod.ts";

const err = (name: string, text: string): string => {
  try {
    parseVassalConfig(name, text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("no error");
};

test("a full plain vassal", () => {
  const text = `[vassal]
command = "/usr/bin/python3"
args = ["-m", "http.server", "8001"]
env = { GREETING = "hi" }
cwd = "/srv/app"
stop_signal = "SIGINT"
stop_timeout = 3
reload = "signal:HUP"
nodes = 2
`;
  expect(parseVassalConfig("web.toml", text)).toEqual({
    kind: "plain",
    command: "/usr/bin/python3",
    args: ["-m", "http.server", "8001"],
    env: { GREETING: "hi" },
    cwd: "/srv/app",
    stopSignal: "SIGINT",
    stopTimeout: 3,
    reload: { kind: "signal", signal: "SIGHUP" },
    nodes: 2,
  });
});

test("defaults: SIGTERM, 10 s, restart, one node", () => {
  expect(parseVassalConfig("a.toml", '[vassal]\ncommand = "sleep"\n')).toEqual({
    kind: "plain",
    command: "sleep",
    args: [],
    env: {},
    stopSignal: "SIGTERM",
    stopTimeout: 10,
    reload: { kind: "restart" },
    nodes: 1,
  });
});

test("bad plain vassals name the file, the line when known, and the reason", () => {
  expect(err("a.toml", '[vassal]\ncommand = "x\n')).toMatch(/^a\.toml:2: /);
  expect(err("a.toml", '[vassal]\nargs = ["1"]\n')).toBe("a.toml:1: [vassal] has no command");
  expect(err("a.toml", '\n[vassal]\ncommand = "x"\nstop_signal = "SIGFOO"\n')).toBe(
    'a.toml:4: [vassal] stop_signal "SIGFOO" is not a signal',
  );
  expect(err("a.toml", '[vassal]\ncommand = "x"\ncomand = "y"\n')).toContain('has unknown key "comand"');
  expect(err("a.toml", 'command = "x"\n')).toContain('unknown key "command"');
  expect(err("a.toml", "")).toBe("a.toml: has no [vassal] table");
  expect(err("a.toml", '[vassal]\ncommand = "x"\nargs = "y"\n')).toBe("a.toml:3: [vassal] args must be an array of strings");
  expect(err("a.toml", '[vassal]\ncommand = "x"\nenv = { A = 1 }\n')).toContain("env must be a table of strings");
  expect(err("a.toml", '[vassal]\ncommand = "x"\nreload = "bounce"\n')).toContain('reload "bounce" is neither');
  expect(err("a.toml", '[vassal]\ncommand = "x"\nstop_timeout = -1\n')).toContain("stop_timeout must be an integer");
});

test("a uWSGI vassal needs a [uwsgi] section", () => {
  expect(parseVassalConfig("app.ini", "[uwsgi]\nsocket = :0\nzeus-nodes = 3\n")).toEqual({ kind: "uwsgi", stopTimeout: 10, nodes: 3 });
  expect(err("app.ini", "[other]\nx = 1\n")).toBe("app.ini: has no [uwsgi] section");
  expect(err("app.ini", "[uwsgi]\nzeus-nodes = many\n")).toBe('app.ini:2: zeus-nodes must be a whole number from 1 to 1000, got "many"');
});

test("bad names and kinds are rejected before anything else", () => {
  expect(err("../x.toml", "")).toBe('../x.toml: Vassal name "../x.toml" is not allowed: it contains "/"');
  expect(err("a.yaml", "")).toContain("neither a uWSGI vassal");
});

test("every wrong setting of a vassal file is reported, each at its line", () => {
  const problems = (name: string, text: string): string[] => {
    try {
      parseVassalConfig(name, text);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return problemsOf(e as ConfigError).map((x) => x.message);
    }
    throw new Error("no error");
  };
  const toml = `[vassal]
args = "x"
stop_signal = "SIGNOPE"
nodes = 0
colour = "red"
log_max_size = "1"
`;
  expect(problems("web.toml", toml)).toEqual([
    "web.toml:1: [vassal] has no command",
    "web.toml:2: [vassal] args must be an array of strings",
    'web.toml:3: [vassal] stop_signal "SIGNOPE" is not a signal',
    "web.toml:4: [vassal] nodes must be an integer from 1 to 1000, got 0",
    expect.stringMatching(/^web\.toml:5: \[vassal\] has unknown key "colour"/),
    expect.stringMatching(/^web\.toml:6: \[vassal\] log_max_size must be a size of at least 1K/),
  ]);
  // The fleet and cgroup settings too, each on its own.
  const more = `[vassal]
command = "x"
check = "ftp://nope"
constraints = ["=a"]
spread = "a b"
memory_max = "1K"
cpu_max = "nope"
pids_max = 0
[vassal.update]
max_parallel = 0
auto_revert = "maybe"
`;
  expect(problems("m.toml", more)).toEqual([
    expect.stringMatching(/^m\.toml:3: \[vassal\] check "ftp:\/\/nope" is not/),
    expect.stringMatching(/^m\.toml:4: \[vassal\] constraint "=a" is not/),
    'm.toml:5: [vassal] spread must be a label name, got "a b"',
    expect.stringMatching(/^m\.toml:6: \[vassal\] memory_max must be a size of at least 1M/),
    expect.stringMatching(/^m\.toml:7: \[vassal\] cpu_max must be a share of CPUs/),
    "m.toml:8: [vassal] pids_max must be an integer from 1 to 4194304, got 0",
    "m.toml:10: [vassal.update] max_parallel must be a whole number from 1 to 1000, got 0",
    'm.toml:11: [vassal.update] auto_revert must be true or false, got "maybe"',
  ]);
  expect(
    problems(
      "app.ini",
      "[uwsgi]\nemperor-stop-timeout = soon\nzeus-nodes = 0\nzeus-spread = a b\nzeus-constraint = =a\nzeus-update-auto-revert = maybe\n",
    ),
  ).toEqual([
    'app.ini:2: emperor-stop-timeout must be a whole number, got "soon"',
    'app.ini:3: zeus-nodes must be a whole number from 1 to 1000, got "0"',
    'app.ini:4: zeus-spread must be a label name, got "a b"',
    expect.stringMatching(/^app\.ini:5: zeus-constraint: constraint "=a" is not/),
    'app.ini:6: zeus-update-auto-revert must be true or false, got "maybe"',
  ]);
});

test("start_grace: seconds a plain vassal must stay up before it counts as running, from 0 to 3600", () => {
  expect(parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\nstart_grace = 2.5\n')).toMatchObject({ startGrace: 2.5 });
  expect(parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\nstart_grace = 0\n')).toMatchObject({ startGrace: 0 });
  expect("startGrace" in parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\n')).toBe(false);
  expect(err("a.toml", '[vassal]\ncommand = "x"\nstart_grace = -1\n')).toBe(
    "a.toml:3: [vassal] start_grace must be from 0 to 3600 seconds, got -1",
  );
  expect(err("a.toml", '[vassal]\ncommand = "x"\nstart_grace = "1s"\n')).toBe(
    'a.toml:3: [vassal] start_grace must be from 0 to 3600 seconds, got "1s"',
  );
});

import { expect, test } from "bun:test";
import { ConfigError } from "../../lib/errors.ts";
import { parseVassalConfig } from "../../lib/vassal/config.ts";

const err = (name: string, text: string): string => {
  try {
    parseVassalConfig(name, text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("no error");
};

test("[vassal]: check, constraints, spread and [vassal.update]", () => {
  const c = parseVassalConfig(
    "web.toml",
    `[vassal]
command = "/bin/sleep"
check = "http://127.0.0.1:8001/health"
check_interval = 0.5
check_timeout = 0.2
check_grace = 0
check_failures = 2
constraints = ["zone=a", "ssd"]
spread = "rack"
[vassal.update]
max_parallel = 2
min_healthy = 0.5
auto_revert = true
`,
  );
  expect(c.check).toEqual({
    text: "http://127.0.0.1:8001/health",
    target: { kind: "http", url: "http://127.0.0.1:8001/health" },
    intervalMs: 500,
    timeoutMs: 200,
    graceMs: 0,
    failures: 2,
  });
  expect(c.constraints?.map((x) => x.text)).toEqual(["zone=a", "ssd"]);
  expect(c.spread).toBe("rack");
  expect(c.update).toEqual({ maxParallel: 2, minHealthyMs: 500, autoRevert: true });
});

test("[uwsgi]: zeus-check..., zeus-constraint (repeatable, or a list), zeus-spread, zeus-update-...", () => {
  const c = parseVassalConfig(
    "app.ini",
    `[uwsgi]
zeus-check = tcp://127.0.0.1:3031
zeus-check-interval = 1
zeus-check-failures = 5
zeus-constraint = zone=a
zeus-constraint = ssd, gpu!=no
zeus-spread = zone
zeus-update-max-parallel = 3
zeus-update-auto-revert = true
`,
  );
  expect(c.check).toMatchObject({ target: { kind: "tcp", host: "127.0.0.1", port: 3031 }, intervalMs: 1000, failures: 5, graceMs: 10_000 });
  expect(c.constraints?.map((x) => x.text)).toEqual(["zone=a", "ssd", "gpu!=no"]);
  expect(c.spread).toBe("zone");
  expect(c.update).toEqual({ maxParallel: 3, minHealthyMs: 10_000, autoRevert: true });
});

test("without them, a config reads as before (no fleet keys)", () => {
  expect(Object.keys(parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\n'))).not.toContain("update");
  expect(Object.keys(parseVassalConfig("a.ini", "[uwsgi]\n"))).not.toContain("constraints");
});

test("bad fleet settings name the file, the line and the setting", () => {
  const t = (extra: string) => err("a.toml", `[vassal]\ncommand = "x"\n${extra}`);
  expect(t('check = "ftp://x/"\n')).toBe(
    'a.toml:3: [vassal] check "ftp://x/" is not "http://HOST:PORT/PATH", "tcp://HOST:PORT" or "exec:COMMAND"',
  );
  expect(t("check_interval = 1\n")).toBe("a.toml:3: [vassal] check_interval needs check");
  expect(t('check = "tcp://h:1"\ncheck_failures = 0\n')).toBe(
    "a.toml:4: [vassal] check_failures must be a whole number from 1 to 1000, got 0",
  );
  expect(t('check = "tcp://h:1"\ncheck_timeout = "2s"\n')).toBe('a.toml:4: [vassal] check_timeout must be a number of seconds, got "2s"');
  expect(t('constraints = ["zone=a b"]\n')).toBe('a.toml:3: [vassal] constraint "zone=a b" is not KEY=VALUE, KEY!=VALUE or KEY');
  expect(t('constraints = "zone=a"\n')).toContain("constraints must be an array of strings");
  expect(t('spread = "a b"\n')).toBe('a.toml:3: [vassal] spread must be a label name, got "a b"');
  expect(t("[vassal.update]\nmax_parallel = 0\n")).toContain("[vassal.update] max_parallel must be a whole number from 1 to 1000, got 0");
  expect(t("[vassal.update]\nauto_revert = 1\n")).toContain("auto_revert must be true or false");
  expect(t("[vassal.update]\nmaxparallel = 1\n")).toContain('unknown key "maxparallel"');
  expect(err("a.ini", "[uwsgi]\nzeus-check-interval = 1\n")).toBe("a.ini:2: zeus-check-interval needs zeus-check");
  expect(err("a.ini", "[uwsgi]\nzeus-constraint = a b\n")).toBe(
    'a.ini:2: zeus-constraint: constraint "a b" is not KEY=VALUE, KEY!=VALUE or KEY',
  );
  expect(err("a.ini", "[uwsgi]\nzeus-update-auto-revert = maybe\n")).toBe(
    'a.ini:2: zeus-update-auto-revert must be true or false, got "maybe"',
  );
});

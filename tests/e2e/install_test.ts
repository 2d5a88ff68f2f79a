// install.sh against a local HTTP server serving a release folder.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DIST, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

const INSTALL = resolve(import.meta.dir, "../../install.sh");
const TARGET = `linux-${process.arch === "arm64" ? "arm64" : "x64"}`;
let release: string;
let server: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  release = tmpDir();
  const tarball = `zog-${TARGET}.tar.gz`;
  const tar = await run("tar", ["-I", "gzip -1", "-cf", join(release, tarball), "-C", DIST, "zog", "sprog", "zeus", "emperor"]);
  expect(tar.code).toBe(0);
  const sum = new Bun.CryptoHasher("sha256").update(readFileSync(join(release, tarball))).digest("hex");
  writeFileSync(join(release, "SHA256SUMS"), `${sum}  ${tarball}\n`);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => {
      const file = join(release, new URL(req.url).pathname);
      return existsSync(file) ? new Response(Bun.file(file)) : new Response("no", { status: 404 });
    },
  });
}, 60000);

afterAll(() => {
  server?.stop(true);
  removeTmpDirs();
});

const env = (extra: Record<string, string>) => ({ ...process.env, BASE_URL: `http://127.0.0.1:${server.port}`, ...extra });

test.skipIf(process.platform !== "linux")(
  "downloads, verifies and installs the four binaries, with systemd units and a cron line",
  async () => {
    const root = tmpDir();
    const r = await run("sh", [INSTALL, "--systemd", "--cron"], {
      env: env({ PREFIX: join(root, "bin"), SYSTEMD_DIR: join(root, "systemd"), CRON_FILE: join(root, "cron.d/sprog") }),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const b of ["zog", "sprog", "zeus", "emperor"]) {
      expect(statSync(join(root, "bin", b)).mode & 0o777).toBe(0o755);
      expect((await run(join(root, "bin", b), ["--version"])).stdout).toStartWith(`${b} `);
    }
    expect(readFileSync(join(root, "systemd/zog.service"), "utf8")).toContain(
      `ExecStart=${join(root, "bin")}/zog --config /etc/zog/ring.toml`,
    );
    expect(readFileSync(join(root, "cron.d/sprog"), "utf8")).toContain("sprog --config /etc/zog/ring.toml -n 1");
  },
  60000,
);

test.skipIf(process.platform !== "linux")(
  "a checksum mismatch installs nothing and says why",
  async () => {
    const sums = readFileSync(join(release, "SHA256SUMS"), "utf8");
    writeFileSync(join(release, "SHA256SUMS"), `${"0".repeat(64)}${sums.slice(64)}`);
    const root = tmpDir();
    const r = await run("sh", [INSTALL], { env: env({ PREFIX: join(root, "bin") }) });
    writeFileSync(join(release, "SHA256SUMS"), sums);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^install\.sh: checksum mismatch for zog-linux-\w+\.tar\.gz: expected 0{64}, got [0-9a-f]{64}; nothing installed\n$/,
    );
    expect(existsSync(join(root, "bin", "zog"))).toBe(false);
  },
  60000,
);

test("an unknown option and a missing BASE_URL are one-line errors", async () => {
  const bad = await run("sh", [INSTALL, "--bogus"], { env: env({}) });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toBe("install.sh: unknown option '--bogus' (known: --systemd, --cron)\n");
  const none = await run("sh", [INSTALL], { env: { ...process.env, BASE_URL: "" } });
  expect(none.stderr).toContain("set BASE_URL");
});

// The seed's three modes: plain (warns), TLS, TLS + client certificates (rogue emperors refused).
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bin, freePort, removeTmpDirs, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, sleeper, startEmperor, startZeus, stopAll, writeVassals, type ZeusProc, zeusPki } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

let pki = "";
let rogue = "";
beforeAll(async () => {
  ({ pki, rogue } = await zeusPki());
});

test("plain mode works and warns at start", async () => {
  const z = await startZeus();
  writeVassals(z.dir, { "a.toml": sleeper() });
  await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  await allRunning(z, 1);
  expect(z.proc.stderr()).toContain("without TLS");
}, 30_000);

test("TLS (CRT,KEY): an emperor verifying zeus against the CA gets its vassals", async () => {
  const z = await startZeus({ extra: ["--cert", join(pki, "zeus.crt"), "--key", join(pki, "zeus.key")] });
  writeVassals(z.dir, { "a.toml": sleeper() });
  await startEmperor("e1", `zeus-ssl:127.0.0.1:${z.port}`, ["--zeus-ca", join(pki, "ca.crt")]);
  await allRunning(z, 1);
  expect(z.proc.stderr()).toContain("without client auth");
}, 30_000);

test("TLS + client auth (the seed's --zeus form): a rogue emperor, one without a certificate and one claiming another node get nothing, and are logged", async () => {
  const dir = tmpDir("zeus-vassals-");
  const port = await freePort();
  const statsPort = await freePort();
  const spec = `127.0.0.1:${port},${join(pki, "zeus.crt")},${join(pki, "zeus.key")},${join(pki, "ca.crt")} ${dir}`;
  const proc = start(bin("zeus"), ["--zeus", spec, "--stats", `127.0.0.1:${statsPort}`, "--dead-after", "2"]);
  const z: ZeusProc = {
    proc,
    port,
    statsPort,
    dir,
    status: async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${statsPort}/status`)).json();
      } catch {
        return undefined;
      }
    },
  };
  await waitFor(() => z.status(), 10_000, "zeus up");
  writeVassals(dir, { "a.toml": sleeper(), "b.toml": sleeper() });
  const ca = ["--zeus-ca", join(pki, "ca.crt")];
  const bad = await startEmperor("rogue", `zeus-ssl:127.0.0.1:${port},${join(rogue, "e1.key")}`, ca);
  const bare = await startEmperor("bare", `zeus-ssl:127.0.0.1:${port}`, ca);
  await waitFor(() => (proc.stderr().match(/refused client \(emperor or admin\)/g) ?? []).length >= 2, 10_000, "two refusals logged");
  expect(proc.stderr()).toMatch(/refused client \(emperor or admin\) at 127\.0\.0\.1:\d+: unable to verify the first certificate/);
  expect(proc.stderr()).toMatch(/refused client \(emperor or admin\) at 127\.0\.0\.1:\d+: .*PEER_DID_NOT_RETURN_A_CERTIFICATE/);
  const impostor = await startEmperor("e2", `zeus-ssl:127.0.0.1:${port},${join(pki, "e1.key")}`, ca);
  await waitFor(() => proc.stderr().includes(`node "e2" does not match its certificate, which names e1`), 10_000, "the impostor refused");
  const good = await startEmperor("e1", `zeus-ssl:127.0.0.1:${port},${join(pki, "e1.key")}`, ca);
  const s = await allRunning(z, 2);
  expect(s.emperors.map((e) => e.node)).toEqual(["e1"]);
  expect((await good.status())!.vassals.length).toBe(2);
  for (const e of [bad, bare, impostor]) {
    const st = (await e.status())!;
    expect(st.vassals).toEqual([]);
    expect(st.zeus.state).not.toBe("connected");
  }
}, 60_000);

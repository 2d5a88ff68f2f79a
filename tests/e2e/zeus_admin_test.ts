// Admin clients on zeus's port: loopback in plain mode, certificates named by --admin with
// client certificates; everyone else refused with a reason and a log line.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { bin, freePort, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { startZeus, stopAll } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

let pki = "";
beforeAll(async () => {
  pki = tmpDir("pki-");
  for (const args of [
    ["init", pki],
    ["issue", pki, "zeus", "--host", "127.0.0.1"],
    ["issue", pki, "ops"],
    ["issue", pki, "e1"],
  ]) {
    expect((await run(bin("zeus"), ["certs", ...args])).code).toBe(0);
  }
});

test("plain mode: a loopback client is an admin", async () => {
  const z = await startZeus();
  const r = await run(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${z.port}`]);
  expect(r.stderr).toBe("");
  expect(r.stdout).toMatch(/^admin client 127\.0\.0\.1:\d+ of zeus /);
  expect(r.code).toBe(0);
  await waitFor(() => z.proc.stderr().includes("admin client 127.0.0.1:"), 5000, "zeus logs the admin client");
}, 30_000);

test("plain mode: a client from a non-loopback address is refused and logged", async () => {
  const addr = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  if (!addr) {
    console.log("skipped: this machine has no non-loopback IPv4 address to connect from");
    return;
  }
  const port = await freePort();
  const z = start(bin("zeus"), ["--listen", `0.0.0.0:${port}`, "--vassals", tmpDir("zeus-vassals-")]);
  await waitFor(() => z.stderr().includes("zeus on"), 10_000, "zeus listening");
  const r = await run(bin("zeus"), ["ping", "--zeus", `${addr}:${port}`]);
  expect(r.stderr).toContain(`not an admin: ${addr}:`);
  expect(r.stderr).toContain("is not a loopback address");
  expect(r.code).toBe(254);
  await waitFor(() => z.stderr().includes("refused admin client"), 5000, "zeus logs the refusal");
}, 30_000);

test("client certificates: only certificates named by --admin are admins; others and unreachable zeus get their own codes", async () => {
  const tls = ["--cert", join(pki, "zeus.crt"), "--key", join(pki, "zeus.key"), "--client-ca", join(pki, "ca.crt")];
  const { proc: z, port } = await startZeus({ extra: [...tls, "--admin", "ops"] });
  const as = (name: string) => [
    "ping",
    "--zeus",
    `127.0.0.1:${port}`,
    "--ca",
    join(pki, "ca.crt"),
    "--cert",
    join(pki, `${name}.crt`),
    "--key",
    join(pki, `${name}.key`),
  ];
  const ok = await run(bin("zeus"), as("ops"));
  expect(ok.stdout).toMatch(/^admin client ops of zeus/);
  expect(ok.code).toBe(0);
  const no = await run(bin("zeus"), as("e1"));
  expect(no.stderr).toContain('not an admin: certificate names "e1"');
  expect(no.code).toBe(254);
  await waitFor(() => z.stderr().includes("refused admin client"), 5000, "zeus logs the refusal");
  const execNo = await run(bin("zeus"), ["exec", ...as("e1").slice(1), "a.toml", "--", "true"]);
  expect(execNo.stderr).toContain('not an admin: certificate names "e1"');
  expect(execNo.code).toBe(254);
  // Loopback is not enough once zeus asks for certificates: the TLS handshake already fails.
  // A refused handshake is a misuse no retry cures: exit 2 at once, with the fix (issue 22).
  const bare = await run(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${port}`, "--ca", join(pki, "ca.crt")]);
  expect(bare.stderr).toContain("requires a client certificate: pass --cert CRT --key KEY");
  expect(bare.code).toBe(2);
  const gone = await run(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${await freePort()}`]);
  expect(gone.stderr).toContain("ECONNREFUSED");
  expect(gone.code).toBe(255);
}, 30_000);

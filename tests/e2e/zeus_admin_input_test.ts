// Admin input zeus cannot take: names far too long, requests over the size limit, a
// certificate from another CA. zeus answers with its reason and keeps running.
import { afterAll, afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { AdminConnection } from "../../lib/admin/mod.ts";
import { bin, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { startZeus, stopAll } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("drain, undrain and forget of a 100 000-byte node name: a bounded reason, and zeus keeps running", async () => {
  const z = await startZeus();
  const at = ["--zeus", `127.0.0.1:${z.port}`];
  const long = "a".repeat(100_000);
  for (const cmd of ["drain", "undrain", "forget"]) {
    const r = await run(bin("zeus"), [cmd, ...at, long]);
    expect(r.stderr).toContain(`${cmd}: "${"a".repeat(200)}"…(100000 bytes) is not a node name`);
    expect(r.stderr.length).toBeLessThan(1000);
    expect(r.code).toBe(1);
  }
  // A valid name zeus does not know: "no emperor", the name quoted and bounded.
  const r = await run(bin("zeus"), ["drain", ...at, "b".repeat(255)]);
  expect(r.stderr).toContain(`no emperor "${"b".repeat(200)}"…(255 bytes)`);
  expect(r.code).toBe(253);
  expect((await run(bin("zeus"), ["ping", ...at])).code).toBe(0);
  expect(z.proc.child.exitCode).toBeNull();
  expect(z.proc.stderr()).not.toContain("RangeError");
}, 30_000);

test("a request over 4 MiB: the client is told why zeus closes the connection, not just that it was lost", async () => {
  const z = await startZeus();
  const c = await AdminConnection.open({ host: "127.0.0.1", port: z.port });
  const err = await c.request("drain", { node: "x".repeat(5 * 1024 * 1024) }).catch((e: Error & { code?: string }) => e);
  c.close();
  expect((err as Error & { code: string }).code).toBe("bad-request");
  expect((err as Error).message).toContain("closed the connection: a request or reply of more than 4194304 bytes");
  await waitFor(() => z.proc.stderr().includes("closing admin client connection"), 5000, "zeus logs why");
  expect((await run(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${z.port}`])).code).toBe(0);
}, 30_000);

test("an admin certificate from another CA is logged as a refused client, not as a refused emperor", async () => {
  const [pki, other] = [tmpDir("pki-"), tmpDir("pki-other-")];
  for (const args of [
    ["init", pki],
    ["issue", pki, "zeus", "--host", "127.0.0.1"],
    ["init", other],
    ["issue", other, "ops"],
  ])
    expect((await run(bin("zeus"), ["certs", ...args])).code).toBe(0);
  const tls = ["--cert", join(pki, "zeus.crt"), "--key", join(pki, "zeus.key"), "--client-ca", join(pki, "ca.crt")];
  const z = await startZeus({ extra: [...tls, "--admin", "ops"] });
  const client = ["--ca", join(pki, "ca.crt"), "--cert", join(other, "ops.crt"), "--key", join(other, "ops.key")];
  const r = await run(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${z.port}`, ...client]);
  expect(r.stderr).toContain("does not accept our certificate");
  expect(r.code).not.toBe(0);
  await waitFor(() => z.proc.stderr().includes("refused client (emperor or admin) at 127.0.0.1:"), 5000, "zeus logs the refusal");
  expect(z.proc.stderr()).not.toContain("refused emperor");
}, 30_000);

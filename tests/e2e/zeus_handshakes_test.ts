// zeus with TLS counts how its handshakes ended in /status `handshakes`: done, refused (a
// certificate of another CA), abandoned (the client closed first: after kill -9 at 200 000
// copies on 5 000 emperors, the handshakes of dials the emperors had already given up), timed out.
import { afterAll, afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { startEmperor, startZeus, stopAll, zeusPki } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("/status counts TLS handshakes done, refused and abandoned by the client", async () => {
  const { pki, rogue } = await zeusPki();
  const tls = ["--cert", join(pki, "zeus.crt"), "--key", join(pki, "zeus.key"), "--client-ca", join(pki, "ca.crt")];
  const z = await startZeus({ extra: tls });
  expect((await z.status())!.handshakes).toEqual({ done: 0, refused: 0, abandoned: 0, timedOut: 0 });
  // A client that opens its connection and closes it before any handshake: it gave up.
  const quitter = await rawConnect("127.0.0.1", z.port);
  quitter.destroy();
  await waitFor(async () => (await z.status())!.handshakes!.abandoned === 1, 10_000, "the closed handshake counted as abandoned");
  const ca = ["--zeus-ca", join(pki, "ca.crt")];
  await startEmperor("e1", `zeus-ssl:127.0.0.1:${z.port},${join(rogue, "e1.key")}`, ca);
  await waitFor(async () => (await z.status())!.handshakes!.refused >= 1, 10_000, "the rogue emperor's handshake refused");
  await startEmperor("e1", `zeus-ssl:127.0.0.1:${z.port},${join(pki, "e1.key")}`, ca);
  await waitFor(async () => (await z.status())?.emperors.find((e) => e.node === "e1")?.alive, 10_000, "e1 connected");
  const h = (await z.status())!.handshakes!;
  expect(h.done).toBe(1);
  expect(h.abandoned).toBe(1);
  expect(h.timedOut).toBe(0);
}, 60_000);

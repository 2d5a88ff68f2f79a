// A peer link that goes silent and whose close cannot complete (a stopped or cut-off peer)
// is closed within the close grace and logged once: it used to be logged as "closing" at
// every check until the close completed (182 such lines in one run, issue 27; 20 here).
import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { freeRingPorts, startNode, status, writeRing } from "../helpers/ring_setup.ts";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { RING_PROTO, ringBytes, RingType } from "../../lib/ring/protocol.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

describe("a silent inbound peer link", () => {
  test("is closed once and logged once, even when the peer never closes its side", async () => {
    const ports = await freeRingPorts("127.1.28.11");
    const ring = writeRing(tmpDir(), "127.1.28", { ...ports, names: ["MV", "PA"], keepalive: 1 });
    const mv = startNode(ring, "MV", ports.statsPort);
    // PA's link as a stopped PA leaves it: HELLO, keepAlives whose ACKs it never reads (MV's
    // answers stay unsent), then nothing: MV's close cannot complete by itself.
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = connect({ host: ring.hosts[0]!, port: ring.peerPort, allowHalfOpen: true });
          s.on("error", () => resolve(false));
          s.on("connect", () => {
            s.write(ringBytes(RingType.HELLO, { proto: RING_PROTO, node: "PA" }));
            const keepAlive = ringBytes(RingType.KEEPALIVE);
            s.write(Buffer.concat(Array.from({ length: 3_000_000 }, () => keepAlive)));
            s.pause();
            resolve(true);
          });
        }),
      10_000,
      "MV's peer port",
    );
    const inbound = async () => (await status(ring, "MV", ports.statsPort))?.links.find((l: { peer: string }) => l.peer === "PA")?.inbound;
    await waitFor(async () => (await inbound()) === false, 30_000, "MV to have closed the silent link (it never gets PA's FIN)");
    const closing = () =>
      mv
        .stderr()
        .split("\n")
        .filter((l) => l.includes("closing peer link from"));
    // The line reaches the pipe after the link is shown closed (a loaded machine read it first
    // once); every repeat of the old behaviour came before the close completed.
    await waitFor(() => closing().length > 0, 10_000, "MV's log line about closing the link");
    expect(closing()).toHaveLength(1);
  }, 60_000);
});

// Zeus's port before a connection has said who it is: at most 1 024 such connections, the
// next refused with ERROR and one log line; each closed with ERROR after 10 s of silence or
// 10 s in the middle of a packet; emperors that said who they are keep their link, and a
// new emperor is served once the strangers are gone.
import { afterAll, afterEach, expect, test } from "bun:test";
import { encodePacket, PacketDecoder, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import { decodeMessage, encodeMessage } from "../../lib/zeus_protocol/mod.ts";
import { removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { ZEUS_MAX_STRANGERS as CAP } from "../../lib/zeus/zeus_server.ts";
import { allRunning, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

interface Watched {
  destroy(): void;
  write(b: Uint8Array): void;
  got: Buffer[];
  closedAt?: number;
}

async function stranger(port: number): Promise<Watched> {
  const sock = await rawConnect("127.0.0.1", port);
  const w: Watched = { destroy: () => sock.destroy(), write: (b) => void sock.write(b), got: [] };
  sock.on("data", (d: Buffer) => w.got.push(d));
  sock.on("error", () => {});
  sock.on("close", () => (w.closedAt = Date.now()));
  return w;
}

const errorOf = (w: Watched): string | undefined => {
  const m = new PacketDecoder({ modifier1: ZEUS_MODIFIER1 }).push(Buffer.concat(w.got)).map((p) => decodeMessage(p, "zeus"));
  const e = m.find((x) => x.type === "ERROR");
  return e && "reason" in e ? e.reason : undefined;
};

test("strangers on zeus's port are capped and timed out; identified emperors are not", async () => {
  const z = await startZeus();
  writeVassals(z.dir, { "a.toml": sleeper() });
  const e1 = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  await allRunning(z, 1);

  // Half a packet (an I_AM_ALIVE cut short), then silence that is not silence: a byte a while.
  const whole = encodePacket(encodeMessage({ type: "I_AM_ALIVE", node: "slow", maxVassals: 5, runningVassals: 0 }));
  const slow = await stranger(z.port);
  const slowStart = Date.now();
  let at = 0;
  const trickle = setInterval(() => slow.closedAt ?? (at < whole.length - 1 && slow.write(whole.subarray(at, ++at))), 300);
  const start = Date.now();
  const FLOOD = CAP + 16;
  const flood = await Promise.all(Array.from({ length: FLOOD }, () => stranger(z.port)));
  const refused = await waitFor(
    () => {
      const r = flood.filter((w) => w.closedAt !== undefined && /too many connections/.test(errorOf(w) ?? ""));
      return r.length >= FLOOD + 1 - CAP ? r : null;
    },
    5000,
    `the strangers over ${CAP} to be refused`,
  );
  expect(refused.length).toBe(FLOOD + 1 - CAP);
  expect((z.proc.stderr().match(/refusing 127\.0\.0\.1:\d+: too many connections that have not said who they are/g) ?? []).length).toBe(1);

  const waiting = flood.filter((w) => !refused.includes(w));
  await waitFor(() => waiting.every((w) => w.closedAt !== undefined) && slow.closedAt, 20_000, "the strangers to be closed");
  clearInterval(trickle);
  for (const w of waiting) {
    expect(w.closedAt! - start).toBeGreaterThanOrEqual(9_900);
    expect(errorOf(w)).toBe("sent nothing for 10 s without saying who it is");
  }
  expect(slow.closedAt! - slowStart).toBeGreaterThanOrEqual(9_900);
  expect(errorOf(slow)).toBe("stopped in the middle of a packet for 10 s without saying who it is");

  // e1 said who it is before the flood: still alive, still running its vassal.
  const s = await z.status();
  expect(s!.emperors.find((e) => e.node === "e1")?.alive).toBe(true);
  expect((await e1.status())!.vassals.length).toBe(1);
  // A new emperor gets in and is given work.
  writeVassals(z.dir, { "b.toml": sleeper(), "c.toml": sleeper() });
  await startEmperor("e2", `zeus:127.0.0.1:${z.port}`);
  await allRunning(z, 3);
  for (const w of flood) w.destroy();
}, 60_000);

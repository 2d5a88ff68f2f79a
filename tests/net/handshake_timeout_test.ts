import { afterEach, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { listen } from "../../lib/net/mod.ts";
import type { Listener } from "../../lib/net/mod.ts";
import { testPki } from "./_pki.ts";

const pki = await testPki();
let server: Listener | undefined;
const clients: Socket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  server?.close();
});

test("a handshake not done in time is refused once, as timed out (not again as a client that disconnected)", async () => {
  const refused: string[] = [];
  server = await listen({
    host: "127.0.0.1",
    port: 0,
    tls: { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, clientAuth: "required" },
    handshakeTimeoutSeconds: 1,
    onConn: () => {},
    onRefused: (_remote, why) => refused.push(why),
  });
  // Half a ClientHello (a TLS record header and the start of its body), then nothing.
  const client = connect({ host: "127.0.0.1", port: server.port });
  clients.push(client);
  client.on("error", () => {});
  client.on("connect", () => client.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])));
  const gone = new Promise<void>((resolve) => client.on("close", () => resolve()));
  await gone; // zeus's end of it timed out (Bun's timeouts tick every 4 s) and closed it
  await Bun.sleep(300); // a stretch in which a second report must not come: there is no event to await
  expect(refused).toEqual(["TLS handshake not done in 1 s"]);
  expect(server.handshakes).toEqual({ done: 0, refused: 0, abandoned: 0, timedOut: 1 });
}, 30_000);

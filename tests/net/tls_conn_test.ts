import { afterEach, describe, expect, test } from "bun:test";
import { type Conn, dial, DialTimeoutError, listen } from "../../lib/net/mod.ts";
import type { ClientAuth, TlsClientFiles } from "../../lib/tls/files.ts";
import { certMatches } from "../../lib/tls/names.ts";
import { testPki } from "./_pki.ts";
import { Cleanup, closed, nextConn, readBytes, utf8 } from "./_sockets.ts";

const HOST = "127.0.0.1";
const pki = await testPki();
const ipv6 = await hasIpv6();
const opened = new Cleanup();
afterEach(() => opened.closeAll());

/** A TLS server with pki.server's certificate; every admitted connection is recorded. */
async function tlsServer(clientAuth: ClientAuth, cert = pki.server) {
  const admitted: Conn[] = [];
  const server = opened.add(
    await listen({
      host: HOST,
      port: 0,
      tls: { cert: cert.certPem, key: cert.keyPem, ca: pki.ca.certPem, clientAuth },
      onConn: (c) => {
        admitted.push(opened.add(c));
        c.onData((b) => c.write(b));
      },
    }),
  );
  return { server, admitted };
}

const asClient = (pair = pki.client): TlsClientFiles => ({ ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem });

/** Dials and then echoes one message; resolves "echoed", "closed" or "rejected: MESSAGE". */
async function tryClient(port: number, tls: TlsClientFiles): Promise<string> {
  let conn: Conn;
  try {
    conn = opened.add(await dial({ host: HOST, port, tls, timeoutMs: 5000 }));
  } catch (err) {
    return `rejected: ${(err as Error).message}`;
  }
  const reply = readBytes(conn, 4, 5000);
  conn.write(utf8("ping"));
  return reply.then(
    () => "echoed",
    () => "closed",
  );
}

describe("TLS", () => {
  test("round trip without client auth; the client sees the server's names", async () => {
    const { server, admitted } = await tlsServer("none");
    const conn = opened.add(await dial({ host: HOST, port: server.port, tls: { ca: pki.ca.certPem } }));
    expect(conn.authorized).toBe(true);
    expect(conn.peerNames).toEqual(["server", "127.0.0.1", "::1", "localhost"]);
    const reply = readBytes(conn, 5);
    conn.write(utf8("hello"));
    expect(new TextDecoder().decode(await reply)).toBe("hello");
    expect(admitted[0]!.authorized).toBe(false);
    expect(admitted[0]!.peerNames).toEqual([]);
  });

  test("mutual TLS admits a client whose certificate the CA signed", async () => {
    const { server, admitted } = await tlsServer("required");
    expect(await tryClient(server.port, asClient())).toBe("echoed");
    expect(admitted.length).toBe(1);
    expect(admitted[0]!.authorized).toBe(true);
    expect(admitted[0]!.peerNames).toEqual(["client-1"]);
    expect(certMatches(admitted[0]!.peerNames, ["client-1", "10.0.0.9"])).toBe(true);
  });

  test("mutual TLS refuses a client without a certificate", async () => {
    const { server, admitted } = await tlsServer("required");
    expect(await tryClient(server.port, { ca: pki.ca.certPem })).not.toBe("echoed");
    expect(admitted.length).toBe(0);
  });

  test("mutual TLS refuses a client certificate from another CA", async () => {
    const { server, admitted } = await tlsServer("required");
    expect(await tryClient(server.port, asClient(pki.otherClient))).not.toBe("echoed");
    expect(admitted.length).toBe(0);
  });

  test("optional client auth admits unverified clients, marked unauthorized", async () => {
    const { server, admitted } = await tlsServer("optional");
    expect(await tryClient(server.port, { ca: pki.ca.certPem })).toBe("echoed");
    expect(await tryClient(server.port, asClient(pki.otherClient))).toBe("echoed");
    expect(await tryClient(server.port, asClient())).toBe("echoed");
    expect(admitted.map((c) => [c.authorized, c.peerNames])).toEqual([
      [false, []],
      [false, []],
      [true, ["client-1"]],
    ]);
  });

  test("the client refuses a server whose certificate does not name the host dialled", async () => {
    const { server, admitted } = await tlsServer("none", pki.wrongHost);
    const result = await tryClient(server.port, { ca: pki.ca.certPem });
    expect(result).toStartWith(`rejected: cannot connect to ${HOST}:${server.port}: TLS handshake failed`);
    expect(result).toContain("127.0.0.1");
    expect(admitted.length).toBe(0);
  });

  test("serverName makes the client verify that name instead of the host", async () => {
    const { server } = await tlsServer("none", pki.wrongHost);
    expect(await tryClient(server.port, { ca: pki.ca.certPem, serverName: "wrong-host" })).toBe("echoed");
  });

  test.skipIf(!ipv6)("IPv6: the IP SAN ::1 verifies and remote is bracketed", async () => {
    const accepted = nextConn();
    const tls = { cert: pki.server.certPem, key: pki.server.keyPem, clientAuth: "none" as const };
    const server = opened.add(await listen({ host: "::1", port: 0, tls, onConn: accepted.onConn }));
    const conn = opened.add(await dial({ host: "::1", port: server.port, tls: { ca: pki.ca.certPem } }));
    expect(conn.authorized).toBe(true);
    expect(conn.remote).toBe(`[::1]:${server.port}`);
    expect(opened.add(await accepted.conn).remote).toStartWith("[::1]:");
  });

  test("the client refuses a server certificate from a CA it does not trust", async () => {
    const { server } = await tlsServer("none");
    expect(await tryClient(server.port, { ca: pki.otherCa.certPem })).toStartWith("rejected: ");
  });

  test("dial times out against a server that never answers the handshake", async () => {
    const silent = opened.add(await listen({ host: HOST, port: 0, onConn: (c) => opened.add(c) }));
    const t0 = performance.now();
    const failed = dial({ host: HOST, port: silent.port, tls: { ca: pki.ca.certPem }, timeoutMs: 200 });
    await expect(failed).rejects.toThrow(`cannot connect to ${HOST}:${silent.port}: timed out after 200 ms`);
    // A timeout is told apart from a refusal: an emperor gives a busy zeus longer next time.
    await expect(failed).rejects.toBeInstanceOf(DialTimeoutError);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test("8 MiB in frames over TLS, then close(): all of it arrives, then the close", async () => {
    const accepted = nextConn();
    const tls = { cert: pki.server.certPem, key: pki.server.keyPem, clientAuth: "none" as const };
    const server = opened.add(await listen({ host: HOST, port: 0, tls, onConn: accepted.onConn }));
    const client = await dial({ host: HOST, port: server.port, tls: { ca: pki.ca.certPem } });
    const conn = opened.add(await accepted.conn);
    const total = 8 << 20;
    const sent = crypto.getRandomValues(new Uint8Array(total / 128)).slice();
    const frames = Array.from({ length: 128 }, (_, i) => sent.map((b) => (b + i) & 0xff));
    const got = readBytes(conn, total, 30_000);
    for (const f of frames) client.write(f);
    client.close();
    expect(Buffer.compare(await got, Buffer.concat(frames))).toBe(0);
    await closed(conn);
  });
});

async function hasIpv6(): Promise<boolean> {
  try {
    (await listen({ host: "::1", port: 0, onConn: () => {} })).close();
    return true;
  } catch {
    return false;
  }
}

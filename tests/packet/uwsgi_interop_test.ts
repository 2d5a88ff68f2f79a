// The codec against a real uWSGI (Debian uwsgi-core + uwsgi-plugin-python3).
import { afterAll, describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeVars, encodePacket, encodeVars, PacketDecoder } from "../../mod.ts";
import { freePort, killAll, removeTmpDirs, start, tmpDir, waitFor } from "../helpers/procs.ts";

const UWSGI = Bun.which("uwsgi");

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const APP = `
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    body = "%s %s %s" % (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("HTTP_X_ZOG", "-"))
    return [body.encode("latin-1")]  # PEP 3333: environ strings carry the raw bytes as latin-1
`;

async function request(port: number, bytes: Uint8Array): Promise<string> {
  return await new Promise((res, rej) => {
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    let out = "";
    s.on("data", (d) => (out += d));
    s.on("end", () => res(out));
    s.on("error", rej);
  });
}

describe.skipIf(!UWSGI)("against real uWSGI", () => {
  test("a vars request built by encodeVars/encodePacket gets the app's answer", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "app.py"), APP);
    const port = await freePort();
    start(UWSGI!, [
      "--plugin",
      "python3",
      "--socket",
      `127.0.0.1:${port}`,
      "--wsgi-file",
      join(dir, "app.py"),
      "--master",
      "--processes",
      "1",
      "--die-on-term",
    ]);
    const payload = encodeVars({
      REQUEST_METHOD: "GET",
      PATH_INFO: "/zog/é",
      QUERY_STRING: "",
      SERVER_NAME: "localhost",
      SERVER_PORT: "80",
      SERVER_PROTOCOL: "HTTP/1.1",
      HTTP_X_ZOG: "ring",
    });
    const bytes = encodePacket({ modifier1: 0, modifier2: 0, payload });
    const answer = await waitFor(
      async () => {
        try {
          return await request(port, bytes);
        } catch {
          return "";
        }
      },
      15000,
      "uWSGI to answer",
    );
    expect(answer).toStartWith("HTTP/1.1 200 OK");
    expect(answer).toEndWith("GET /zog/é ring");
  }, 20000);

  test("decodes the subscription packet uWSGI emits with --subscribe-to", async () => {
    const udp = createSocket("udp4");
    await new Promise<void>((res) => udp.bind(0, "127.0.0.1", () => res()));
    const udpPort = udp.address().port;
    const got = new Promise<Uint8Array>((res) => udp.once("message", (m) => res(new Uint8Array(m))));
    const port = await freePort();
    start(UWSGI!, ["--socket", `127.0.0.1:${port}`, "--subscribe-to", `127.0.0.1:${udpPort}:zog.example`, "--master", "--processes", "1"]);
    const datagram = await got;
    udp.close();
    const [p] = new PacketDecoder().push(datagram);
    expect(p!.modifier1).toBe(224);
    const vars = decodeVars(p!.payload);
    expect(vars.key).toBe("zog.example");
    expect(vars.address).toBe(`127.0.0.1:${port}`);
  }, 20000);
});

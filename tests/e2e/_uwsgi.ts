// A uWSGI vassal for the emperor tests: a tiny WSGI app behind a uwsgi socket.
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { encodePacket, encodeVars } from "../../mod.ts";

/** The uWSGI binary, when installed. */
export const UWSGI = Bun.which("uwsgi");

const APP = `
import os
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s %s" % (os.environ.get("GREETING", "-"), environ["PATH_INFO"])).encode()]
`;

/**
 * Writes app.py and NAME (an ini serving it on 127.0.0.1:port, GREETING=greeting, then `extra` lines).
 * A worker gets 3 s (not uWSGI's 60) to finish in a graceful reload: on a loaded machine one
 * worker now and then ignored the reload's signal and held the reload for the whole minute.
 */
export function writeUwsgiVassal(dir: string, name: string, port: number, greeting: string, extra = ""): void {
  writeFileSync(join(dir, "app.py"), APP);
  writeFileSync(
    join(dir, name),
    `[uwsgi]\nplugin = python3\nsocket = 127.0.0.1:${port}\nwsgi-file = ${join(dir, "app.py")}\nmaster = true\nprocesses = 2\nworker-reload-mercy = 3\nenv = GREETING=${greeting}\n${extra}`,
  );
}

/** Sends a uwsgi request for `path` to 127.0.0.1:port and returns the body of the answer. */
export async function uwsgiGet(port: number, path: string): Promise<string> {
  const payload = encodeVars({
    REQUEST_METHOD: "GET",
    PATH_INFO: path,
    QUERY_STRING: "",
    SERVER_NAME: "localhost",
    SERVER_PORT: "80",
    SERVER_PROTOCOL: "HTTP/1.1",
  });
  const answer = await new Promise<string>((res, rej) => {
    const s = connect(port, "127.0.0.1", () => s.write(encodePacket({ modifier1: 0, modifier2: 0, payload })));
    let out = "";
    s.on("data", (d) => (out += d));
    s.on("end", () => res(out));
    s.on("error", rej);
  });
  return answer.slice(answer.indexOf("\r\n\r\n") + 4);
}

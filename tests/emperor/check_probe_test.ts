import { afterAll, expect, test } from "bun:test";
import { createServer } from "node:net";
import { probe } from "../../lib/emperor/check_probe.ts";

const http = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req) => (new URL(req.url).pathname === "/ok" ? new Response("ok") : new Response("no", { status: 500 })),
});
afterAll(() => http.stop(true));

test("http: 2xx passes, 500 fails, refused fails", async () => {
  expect(await probe({ kind: "http", url: `http://127.0.0.1:${http.port}/ok` }, 1000, "/")).toEqual({ ok: true, detail: "HTTP 200" });
  expect(await probe({ kind: "http", url: `http://127.0.0.1:${http.port}/bad` }, 1000, "/")).toEqual({ ok: false, detail: "HTTP 500" });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as { port: number }).port;
  closed.close();
  expect((await probe({ kind: "http", url: `http://127.0.0.1:${port}/` }, 1000, "/")).ok).toBe(false);
  expect(await probe({ kind: "tcp", host: "127.0.0.1", port }, 1000, "/")).toEqual({ ok: false, detail: "ECONNREFUSED" });
});

test("tcp: a listening port passes", async () => {
  expect(await probe({ kind: "tcp", host: "127.0.0.1", port: http.port! }, 1000, "/")).toEqual({ ok: true, detail: "connected" });
});

test("exec: exit 0 passes, others fail, a hang times out, a missing command fails", async () => {
  expect(await probe({ kind: "exec", command: "/bin/true", args: [] }, 1000, "/")).toEqual({ ok: true, detail: "exit 0" });
  expect(await probe({ kind: "exec", command: "/bin/sh", args: ["-c", "exit 3"] }, 1000, "/")).toEqual({ ok: false, detail: "exit 3" });
  expect(await probe({ kind: "exec", command: "/bin/sleep", args: ["5"] }, 100, "/")).toEqual({
    ok: false,
    detail: "did not finish within 0.1 s",
  });
  expect((await probe({ kind: "exec", command: "/nonexistent/check", args: [] }, 1000, "/")).ok).toBe(false);
});

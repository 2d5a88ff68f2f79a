import { describe, expect, test } from "bun:test";
import { parseEmperorSpec, parseHostPort, parseZeusSpec } from "../../lib/tls/endpoint.ts";

describe("parseHostPort", () => {
  test.each([
    ["127.0.0.1:4040", undefined, { host: "127.0.0.1", port: 4040 }],
    ["[::1]:4040", undefined, { host: "::1", port: 4040 }],
    ["node-1.example:0", undefined, { host: "node-1.example", port: 0 }],
    ["localhost:65535", undefined, { host: "localhost", port: 65535 }],
    ["node1", 55552, { host: "node1", port: 55552 }],
    ["[::1]", 55552, { host: "::1", port: 55552 }],
    ["::1", 55552, { host: "::1", port: 55552 }],
    ["10.0.0.1:80", 55552, { host: "10.0.0.1", port: 80 }],
  ])("%p (default port %p)", (s, def, want) => {
    expect(parseHostPort(s, def)).toEqual(want);
  });

  test.each([
    ["127.0.0.1", SyntaxError, '"127.0.0.1" has no port'],
    ["127.0.0.1:", SyntaxError, 'port "", which is not a number'],
    ["127.0.0.1:http", SyntaxError, 'port "http"'],
    ["127.0.0.1:65536", RangeError, "port 65536, above 65535"],
    ["127.0.0.1:-1", SyntaxError, 'port "-1"'],
    [":4040", SyntaxError, '":4040" has no valid host'],
    ["", SyntaxError, '""'],
    ["a b:1", SyntaxError, '"a b:1"'],
    ["::1:4040", SyntaxError, "write an IPv6 address in brackets"],
    ["1:2:3", SyntaxError, "is ambiguous"],
    ["[node]:4040", SyntaxError, '"node" in brackets'],
    ["[::1]x", SyntaxError, '"[::1]x"'],
  ])("%p throws %p", (s, type, message) => {
    expect(() => parseHostPort(s)).toThrow(type);
    expect(() => parseHostPort(s)).toThrow(message);
  });
});

describe("parseZeusSpec", () => {
  test.each([
    ["192.168.173.17:4040 /etc/uwsgi/vassals", { host: "192.168.173.17", port: 4040, vassalsDir: "/etc/uwsgi/vassals" }],
    [
      "192.168.173.17:4040,foobar.crt,foobar.key /etc/uwsgi/vassals",
      { host: "192.168.173.17", port: 4040, vassalsDir: "/etc/uwsgi/vassals", tls: { cert: "foobar.crt", key: "foobar.key" } },
    ],
    [
      "192.168.173.17:4040,foobar.crt,foobar.key,clients.pem /etc/uwsgi/vassals",
      {
        host: "192.168.173.17",
        port: 4040,
        vassalsDir: "/etc/uwsgi/vassals",
        tls: { cert: "foobar.crt", key: "foobar.key", clientCa: "clients.pem" },
      },
    ],
    ["  [::1]:4040   vassals dir  ", { host: "::1", port: 4040, vassalsDir: "vassals dir" }],
  ])("%p", (s, want) => {
    expect(parseZeusSpec(s)).toEqual(want);
  });

  test.each([
    ["192.168.173.17:4040", "is not"],
    ["/etc/uwsgi/vassals", "is not"],
    ["192.168.173.17:4040,foobar.crt /etc/uwsgi/vassals", "1 file(s) after the address"],
    ["192.168.173.17:4040,a,b,c,d /v", "4 file(s) after the address"],
    ["192.168.173.17:4040,,foobar.key /v", "empty field"],
    ["192.168.173.17 /v", '"192.168.173.17" has no port'],
  ])("%p throws", (s, message) => {
    expect(() => parseZeusSpec(s)).toThrow(SyntaxError);
    expect(() => parseZeusSpec(s)).toThrow(message);
  });

  test("errors quote the whole spec", () => {
    expect(() => parseZeusSpec("1.2.3.4:1,x /v")).toThrow('Zeus spec "1.2.3.4:1,x /v"');
  });
});

describe("parseEmperorSpec", () => {
  test.each([
    ["zeus:192.168.173.17:4040", { kind: "zeus", host: "192.168.173.17", port: 4040 }],
    ["zeus-ssl:192.168.173.17:4040", { kind: "zeus", host: "192.168.173.17", port: 4040, tls: {} }],
    [
      "zeus-ssl:192.168.173.17:4040,myself.key",
      { kind: "zeus", host: "192.168.173.17", port: 4040, tls: { cert: "myself.crt", key: "myself.key" } },
    ],
    [
      "zeus-ssl:192.168.173.17:4040,/etc/tls/node.pem,/etc/tls/node.key",
      { kind: "zeus", host: "192.168.173.17", port: 4040, tls: { cert: "/etc/tls/node.pem", key: "/etc/tls/node.key" } },
    ],
    ["zeus-ssl:[::1]:4040,certs/me.key", { kind: "zeus", host: "::1", port: 4040, tls: { cert: "certs/me.crt", key: "certs/me.key" } }],
    ["/etc/uwsgi/vassals", { kind: "dir", dir: "/etc/uwsgi/vassals" }],
    ["vassals", { kind: "dir", dir: "vassals" }],
  ])("%p", (s, want) => {
    expect(parseEmperorSpec(s)).toEqual(want as ReturnType<typeof parseEmperorSpec>);
  });

  test.each([
    ["zeus:192.168.173.17", '"192.168.173.17" has no port'],
    ["zeus:192.168.173.17:4040,a.crt,a.key", 'use "zeus-ssl:"'],
    ["zeus-ssl:192.168.173.17:4040,myself.pem", '",CRT,KEY" or ",NAME.key"'],
    ["zeus-ssl:192.168.173.17:4040,a,b,c", '",CRT,KEY" or ",NAME.key"'],
    ["zeus-ssl:192.168.173.17:4040,,a.key", "empty field"],
    ["zeus-ssl:", '""'],
    ["", "is empty"],
  ])("%p throws", (s, message) => {
    expect(() => parseEmperorSpec(s)).toThrow(SyntaxError);
    expect(() => parseEmperorSpec(s)).toThrow(message);
  });
});

import { describe, expect, test } from "bun:test";
import { certMatches } from "../../lib/tls/names.ts";

describe("certMatches", () => {
  test.each([
    [["MV", "192.168.152.242"], ["MV", "192.168.152.242"], true],
    [["mv"], ["MV"], true],
    [["other", "192.168.152.242"], ["MV", "192.168.152.242"], true],
    [["::1"], ["0:0:0:0:0:0:0:1"], true],
    [["::1"], ["[::1]"], true],
    [["PA", "192.168.152.252"], ["MV", "192.168.152.242"], false],
    [[], ["MV"], false],
    [["MV"], [], false],
    [[""], [""], false],
    [["MV.example"], ["MV"], false],
  ])("%p vs %p -> %p", (names, expected, want) => {
    expect(certMatches(names, expected)).toBe(want);
  });
});

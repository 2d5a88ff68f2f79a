import { expect, test } from "bun:test";
import { wantedCopies } from "../../lib/zeus/vassal_copies.ts";

test("copies wanted: nodes in [vassal], zeus-nodes in [uwsgi], default 1, bad values explained", () => {
  expect(wantedCopies("a.toml", '[vassal]\ncommand = "/bin/true"\nnodes = 3\n')).toEqual({ copies: 3 });
  expect(wantedCopies("a.toml", '[vassal]\ncommand = "/bin/true"\n')).toEqual({ copies: 1 });
  expect(wantedCopies("a.ini", "[uwsgi]\nsocket = :0\nzeus-nodes = 2\n")).toEqual({ copies: 2 });
  expect(wantedCopies("a.ini", "[other]\nzeus-nodes = 2\n")).toEqual({ error: "a.ini: has no [uwsgi] section" });
  expect(wantedCopies("a.ini", "[uwsgi]\nzeus-nodes = 0\n")).toEqual({
    error: 'a.ini:2: zeus-nodes must be a whole number from 1 to 1000, got "0"',
  });
  expect(wantedCopies("a.toml", '[vassal]\ncommand = "x"\nnodes = 0\n')).toMatchObject({
    error: expect.stringMatching(/^a\.toml:3: \[vassal\] nodes /),
  });
  expect(wantedCopies("a.toml", "[vassal]\nargs = []\n")).toEqual({ error: "a.toml:1: [vassal] has no command" });
  expect(wantedCopies("a b.toml", '[vassal]\ncommand = "x"\n')).toMatchObject({ error: expect.stringMatching(/^a b\.toml: Vassal name/) });
  expect(wantedCopies("a.toml", "[vassal\n")).toMatchObject({ error: expect.stringMatching(/^a\.toml:1: /) });
});

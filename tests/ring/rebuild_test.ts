import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RingStore } from "../../lib/ring/listen/store.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { rebuildJournal } from "../../lib/ring/rebuild.ts";
import { parseJournalLine } from "../../lib/ring/journal_format.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";
import { spoilStored } from "../helpers/store_files.ts";

afterAll(() => removeTmpDirs());

test("a rebuilt journal remembers the id of a stored row that fails its checksum: catching up must not log it again", () => {
  const dir = tmpDir();
  let store = RingStore.open(dir);
  store.append(["a", "b", "c"].map((id) => ({ id, origin: "MV", content: `content of ${id}` })));
  store.close();
  spoilStored(dir, 2);
  store = RingStore.open(dir);
  const files = new LogFiles(dir);
  const line = rebuildJournal(files, store, ["MV", "PA"], 0);
  const seen = readFileSync(join(dir, "journal"), "utf8")
    .split("\n")
    .map((l) => parseJournalLine(l))
    .flatMap((r) => (r?.kind === "S" ? [r.id] : []));
  expect(seen.sort()).toEqual(["a", "b", "c"]);
  expect(line).toContain("3 ids remembered");
  expect([...store.damagedSeqs]).toEqual([2]);
  files.close();
  store.close();
});

import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../../lib/ring/store_open.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";
import { segmentFiles } from "../helpers/store_files.ts";

afterAll(() => removeTmpDirs());

test("a store whose segments hold damage with records after it is set aside whole, store.db and segments, and a new one made", () => {
  const dir = tmpDir();
  let { store } = openStore(dir, { durable: true });
  store.append(Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, origin: "MV", content: `content ${i}` })));
  store.savePositions(new Map([["durable:d", 3]]));
  store.close();
  const [path] = segmentFiles(dir);
  const bytes = readFileSync(path!);
  bytes.writeUInt32LE(0xffff, 0); // the first record's length: far past its end
  writeFileSync(path!, bytes);
  const opened = openStore(dir, { durable: true });
  store = opened.store;
  expect(opened.setAside?.reason).toContain("hold no whole record where more records follow");
  expect(opened.setAside?.path).toMatch(/store\.db\.damaged-\d{8}T\d{6}Z$/);
  const stamp = opened.setAside!.path.split(".damaged-")[1];
  expect(existsSync(join(dir, `messages.damaged-${stamp}`))).toBe(true);
  expect(readdirSync(join(dir, `messages.damaged-${stamp}`)).length).toBe(1);
  expect(store.lastSeq).toBe(0);
  expect(store.position("durable:d")).toBeUndefined();
  store.close();
});

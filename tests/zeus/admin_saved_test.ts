// zeus's admin commands that change its records answer only once the state is written.
import { expect, test } from "bun:test";
import { savedFirst, ZEUS_ADMIN_COMMANDS } from "../../lib/zeus/admin_commands.ts";
import type { ZeusAdminContext } from "../../lib/zeus/admin_context.ts";
import { fakeFleet } from "./_fake_fleet.ts";

function withSaves() {
  const f = fakeFleet(1e9);
  f.connect(1, "e1");
  let release!: () => void;
  let saves = 0;
  const ctx = {
    core: f.core,
    vassals: undefined as never,
    saved: () => {
      saves++;
      return new Promise<void>((r) => (release = r));
    },
  } satisfies ZeusAdminContext;
  return { ctx, commands: savedFirst(ZEUS_ADMIN_COMMANDS), release: () => release(), saves: () => saves };
}

test("a drain is answered only after zeus's state is saved", async () => {
  const z = withSaves();
  let answered: Record<string, string> | undefined;
  const reply = Promise.resolve(z.commands.drain!({ who: "ops", vars: { node: "e1" }, ctx: z.ctx })).then((r) => (answered = r));
  // The drain is in the coordinator at once; its answer waits for the write.
  await Promise.resolve();
  expect(z.saves()).toBe(1);
  expect(answered).toBeUndefined();
  z.release();
  await reply;
  expect(answered).toBeDefined();
});

test("commands that change nothing zeus records do not wait for a write", async () => {
  const z = withSaves();
  await z.commands.ping!({ who: "ops", vars: {}, ctx: z.ctx });
  await z.commands["drain-status"]!({ who: "ops", vars: { node: "e1" }, ctx: z.ctx });
  expect(z.saves()).toBe(0);
});

test("each command that changes zeus's records waits for its write", () => {
  const wrapped = savedFirst(ZEUS_ADMIN_COMMANDS);
  for (const name of ["drain", "undrain", "forget", "restart", "stop", "start"]) expect(wrapped[name]).not.toBe(ZEUS_ADMIN_COMMANDS[name]);
  for (const name of ["ping", "drain-status"]) expect(wrapped[name]).toBe(ZEUS_ADMIN_COMMANDS[name]);
});

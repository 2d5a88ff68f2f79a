/**
 * Fencing zeus leaders: every command a leading zeus sends carries its leadership term (the
 * etcd revision that created its leader key); an emperor refuses a command from a term
 * older than the newest it has seen, so a leader paused or cut off past its lease cannot act
 * after its successor did. The rule is pure ({@link fenceStep}); {@link TermKeeper} keeps
 * the newest term in the emperor's state dir, across its restarts.
 *
 * @module
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { errCode } from "../errors.ts";

/** What the emperor does with a command: take it (and remember `newest`), or refuse it. */
export type FenceVerdict = { ok: true; newest: number | undefined } | { ok: false; newest: number; reason: string };

/**
 * The fencing rule. A command without a term (a zeus that does not fence) is taken and
 * changes nothing; one of the newest term or a newer one is taken and its term becomes the
 * newest; one of an older term is refused with a reason naming both terms.
 *
 * @param newest the newest term this emperor has seen (undefined: none yet)
 * @param term the command's term (undefined: unfenced)
 * @param what the command, for the reason ("VASSAL_DESTROY app.toml")
 * @example
 * ```ts
 * fenceStep(7, 9, "NEW_VASSAL a.toml"); // { ok: true, newest: 9 }
 * fenceStep(9, 7, "NEW_VASSAL a.toml"); // { ok: false, newest: 9, reason: "NEW_VASSAL a.toml from zeus term 7 ..." }
 * ```
 */
export function fenceStep(newest: number | undefined, term: number | undefined, what: string): FenceVerdict {
  if (term === undefined) return { ok: true, newest };
  if (newest === undefined || term >= newest) return { ok: true, newest: term };
  return {
    ok: false,
    newest,
    reason: `${what} from zeus term ${term} refused: this emperor has seen term ${newest} (a newer leader); the sender is no longer the leader`,
  };
}

/**
 * The newest zeus term an emperor has seen, kept in a file of its state dir (one decimal
 * number) so that a restarted emperor still refuses a deposed leader.
 *
 * @example
 * ```ts
 * const keeper = new TermKeeper("/var/lib/emperor/zeus_term");
 * const v = keeper.check(12, "VASSAL_RELOAD app.toml");
 * if (!v.ok) console.error(v.reason);
 * ```
 */
export class TermKeeper {
  #newest: number | undefined;
  /** Why the newest term is not on disk yet (its save failed: a full disk), or undefined. */
  #unsaved: string | undefined;

  /**
   * Reads the kept term from `file` (none when it is missing). `onSave` hears when saving
   * the newest term starts to fail (with the reason) and when it works again (undefined).
   *
   * @throws {Error} when `file` exists but cannot be read or holds no number: fix or remove it
   */
  constructor(
    readonly file: string | undefined,
    readonly onSave: (failure: string | undefined) => void = () => {},
  ) {
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if (errCode(e) === "ENOENT") return;
      throw new Error(`cannot read the zeus term from ${file}: ${errCode(e)}`, { cause: e });
    }
    if (!/^\d{1,15}\s*$/.test(text))
      throw new Error(`${file} holds ${JSON.stringify(text.slice(0, 40))}, not a zeus term: fix or remove it`);
    this.#newest = Number(text.trim());
  }

  /** The newest term seen, if any. */
  get newest(): number | undefined {
    return this.#newest;
  }

  /**
   * Applies {@link fenceStep} to a command of `term`, saving a newer term before the
   * command is taken. A term that cannot be saved (the state dir's disk full) still fences
   * in memory, and its save is tried again at each command until it works: refusing every
   * command instead cut the emperor off from zeus, whose vassals then ran twice.
   */
  check(term: number | undefined, what: string): FenceVerdict {
    const v = fenceStep(this.#newest, term, what);
    if (v.ok && (v.newest !== this.#newest || this.#unsaved !== undefined)) {
      this.#newest = v.newest;
      this.#save();
    }
    return v;
  }

  #save(): void {
    if (!this.file || this.#newest === undefined) return;
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, `${this.#newest}\n`);
      renameSync(tmp, this.file);
    } catch (e) {
      if (this.#unsaved === undefined) this.onSave((this.#unsaved = errCode(e)));
      return;
    }
    if (this.#unsaved !== undefined) this.onSave((this.#unsaved = undefined));
  }
}

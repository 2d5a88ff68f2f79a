/**
 * What zeus lends its admin command handlers (admin_commands.ts, vassal_commands.ts): its own
 * file so that every command table can name it without importing another.
 *
 * @module
 */
import type { Coordinator } from "./coordinator.ts";
import type { VassalSource } from "./vassal_source.ts";

/**
 * What zeus lends its admin command handlers.
 *
 * @example
 * ```ts
 * declare const source: VassalSource;
 * const ctx: ZeusAdminContext = { core, vassals: source, leader: () => undefined };
 * ```
 */
export interface ZeusAdminContext {
  core: Coordinator;
  /** Where the vassal configs are (`zeus vassal put/rm` write there). */
  vassals: VassalSource;
  /**
   * Several zeus: undefined while this zeus leads, else the leader's "HOST:PORT" ("" while
   * none is known). A single zeus always leads.
   */
  leader?: () => string | undefined;
  /** Resolves once zeus's state as it is now is written (at once without --state). */
  saved?: () => Promise<void>;
}

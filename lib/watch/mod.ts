/**
 * Watching a folder of config files (the imperial monitor of zeus and emperor).
 *
 * @module
 */
export { type DirChanges, diffSnapshots, type FileState, isEmpty, type Snapshot } from "./snapshot.ts";
export { DirWatcher, type DirWatcherOptions, scanDir } from "./dir_watcher.ts";

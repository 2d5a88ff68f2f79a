/**
 * Watching a folder of config files (the imperial monitor of zeus and emperor).
 *
 * @module
 */
export { diffSnapshots, type DirChanges, type FileState, isEmpty, type Snapshot } from "./snapshot.ts";
export { DirWatcher, type DirWatcherOptions, scanDir } from "./dir_watcher.ts";

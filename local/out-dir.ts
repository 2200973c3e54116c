// Creates the output directory (`--out`) folder by folder, so that a failure names the folder that refused
// and why. Node's mkdirSync({ recursive: true }) reports ENOENT for a parent it could not create, and loops
// forever under /proc, where mkdir answers ENOENT.

import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Why the directory cannot be created: names the folder and the reason (null when it was created or exists). */
export function makeOutDir(dir: string): string | null {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let isDir: boolean | null = null;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a file further up; the walk reaches it and names it.
      if (code !== "ENOENT" && code !== "ENOTDIR") return `${at} cannot be read (${code})`;
    }
    if (isDir === false) return `${at} is a file, not a folder`;
    if (isDir === true) break;
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) return `${at} does not exist`;
    at = up;
  }
  for (const d of missing) {
    const parent = dirname(d);
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (code === "EEXIST" && statSync(d).isDirectory()) continue;
      let writable = true;
      try {
        accessSync(parent, constants.W_OK);
      } catch {
        writable = false;
      }
      if (code === "EACCES" || code === "EPERM" || !writable)
        return `the folder ${parent} is not writable, so ${d} cannot be created (${code})`;
      if (code === "EROFS") return `the folder ${parent} is on a read-only file system, so ${d} cannot be created (${code})`;
      if (code === "ENOSPC") return `no space left on the device of ${parent} (${code})`;
      return `the file system of ${parent} refused to create ${d} (${code})`;
    }
  }
  return null;
}

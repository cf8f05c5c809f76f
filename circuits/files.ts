// File output that is never half-written: a temporary file beside the target, every byte checked, fsynced, renamed into place.
import {
  closeSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  chmodSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { VleError } from "./errors.js";

/**
 * The system calls a write goes through. Tests replace entries (see `injectFaults`) to make any write of a command
 * short or fail with ENOSPC or EIO; production code never touches it.
 */
export const io = { writeSync, fsyncSync, renameSync };

export type Fault = "short" | "ENOSPC" | "EIO";

/**
 * Makes write call number `at` (1-based, counted across every file from now on) fail with `fault`; `short`
 * writes half the bytes and then no more, as a full disk that reports no error would. Returns a function that
 * undoes the injection and tells how many write calls were made. Used by tests only.
 */
export function injectFaults(at: number | undefined, fault: Fault): () => number {
  let calls = 0,
    stalled = false;
  const real = io.writeSync;
  io.writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number) => {
    calls++;
    if (stalled) return 0;
    if (calls === at) {
      if (fault === "short") {
        stalled = true;
        return real(fd, buffer, offset, Math.floor(length / 2));
      }
      throw Object.assign(new Error(`${fault}: injected`), { code: fault });
    }
    return real(fd, buffer, offset, length);
  }) as typeof writeSync;
  return () => {
    io.writeSync = real;
    return calls;
  };
}

const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
const cannotWrite = (path: string, err: unknown) => new VleError(`${path}: cannot write (${reason(err)})`);

/** Temporary and backup files of this program: `.<name>.vle-<pid>-<random>.tmp|.bak`, beside the target. */
const ours = (base: string) =>
  new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.vle-(\\d+)-[0-9a-f]+\\.(tmp|bak)$`);
const sideName = (target: string, kind: "tmp" | "bak") =>
  join(dirname(target), `.${basename(target)}.vle-${process.pid}-${randomBytes(4).toString("hex")}.${kind}`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Removes temporary files that killed runs left beside `target` (their process is gone). */
function cleanStale(target: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dirname(target));
  } catch {
    return;
  }
  const pattern = ours(basename(target));
  for (const name of entries) {
    const m = pattern.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      try {
        unlinkSync(join(dirname(target), name));
      } catch {
        // another run cleaned it first
      }
    }
  }
}

/**
 * Where a write to `path` lands. Symbolic links are followed (the file they point to is replaced, the link stays),
 * the same for every output; an existing target must be a regular file.
 */
export function outputTarget(path: string): string {
  let target = resolve(path);
  try {
    if (lstatSync(target).isSymbolicLink()) target = realpathSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && lstatExists(target))
      throw new VleError(`${path}: a symbolic link to a missing file; remove the link or point it at a file`);
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw cannotWrite(path, err);
    return target;
  }
  let kind: ReturnType<typeof statSync> | undefined;
  try {
    kind = statSync(target);
  } catch {
    return target;
  }
  if (!kind.isFile()) throw new VleError(`${path}: not a regular file; give a file path to write`);
  return target;
}

const mtimeOf = (p: string) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};

const lstatExists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Makes the rename durable: the directory entry reaches the disk too. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    io.fsyncSync(fd);
  } catch (err) {
    // filesystems that cannot sync a directory say so with EINVAL; that is all they can do
    if (!["EINVAL", "ENOTSUP", "EISDIR"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A file being written: bytes go to a temporary file beside the target; `finish` syncs it, `commit` renames it into
 * place, `abort` removes it. Until `commit` the previous file at the target is untouched.
 */
export class PendingFile {
  readonly target: string;
  readonly temp: string;
  private fd: number | undefined;
  private state: "open" | "finished" | "committed" | "aborted" = "open";

  constructor(readonly path: string) {
    this.target = outputTarget(path);
    cleanStale(this.target);
    this.temp = sideName(this.target, "tmp");
    try {
      this.fd = openSync(this.temp, "wx", 0o666);
    } catch (err) {
      throw cannotWrite(path, err);
    }
  }

  /** Writes every byte or throws (after removing the temporary file). */
  write(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    try {
      for (let done = 0; done < bytes.length; ) {
        const n = io.writeSync(this.fd!, bytes, done, bytes.length - done);
        if (!(n > 0)) throw Object.assign(new Error("short write"), { code: "short write: the disk may be full" });
        done += n;
      }
    } catch (err) {
      this.abort();
      throw cannotWrite(this.path, err);
    }
  }

  /** Syncs and closes the temporary file, with the mode of the file it replaces. */
  finish(): void {
    if (this.state !== "open") return;
    try {
      io.fsyncSync(this.fd!);
      closeSync(this.fd!);
      this.fd = undefined;
      try {
        chmodSync(this.temp, statSync(this.target).mode & 0o7777);
      } catch {
        // no previous file: the default mode stays
      }
    } catch (err) {
      this.abort();
      throw cannotWrite(this.path, err);
    }
    this.state = "finished";
  }

  /** Moves the finished file into place and syncs its directory. */
  commit(): void {
    this.finish();
    try {
      io.renameSync(this.temp, this.target);
    } catch (err) {
      this.abort();
      throw cannotWrite(this.path, err);
    }
    this.state = "committed";
    try {
      syncDirectory(dirname(this.target));
    } catch (err) {
      throw cannotWrite(this.path, err);
    }
  }

  /** Removes the temporary file; the target keeps what it had. */
  abort(): void {
    if (this.state === "committed" || this.state === "aborted") return;
    this.state = "aborted";
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    try {
      unlinkSync(this.temp);
    } catch {
      // never created or already gone
    }
  }
}

/**
 * Commits several finished files as one: all reach their targets or none does. The previous files are kept as
 * hard links until every rename succeeded, and put back if one fails.
 */
export function commitAll(files: PendingFile[]): void {
  if (files.length === 1) {
    files[0].commit();
    return;
  }
  const backups: (string | undefined)[] = [];
  const undo = (upTo: number) => {
    for (let k = 0; k < upTo; k++) {
      try {
        const b = backups[k];
        if (b) io.renameSync(b, files[k].target);
        else unlinkSync(files[k].target);
      } catch {
        // nothing more can be done; the error below is reported
      }
    }
    for (const b of backups.slice(upTo)) if (b) unlinkSync(b);
    for (const f of files) f.abort();
  };
  try {
    for (const f of files) f.finish();
    for (const f of files) {
      const backup = sideName(f.target, "bak");
      try {
        linkSync(f.target, backup);
        backups.push(backup);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw cannotWrite(f.path, err);
        backups.push(undefined);
      }
    }
  } catch (err) {
    undo(0);
    throw err;
  }
  for (let k = 0; k < files.length; k++) {
    try {
      io.renameSync(files[k].temp, files[k].target);
    } catch (err) {
      undo(k);
      throw cannotWrite(files[k].path, err);
    }
  }
  for (const b of backups) if (b) unlinkSync(b);
  for (const f of files) syncDirectory(dirname(f.target));
}

/**
 * Takes the lock of `path` (the file `<path>.lock` holding this process's id) for a run that writes it over time,
 * such as a training checkpoint; a lock whose process is gone is taken over. Returns the release.
 */
export function lockFile(path: string, what: string): () => void {
  const lock = `${outputTarget(path)}.lock`;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(lock, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw cannotWrite(path, err);
      let pid = NaN;
      try {
        pid = Number(readFileSync(lock, "utf8").trim());
      } catch {
        // removed meanwhile: try again
      }
      // an empty lock just made is a run starting (it writes its id next)
      const starting = Number.isNaN(pid) && Date.now() - mtimeOf(lock) < 2000;
      if (starting || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)))
        throw new VleError(
          `${path}: another run (process ${starting ? "starting" : pid}) is writing this ${what}; wait for it to end, or give another path`,
        );
      try {
        unlinkSync(lock); // its process is gone
      } catch {
        // another run took it over first; the next attempt sees its lock
      }
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } catch (err) {
      unlinkSync(lock);
      throw cannotWrite(path, err);
    } finally {
      closeSync(fd);
    }
    return () => {
      try {
        unlinkSync(lock);
      } catch {
        // already gone
      }
    };
  }
}

/** Writes a whole file atomically: the target holds either its previous contents or all of `data`. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const file = new PendingFile(path);
  file.write(data);
  file.commit();
}

/** Writes several files as one commit (all or none); entries without a path are skipped, `data` is made only for the others. */
export function writeFilesAtomic(entries: [string | undefined, () => string | Uint8Array][]): void {
  const files: PendingFile[] = [];
  try {
    for (const [path, data] of entries) {
      if (path === undefined) continue;
      const file = new PendingFile(path);
      files.push(file);
      file.write(data());
    }
  } catch (err) {
    for (const f of files) f.abort();
    throw err;
  }
  if (files.length > 0) commitAll(files);
}

/** The file `path` names, as an identity that sees through links and relative paths (undefined if absent). */
function identity(path: string): string {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return resolve(path);
  }
}

/**
 * Refuses outputs that would overwrite an input or each other (the same file, however named: links, relative
 * paths). `inputs` and `outputs` map a flag or role to a path; undefined entries are skipped.
 */
export function checkDistinct(inputs: Record<string, string | undefined>, outputs: Record<string, string | undefined>) {
  const seen = new Map<string, string>();
  for (const [role, path] of Object.entries(inputs)) if (path !== undefined) seen.set(identity(path), role);
  for (const [role, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    const id = identity(path);
    const other = seen.get(id);
    if (other !== undefined)
      throw new VleError(`${path}: ${role} would overwrite the ${other} (the same file); choose another path`);
    seen.set(id, role);
  }
}

// A text file written in chunks that appears only when complete: streamed to a temporary file beside the target, renamed into place on close.
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VleError } from "../../circuits/errors.js";

const cannotWrite = (path: string, err: unknown) =>
  new VleError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);

/** `close` renames the temporary file into place, `abort` removes it, so a failed run leaves nothing half-written. */
export class AtomicTextFile {
  private readonly fd: number;
  private readonly temp: string;
  private chunk = "";
  private open = true;

  constructor(readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    try {
      this.fd = openSync(this.temp, "w");
    } catch (err) {
      throw cannotWrite(path, err);
    }
  }

  /** Appends text; it reaches the disk in chunks of about 64 KiB (one write call per chunk, not per row). */
  write(text: string): void {
    this.chunk += text;
    if (this.chunk.length > 1 << 16) this.flush();
  }

  private flush(): void {
    try {
      writeSync(this.fd, this.chunk);
    } catch (err) {
      this.abort();
      throw cannotWrite(this.path, err);
    }
    this.chunk = "";
  }

  /** Writes what is left and moves the finished file into place. */
  close(): void {
    this.flush();
    this.open = false;
    closeSync(this.fd);
    try {
      renameSync(this.temp, this.path);
    } catch (err) {
      unlinkSync(this.temp);
      throw cannotWrite(this.path, err);
    }
  }

  /** Discards the file (after a failed run). */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
    try {
      unlinkSync(this.temp);
    } catch {
      // already gone
    }
  }
}

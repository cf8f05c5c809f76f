// A text file written in chunks that appears only when complete: streamed to a temporary file beside the target, renamed into place on close.
import { commitAll, PendingFile } from "../../circuits/files.js";

/** `close` renames the temporary file into place, `abort` removes it, so a failed run leaves nothing half-written. */
export class AtomicTextFile {
  readonly pending: PendingFile;
  private chunk = "";

  constructor(readonly path: string) {
    this.pending = new PendingFile(path);
  }

  /** Appends text; it reaches the disk in chunks of about 64 KiB (one write call per chunk, not per row). */
  write(text: string): void {
    this.chunk += text;
    if (this.chunk.length > 1 << 16) this.flush();
  }

  private flush(): void {
    const text = this.chunk;
    this.chunk = "";
    if (text) this.pending.write(text);
  }

  /** Writes what is left and syncs it; the file is ready for `commitAll` with the run's other outputs. */
  finish(): PendingFile {
    this.flush();
    this.pending.finish();
    return this.pending;
  }

  /** Writes what is left and moves the finished file into place. */
  close(): void {
    commitAll([this.finish()]);
  }

  /** Discards the file (after a failed run). */
  abort(): void {
    this.pending.abort();
  }
}

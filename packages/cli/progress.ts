// A progress bar on stderr for runs that take more than a few seconds (cli-progress): on a terminal, or with --progress.
import cliProgress from "cli-progress";

export interface Progress {
  update(value: number, payload?: Record<string, string>): void;
  stop(): void;
}

/** A bar of `total` steps with the given format ({bar}, {value}, {total}, {eta_formatted} and the payload's keys), or none. */
export function progressBar(
  format: string,
  total: number,
  payload: Record<string, string>,
  show = process.stderr.isTTY === true,
): Progress | undefined {
  if (!show) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format,
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payload);
  return {
    update: (value, more) => bar.update(Math.min(value, total), more),
    stop: () => bar.stop(),
  };
}

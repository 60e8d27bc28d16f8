/** What the progress display shows. */
export interface LoadProgressState {
  readonly elapsedSeconds: number;
  readonly responses: number;
  readonly errors: number;
}

/**
 * A progress bar on stderr while the load runs: redrawn in place on a
 * terminal, one line a second otherwise (CI logs), nothing with `--no-progress`.
 */
export class LoadProgress {
  private timer: NodeJS.Timeout | undefined;
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly read: () => LoadProgressState,
    private readonly durationSeconds: number,
    private readonly amount: number | null,
    private readonly label = 'load',
  ) {}

  /** Starts drawing. */
  start(): void {
    this.timer = setInterval(() => this.draw(false), this.stream.isTTY ? 200 : 1000);
    this.timer.unref();
  }

  /** Draws the final state and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw(true);
  }

  /** The bar for a state: `[=========>          ] 45%  4.5/10 s  1234 responses  0 errors`. */
  render(state: LoadProgressState): string {
    const fraction = Math.min(
      1,
      Math.max(state.elapsedSeconds / this.durationSeconds, this.amount === null ? 0 : (state.responses + state.errors) / this.amount),
    );
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}`;
    const bound =
      this.amount === null
        ? `${Math.min(state.elapsedSeconds, this.durationSeconds).toFixed(1)}/${this.durationSeconds} s`
        : `${state.responses + state.errors}/${this.amount} requests`;
    return `${this.label} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${bound}  ${state.responses} responses  ${state.errors} errors`;
  }

  private draw(final: boolean): void {
    const line = this.render(this.read());
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}${final ? '\n' : ''}`);
    } else if (final || Date.now() - this.lastLine >= 900) {
      this.lastLine = Date.now();
      this.stream.write(`${line}\n`);
    }
  }
}

/**
 * Counts in-flight local work (queue messages, SNS deliveries, S3 events, releases) so
 * `drain()` can resolve exactly when nothing is left that could start more work by itself.
 * Every producer registers work *before* the step that created it settles, so the count
 * never touches zero between a publish and the delivery it causes.
 */
export class WorkTracker {
  private pending = 0;
  private waiters: Array<() => void> = [];
  private readonly failures: unknown[] = [];

  /** Runs `work` as tracked; the tracker records (but does not rethrow) its failure. */
  track(work: () => Promise<void>): void {
    this.pending += 1;
    void (async () => {
      try {
        await work();
      } catch (error) {
        this.failures.push(error);
      } finally {
        this.release();
      }
    })();
  }

  /** Holds the tracker busy until the returned function is called (e.g. a retry timer). */
  hold(): () => void {
    this.pending += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  /** Resolves once no tracked work remains. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Unexpected failures of tracked work (bugs in the local plumbing, not handler retries). */
  takeFailures(): unknown[] {
    return this.failures.splice(0);
  }

  private release(): void {
    this.pending -= 1;
    if (this.pending > 0) return;
    // Let any work scheduled in the same tick register before declaring idle.
    setImmediate(() => {
      if (this.pending > 0) return;
      const waiters = this.waiters.splice(0);
      for (const resolve of waiters) resolve();
    });
  }
}

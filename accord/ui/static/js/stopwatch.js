// Time spent on a record: counts only while the page is visible.

export class Stopwatch {
  constructor() {
    this.accrued = 0; // seconds not yet sent
    this.total = 0; // seconds on this record, this visit
    this.since = document.visibilityState === "visible" ? performance.now() : null;
    this.onVisibility = () => (document.visibilityState === "visible" ? this.resume() : this.pause());
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  pause() {
    if (this.since === null) return;
    const s = (performance.now() - this.since) / 1000;
    this.accrued += s;
    this.total += s;
    this.since = null;
  }

  resume() {
    if (this.since === null) this.since = performance.now();
  }

  /** Seconds since the last take (the increment to send with a save). */
  take() {
    const running = this.since !== null;
    this.pause();
    const out = Math.min(this.accrued, 86400);
    this.accrued = 0;
    if (running) this.resume();
    return Math.round(out * 1000) / 1000;
  }

  /** Give back seconds that a failed save did not record. */
  restore(seconds) {
    this.accrued += seconds;
  }

  elapsed() {
    return this.total + (this.since === null ? 0 : (performance.now() - this.since) / 1000);
  }

  stop() {
    document.removeEventListener("visibilitychange", this.onVisibility);
  }
}

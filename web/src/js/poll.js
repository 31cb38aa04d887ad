// Live refresh: runs a task every few seconds while the tab is visible, one run
// at a time (the next is scheduled when the previous ends, so timers never
// stack), and stops for good when the page's context is disposed.

export function createPoller(ctx, task, intervalMs = 2000) {
  let timer = 0;
  let running = false;
  let active = false;
  let disposed = false;

  const schedule = () => {
    clearTimeout(timer);
    timer = 0;
    if (disposed || !active || document.visibilityState !== 'visible') return;
    timer = setTimeout(tick, intervalMs);
  };

  async function tick() {
    timer = 0;
    if (disposed || !active || running) return;
    running = true;
    try {
      await task();
    } catch {
      /* the task shows its own errors */
    } finally {
      running = false;
      schedule();
    }
  }

  const onVisibility = () => {
    if (document.visibilityState === 'visible') {
      if (!running) tick();
    } else {
      clearTimeout(timer);
      timer = 0;
    }
  };
  document.addEventListener('visibilitychange', onVisibility);

  const dispose = () => {
    disposed = true;
    active = false;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
  ctx.onCleanup(dispose);

  return {
    // Starts refreshing (the first run after one interval).
    start() {
      if (disposed || active) return;
      active = true;
      if (!running) schedule();
    },
    stop() {
      active = false;
      clearTimeout(timer);
      timer = 0;
    },
    get active() { return active; },
  };
}

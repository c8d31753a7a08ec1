// Shared by the browser tests: Chromium's flags, and sequential steps that stop at the first
// failure. Not a test file itself (run.sh runs test/*.test.mjs).
import { test } from "node:test";

/** Flags for headless Debian Chromium in a container, without background traffic. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * A `step(name, fn)` for one journey: sequential tests sharing one page; once one fails the
 * rest are skipped, not piled on. `onFailure(err)` may add to the error before it is thrown.
 */
export function journey(onFailure = async () => {}) {
  let failed = false;
  return function step(name, fn) {
    test(name, async (t) => {
      if (failed) {
        t.skip("an earlier step failed");
        return;
      }
      try {
        await fn();
      } catch (err) {
        failed = true;
        await onFailure(err);
        throw err;
      }
    });
  };
}

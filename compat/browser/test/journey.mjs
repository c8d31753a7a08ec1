// Shared by the browser tests: Chromium's flags, sequential steps that stop at the first
// failure, and a login straight against the API. Not a test file itself (run.sh runs test/*.test.mjs).
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

/** A login straight against the client API, outside the browser: `{status, body}`. */
export async function loginOutsideTheBrowser(apiUrl, appId, provider, body) {
  const res = await fetch(`${apiUrl}/api/client/v2.0/app/${appId}/auth/providers/${provider}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

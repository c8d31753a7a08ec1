// The operator console (/console, served by Latchkey itself) in headless Chromium: the whole
// operator story on the admin API, with a user made through realm-web on the page of
// page/index.html. Started by ../run.sh, which provides both servers and the admin key.
//
// Env: LATCHKEY_URL, PAGE_URL, CHROMIUM (as browser.test.mjs), LATCHKEY_ADMIN_KEY (required),
//      SCREENSHOTS (directory, <repo>/target)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, journey, loginOutsideTheBrowser } from "./journey.mjs";
import * as Realm from "realm-web";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, "../../..");
const API_URL = (process.env.LATCHKEY_URL || "http://127.0.0.1:18180").replace(/\/+$/, "");
const CONSOLE_URL = `${API_URL}/console/`;
const PAGE_BASE = process.env.PAGE_URL || "http://127.0.0.1:18181/";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SCREENSHOTS = process.env.SCREENSHOTS || join(ROOT, "target");
const ADMIN_KEY = process.env.LATCHKEY_ADMIN_KEY || "";

const run = Date.now().toString(36);
const APP_ID = `console-${run}`;
const carol = { email: `carol-${run}@example.com`, password: "console walks the story" };
const HS256_KEY = "a-shared-secret-of-at-least-32-characters";
const KEY_PATTERN = /^lk_[0-9A-Za-z]{46,}$/;

/** Everything that must never happen in the console; checked after every action. */
const problems = [];
/** Failed responses one step provokes on purpose: [{status, path}], each consumed once. */
const expectedFailures = [];
const tolerated = [];
let browser;
let context;
let page;
let shot = 0;

function assertNoProblems() {
  assert.equal(problems.length, 0, `browser problems:\n  ${problems.join("\n  ")}`);
}

function expectFailure(status, path) {
  expectedFailures.push({ status, path, response: false, console: false });
}

before(async () => {
  assert.ok(ADMIN_KEY.length >= 32, "LATCHKEY_ADMIN_KEY (at least 32 characters) must be set; run.sh sets it");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(API_URL).origin });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const status = /status of (\d{3})/.exec(msg.text());
    const url = msg.location()?.url || "";
    const expected = status && expectedFailures.find((f) => !f.console && f.status === Number(status[1]) && url.includes(f.path));
    if (expected) {
      expected.console = true;
      tolerated.push(`console error: ${msg.text()} (${url})`);
      return;
    }
    problems.push(`console error: ${msg.text()} (${url})`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught page error: ${err.message}`));
  page.on("request", (req) => {
    if (req.url().includes(ADMIN_KEY)) problems.push(`the admin key is in a URL: ${req.method()} ${new URL(req.url()).pathname}`);
  });
  page.on("response", (res) => {
    if (res.status() < 400) return;
    const expected = expectedFailures.find((f) => !f.response && f.status === res.status() && res.url().includes(f.path));
    if (expected) {
      expected.response = true;
      return;
    }
    problems.push(`failed request: ${res.request().method()} ${res.url()} -> ${res.status()}`);
  });
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  await mkdir(SCREENSHOTS, { recursive: true });
});

after(async () => {
  for (const t of tolerated) console.log(`tolerated (provoked on purpose): ${t}`);
  await browser?.close().catch(() => {});
});

// --- helpers -------------------------------------------------------------------------------

async function screenshot(name) {
  shot += 1;
  const file = join(SCREENSHOTS, `console-${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

async function statusSeq(on = page) {
  return Number(await on.locator("#status").getAttribute("data-seq"));
}

/** Performs one console action and waits for its report; asserts success (or the failure asked for). */
async function act(perform, expected, { ok = true, on = page } = {}) {
  const before = await statusSeq(on);
  await perform();
  await on.waitForFunction((n) => Number(document.querySelector("#status")?.dataset.seq) >= n, before + 1);
  const status = on.locator("#status");
  const text = await status.textContent();
  assert.equal((await status.getAttribute("data-ok")) === "true", ok, `status: ${text}`);
  if (expected) assert.match(text, expected);
  if (on === page) assertNoProblems();
  return text;
}

async function admin(method, path, body) {
  const res = await fetch(`${API_URL}/api/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Out-of-browser checks, straight against the API (no realm-web). */
const apiLogin = (provider, body) => loginOutsideTheBrowser(API_URL, APP_ID, provider, body);

/** Every visible control without an accessible name (labels, aria-label(ledby), text, title). */
async function unnamedControls() {
  return page.evaluate(() => {
    const named = (el) => {
      if (el.getAttribute("aria-label")?.trim()) return true;
      const by = el.getAttribute("aria-labelledby");
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
      if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
      if ((el.tagName === "BUTTON" || el.tagName === "A") && el.textContent.trim()) return true;
      return Boolean(el.getAttribute("title")?.trim());
    };
    return [...document.querySelectorAll("button, input, select, textarea, a[href]")]
      .filter((el) => el.checkVisibility() && !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

async function assertAccessible(screen) {
  assert.deepEqual(await unnamedControls(), [], `controls without an accessible name on ${screen}`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
}

async function noHorizontalScroll() {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

async function goTo(screen) {
  await act(() => page.click(`#nav a[data-screen="${screen}"]`), null);
  assert.equal(await page.locator(`#screen-${screen}`).isVisible(), true);
}

// --- the operator's story ------------------------------------------------------------------

const state = {};
const step = journey(() => screenshot("failure").catch(() => {}));

step("the console is served by Latchkey and asks for an admin key", async () => {
  const res = await page.goto(CONSOLE_URL);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-type"], /^text\/html/);
  assert.match(res.headers()["content-security-policy"], /frame-ancestors 'none'/);
  await page.waitForFunction(() => Number(document.querySelector("#status")?.dataset.seq) >= 1);
  assert.equal(await page.locator("#status").textContent(), "ready: sign in with an admin key");
  assert.equal(await page.locator("#screen-signin").isVisible(), true);
  assert.equal(await page.locator("#nav").isVisible(), false);
  await assertAccessible("sign-in");
  await screenshot("signin");
});

step("a wrong admin key is refused in the API's words", async () => {
  expectFailure(401, "/api/admin/v1/apps");
  await act(async () => {
    await page.fill("#admin-key", "not-the-admin-key-but-long-enough-0123456789");
    await page.click("#signin-form button[type=submit]");
  }, /^error: sign in: invalid admin key$/, { ok: false });
  assert.equal(await page.locator("#error").textContent(), "sign in failed: invalid admin key");
  assert.equal(await page.locator("#screen-signin").isVisible(), true);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, "a refused key is not kept");
});

step("sign in: the apps screen lists the deployment's apps", async () => {
  await act(async () => {
    await page.fill("#admin-key", ADMIN_KEY);
    await page.click("#signin-form button[type=submit]");
  }, /^signed in: \d+ app\(s\)$/);
  assert.equal(await page.locator("#error").isHidden(), true);
  assert.equal(await page.locator("#screen-apps").isVisible(), true);
  assert.equal(await page.locator("#admin-key").inputValue(), "");
  assert.ok(!page.url().includes(ADMIN_KEY));
  const stored = await page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), session: Object.keys(sessionStorage) }));
  assert.ok(!stored.local.includes(ADMIN_KEY), "the admin key must not be in localStorage");
  assert.ok(stored.session.includes("latchkey.console.adminKey"));
  await assertAccessible("apps");
});

step("create an app, and see a validation message from the API", async () => {
  await act(async () => {
    await page.fill("#new-app-id", APP_ID);
    await page.click("#create-app-form button[type=submit]");
  }, new RegExp(`^created app ${APP_ID}$`));
  assert.equal(await page.locator(`#apps-table tr[data-app-id="${APP_ID}"]`).count(), 1);
  assert.equal(await page.locator("#settings-app").textContent(), APP_ID);
  assert.equal(await page.locator("#app-select").inputValue(), APP_ID);

  // HS256 without a signing key: the API says what is missing, and the console shows it.
  expectFailure(400, `/api/admin/v1/apps/${APP_ID}`);
  await act(async () => {
    await page.check("#ct-enabled");
    await page.selectOption("#ct-alg", "HS256");
    await page.click("#settings-form button[type=submit]");
  }, /^error: save settings of .*: .*HS256 needs signing_keys/, { ok: false });
  assert.match(await page.locator("#error").textContent(), /HS256 needs signing_keys, each at least 32 characters/);
});

step("enable custom JWT with an HS256 key and an audience, and set the key limit", async () => {
  await act(async () => {
    await page.fill("#ct-keys", HS256_KEY);
    await page.fill("#ct-audience", "console-test, other-audience");
    await page.fill("#key-limit", "3");
    await page.fill("#ct-metadata", '[{"name": "email", "field_name": "email", "required": false}]');
    await page.click("#settings-form button[type=submit]");
  }, new RegExp(`^saved settings of ${APP_ID}$`));
  assert.equal(await page.locator("#error").isHidden(), true);
  const app = await admin("GET", `/apps/${APP_ID}`);
  assert.equal(app.status, 200);
  const ct = app.body.providers["custom-token"];
  assert.equal(ct.enabled, true);
  assert.equal(ct.signing_algorithm, "HS256");
  assert.deepEqual(ct.audience, ["console-test", "other-audience"]);
  assert.equal(app.body.api_keys_max_per_user, 3);
  assert.deepEqual(ct.metadata_fields.map((f) => [f.name, f.field_name]), [["email", "email"]]);
  assert.ok(!JSON.stringify(app.body).includes(HS256_KEY), "signing keys are write-only");
  assert.equal(await page.locator("#ct-keys").inputValue(), "", "the form does not keep the secret");
  assert.equal(await page.locator("#ct-audience").inputValue(), "console-test, other-audience");
  await assertAccessible("app settings");
  await screenshot("app-settings");
});

step("create a server key: shown once, copied, and it logs in", async () => {
  await goTo("server-keys");
  await act(async () => {
    await page.fill("#server-key-name", "backend");
    await page.click("#create-server-key-form button[type=submit]");
  }, /^created server key backend$/);
  assert.equal(await page.locator("#new-key").isVisible(), true);
  assert.match(await page.locator("#new-key").textContent(), /shown once and never again/);
  const key = await page.locator("#new-key-value").inputValue();
  assert.match(key, KEY_PATTERN);
  await act(() => page.click("#copy-key"), /^copied the key to the clipboard$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
  const login = await apiLogin("api-key", { key });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  state.serverKey = key;
  assert.equal(await page.locator('#server-keys-table tr[data-key-name="backend"]').count(), 1);
  assert.ok(!(await page.locator("#server-keys-table").textContent()).includes(key), "the list never shows a value");
  await assertAccessible("server keys");
  await screenshot("server-key-created");

  await act(() => page.click("#hide-key"), /no longer shown/);
  assert.ok(!(await page.content()).includes(key), "the key value is gone from the page");
});

step("disable the server key: it no longer logs in", async () => {
  await act(() => page.click('#server-keys-table tr[data-key-name="backend"] button[aria-label="Disable server key backend"]'),
    /^disabled server key backend$/);
  assert.equal(await page.locator('#server-keys-table tr[data-key-name="backend"]').getAttribute("data-disabled"), "true");
  const login = await apiLogin("api-key", { key: state.serverKey });
  assert.equal(login.status, 401, JSON.stringify(login.body));
});

step("a user registers and logs in with realm-web on the app", async () => {
  const realm = await context.newPage();
  state.realm = realm;
  await realm.goto(`${PAGE_BASE}?${new URLSearchParams({ api: API_URL, app: APP_ID })}`);
  await realm.waitForFunction(() => Number(document.querySelector("#status")?.dataset.seq) >= 1);
  const realmAct = (perform, expected) => act(perform, expected, { on: realm });
  await realmAct(async () => {
    await realm.fill("#reg-email", carol.email);
    await realm.fill("#reg-password", carol.password);
    await realm.click("#register");
  }, /^registered /);
  await realmAct(async () => {
    await realm.fill("#login-email", carol.email);
    await realm.fill("#login-password", carol.password);
    await realm.click("#login");
  }, /^logged in as /);
  await realmAct(async () => {
    await realm.fill("#key-name", "laptop");
    await realm.click("#create-key");
  }, /^created API key laptop /);
  state.laptopKey = await realm.locator("#new-key-value").textContent();
  assert.match(state.laptopKey, KEY_PATTERN);
  state.carolId = await realm.locator("#current-user").getAttribute("data-user-id");
  assert.match(state.carolId, /^[0-9a-f]{24}$/);
  assert.equal((await apiLogin("api-key", { key: state.laptopKey })).status, 200);

  // The same user on a second device: realm-web in Node, whose profile call uses the access token.
  state.nodeApp = new Realm.App({ id: APP_ID, baseUrl: API_URL });
  state.nodeUser = await state.nodeApp.logIn(Realm.Credentials.emailPassword(carol.email, carol.password));
  assert.equal(state.nodeUser.id, state.carolId);
  await state.nodeUser.refreshProfile();
});

step("find the user by email and open them: identities, sessions, keys", async () => {
  await page.bringToFront();
  await goTo("users");
  await act(async () => {
    await page.fill("#user-email", carol.email.slice(0, 8));
    await page.click("#user-search-form button[type=submit]");
  }, /^1 user\(s\)$/);
  await act(() => page.click(`#users-table tr[data-user-id="${state.carolId}"] button`), /^user carol-.*: \d+ live session\(s\), 1 key\(s\)$/);
  assert.match(await page.locator("#user-identities").textContent(), /local-userpass/);
  assert.ok(await page.locator("#sessions-table tbody tr").count() >= 1, "carol's realm-web session is live");
  const keyRow = page.locator('#user-keys-table tr[data-key-name="laptop"]');
  assert.equal(await keyRow.getAttribute("data-disabled"), "false");
  assert.match(await keyRow.textContent(), /UTC/, "created and last-used times are shown");
  await assertAccessible("user");
  await screenshot("user");
});

step("disable the user's key: it no longer logs in", async () => {
  await act(() => page.click('#user-keys-table tr[data-key-name="laptop"] button[aria-label="Disable key laptop"]'),
    /^disabled key laptop$/);
  assert.equal(await page.locator('#user-keys-table tr[data-key-name="laptop"]').getAttribute("data-disabled"), "true");
  assert.equal((await apiLogin("api-key", { key: state.laptopKey })).status, 401);
});

step("end all the user's sessions: realm-web gets 401, its refresh fails, it is logged out", async () => {
  await act(() => page.click("#end-all-sessions"), /^ended every session of carol-/);
  assert.equal(await page.locator("#sessions-table tbody tr").count(), 0);

  // Node: the access token is refused (401), realm-web refreshes it, the refresh is refused
  // too, and realm-web drops its tokens: the user is logged out.
  const user = state.nodeUser;
  await assert.rejects(user.refreshProfile(), (err) => {
    assert.equal(err.statusCode, 401, String(err));
    return true;
  });
  assert.equal(user.isLoggedIn, false, `state ${user.state}`);
  assert.equal(user.refreshToken, null);
  assert.equal(state.nodeApp.currentUser, null);

  // The browser page: its key list is read with the refresh token, refused at once; realm-web
  // drops the tokens and the page shows nobody logged in.
  const realm = state.realm;
  const seen = [];
  realm.on("response", (res) => seen.push(`${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`));
  const text = await act(() => realm.click("#refresh-keys"), /^error: reload keys: invalid session/, { ok: false, on: realm });
  assert.ok(seen.includes("GET /api/client/v2.0/auth/api_keys 401"), `the ended session is refused: ${seen} (${text})`);
  assert.equal(await realm.locator("#current-user").textContent(), "Not logged in");
  await realm.close();
});

step("the audit trail shows what happened, filtered and paged, with the 24-hour chart", async () => {
  // More than one page of events: the server key enabled and disabled again, through the API.
  const keys = await admin("GET", `/apps/${APP_ID}/api_keys`);
  for (let i = 0; i < 4; i += 1) {
    for (const verb of ["enable", "disable"]) {
      assert.equal((await admin("PUT", `/apps/${APP_ID}/api_keys/${keys.body[0]._id}/${verb}`)).status, 204);
    }
  }
  await goTo("audit");
  const types = await page.$$eval("#audit-table tbody tr", (rows) => rows.map((r) => r.dataset.type));
  for (const type of ["session.end", "api_key.disable", "api_key.enable", "login", "register", "api_key.create"]) {
    assert.ok(types.includes(type), `${type} in ${types}`);
  }
  const chart = page.locator("#chart-svg svg");
  assert.ok(Number(await chart.getAttribute("data-success")) >= 2, "carol's and the server key's logins are counted");
  assert.ok(Number(await chart.getAttribute("data-failure")) >= 2, "the disabled keys' logins are counted as failures");
  assert.match(await chart.getAttribute("aria-label"), /successful and \d+ failed logins in the last 24 hours/);

  await act(async () => {
    await page.fill("#audit-type", "session.end");
    await page.click("#audit-filter-form button[type=submit]");
  }, /^1 event\(s\)$/);
  assert.deepEqual(await page.$$eval("#audit-table tbody tr", (rows) => rows.map((r) => r.dataset.type)), ["session.end"]);
  assert.match(await page.locator("#audit-table tbody").textContent(), /admin:config/);

  await act(async () => {
    await page.fill("#audit-type", "login");
    await page.click("#audit-filter-form button[type=submit]");
  }, /event\(s\)/);
  assert.ok((await page.$$eval("#audit-table tbody tr", (rows) => rows.map((r) => r.dataset.outcome))).includes("failure"));

  // Paging: more events than one page exist once the filter is off; the next page is older.
  await act(async () => {
    await page.fill("#audit-type", "");
    await page.click("#audit-filter-form button[type=submit]");
  }, /event\(s\)/);
  const firstPage = await page.$$eval("#audit-table tbody tr", (rows) => rows.map((r) => r.textContent));
  assert.equal(firstPage.length, 20, "a page holds 20 events");
  assert.equal(await page.locator("#audit-next").isVisible(), true);
  await act(() => page.click("#audit-next"), /^\d+ event\(s\)/);
  const secondPage = await page.$$eval("#audit-table tbody tr", (rows) => rows.map((r) => r.textContent));
  assert.ok(secondPage.length >= 1);
  assert.ok(secondPage.every((row) => !firstPage.includes(row)), "the next page holds older events only");
  const olderTypes = await page.$$eval("#audit-table tbody tr", (rows) => rows.map((r) => r.dataset.type));
  assert.ok(olderTypes.includes("admin.app.update"), `the settings change is on the older page: ${olderTypes}`);
  assert.equal(olderTypes.at(-1), "admin.app.create", "the oldest event is the app's creation");
  await assertAccessible("audit");
  await screenshot("audit");
});

step("phone width: every screen fits 390 px without horizontal scrolling", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const screen of ["apps", "users", "server-keys", "audit"]) {
    await goTo(screen);
    assert.ok(await noHorizontalScroll(), `${screen} scrolls sideways at 390 px`);
    await assertAccessible(`${screen} (phone)`);
  }
  await goTo("users");
  await screenshot("phone-users");
  await page.setViewportSize({ width: 1280, height: 900 });
});

step("sign out: the key is forgotten and the console asks again", async () => {
  await act(() => page.click("#sign-out"), /^signed out$/);
  assert.equal(await page.locator("#screen-signin").isVisible(), true);
  assert.equal(await page.locator("#nav").isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("latchkey.console.adminKey")), null);
  assert.ok(!(await page.content()).includes(ADMIN_KEY));
  await page.reload();
  await page.waitForFunction(() => Number(document.querySelector("#status")?.dataset.seq) >= 1);
  assert.equal(await page.locator("#screen-signin").isVisible(), true);
  await screenshot("signed-out");
});

test("no console errors, failed requests or unexpected error responses in the console", () => {
  assertNoProblems();
  const unmet = expectedFailures.filter((f) => !f.response);
  assert.deepEqual(unmet, [], "every provoked failure happened");
});

// Latchkey console: plain ES modules on the admin API. Each screen loads what it shows; each
// action reports in #status (data-seq counts finished actions, data-ok their outcome) and
// every failure in #error, in the API's words.
import { api, adminKey, path, query, ApiError } from "./api.js";
import { loginChart } from "./chart.js";

const $ = (selector) => document.querySelector(selector);
const SCREENS = ["apps", "users", "server-keys", "audit"];
const APP = "latchkey.console.app";
const PAGE = 20;

const state = { editing: null, apps: [], app: sessionStorage.getItem(APP) || "", screen: "apps", usersNext: null, auditNext: null, user: null };

// --- reporting ------------------------------------------------------------------------------

const statusEl = $("#status");
const errorEl = $("#error");

function report(text, ok) {
  statusEl.textContent = text;
  statusEl.dataset.ok = String(ok);
  statusEl.dataset.seq = String(Number(statusEl.dataset.seq) + 1);
}

function showError(text) {
  errorEl.textContent = text;
  errorEl.hidden = false;
}

/** Runs one operator action: its message on success, the API's error otherwise; never silent. */
async function run(label, action) {
  errorEl.hidden = true;
  errorEl.textContent = "";
  try {
    const message = await action();
    report(message || `${label}: done`, true);
  } catch (err) {
    const words = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    report(`error: ${label}: ${words}`, false);
    showError(`${label} failed: ${words}`);
    // A refused admin key (wrong, deleted) ends the console's session; the error stays on screen.
    if (err instanceof ApiError && err.status === 401 && err.code === "AuthError") signOut();
  }
}

window.addEventListener("unhandledrejection", (event) => showError(`unexpected failure: ${event.reason}`));

// --- small DOM helpers ----------------------------------------------------------------------

function cell(content, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? "";
  return td;
}

function code(text) {
  const c = document.createElement("code");
  c.textContent = text ?? "";
  return c;
}

function button(text, label, onClick, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  if (className) b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

function actions(...buttons) {
  const td = cell("", "actions");
  td.append(...buttons);
  return td;
}

function when(iso, never = "never") {
  if (!iso) return never;
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function stateCell(disabled) {
  return cell(disabled ? "disabled" : "enabled", disabled ? "state-disabled" : "");
}

const appPath = (...rest) => path("apps", state.app, ...rest);

/** A confirmation step for destructive actions; resolves to true when the operator confirms. */
function confirmStep(text) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  $("#confirm-cancel").focus();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

// --- session and navigation -----------------------------------------------------------------

function showScreen(name) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== `screen-${name}`;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.screen === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function screenFromHash() {
  const name = location.hash.replace(/^#/, "");
  return SCREENS.includes(name) ? name : "apps";
}

async function open(name) {
  state.screen = name;
  showScreen(name);
  for (const span of document.querySelectorAll(".app-name")) span.textContent = state.app;
  hideNewKey();
  if (name === "apps") return loadApps();
  if (!state.app) throw new Error("create an app first");
  if (name === "users") return loadUsers(null);
  if (name === "server-keys") return loadServerKeys();
  return loadAudit(null);
}

function renderAppSelect() {
  const select = $("#app-select");
  select.replaceChildren(...state.apps.map((a) => new Option(a.id, a.id, false, a.id === state.app)));
}

function chooseApp(id) {
  state.app = id || "";
  if (id) sessionStorage.setItem(APP, id);
  else sessionStorage.removeItem(APP);
  renderAppSelect();
}

async function fetchApps() {
  state.apps = await api("GET", "/apps");
  if (!state.apps.some((a) => a.id === state.app)) chooseApp(state.apps[0]?.id);
  else renderAppSelect();
}

function signedIn() {
  $("#nav").hidden = false;
  $("#session").hidden = false;
}

function signOut() {
  adminKey.clear();
  $("#admin-key").value = "";
  $("#nav").hidden = true;
  $("#session").hidden = true;
  hideNewKey();
  for (const body of document.querySelectorAll("tbody")) body.replaceChildren();
  $("#settings-form").hidden = true;
  $("#user-detail").hidden = true;
  $("#chart-svg").replaceChildren();
  state.user = null;
  showScreen("signin");
  $("#admin-key").focus();
}

$("#signin-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("#admin-key");
  adminKey.set(input.value.trim());
  input.value = "";
  run("sign in", async () => {
    try {
      await fetchApps();
    } catch (err) {
      adminKey.clear();
      throw err;
    }
    signedIn();
    await open(screenFromHash());
    return `signed in: ${state.apps.length} app(s)`;
  });
});

$("#sign-out").addEventListener("click", () => {
  signOut();
  report("signed out", true);
});

$("#app-select").addEventListener("change", (e) => {
  chooseApp(e.target.value);
  run(`open app ${state.app}`, async () => {
    $("#settings-form").hidden = true;
    $("#user-detail").hidden = true;
    await open(state.screen);
    return `app ${state.app}`;
  });
});

// The link of the screen on show loads it again (no hashchange then).
$("#nav").addEventListener("click", (e) => {
  const link = e.target.closest("a[data-screen]");
  if (!link || link.hash !== location.hash) return;
  e.preventDefault();
  run(`reload ${link.dataset.screen}`, async () => {
    await open(link.dataset.screen);
    return `${link.dataset.screen} of ${state.app}`;
  });
});

window.addEventListener("hashchange", () => {
  if (!adminKey.present()) return;
  const name = screenFromHash();
  run(`open ${name}`, async () => {
    await open(name);
    $("#main").focus();
    return `${name} of ${state.app}`;
  });
});

// --- apps -------------------------------------------------------------------------------------

function enabledProviders(app) {
  return Object.entries(app.providers || {}).filter(([, p]) => p && p.enabled).map(([name]) => name).join(", ") || "none";
}

async function loadApps() {
  await fetchApps();
  $("#apps-table tbody").replaceChildren(...state.apps.map((app) => {
    const tr = document.createElement("tr");
    tr.dataset.appId = app.id;
    tr.append(cell(code(app.id)), cell(enabledProviders(app)), cell(String(app.api_keys_max_per_user)),
      actions(button("Edit settings", `Edit settings of ${app.id}`, () => run(`open settings of ${app.id}`, async () => {
        chooseApp(app.id);
        editSettings(await api("GET", path("apps", app.id)));
        return `settings of ${app.id}`;
      }))));
    return tr;
  }));
  return `${state.apps.length} app(s)`;
}

function mode(urlOne, urlTwo, fallback) {
  if (urlOne) return ["email", urlOne];
  if (urlTwo) return ["webhook", urlTwo];
  return [fallback, ""];
}

function editSettings(app) {
  const lu = app.providers["local-userpass"] || {};
  const ct = app.providers["custom-token"] || {};
  state.editing = app;
  $("#settings-app").textContent = app.id;
  $("#lu-enabled").checked = Boolean(lu.enabled);
  const [confirmMode, confirmUrl] = lu.auto_confirm === false ? mode(lu.email_confirmation_url, lu.confirmation_webhook_url, "email") : ["auto", ""];
  $("#lu-confirm-mode").value = confirmMode;
  $("#lu-confirm-url").value = confirmUrl;
  const [resetMode, resetUrl] = mode(lu.reset_password_url, lu.reset_webhook_url, "none");
  $("#lu-reset-mode").value = resetMode;
  $("#lu-reset-url").value = resetUrl;
  $("#lu-webhook-secret").value = "";
  $("#anon-enabled").checked = Boolean(app.providers["anon-user"]?.enabled);
  $("#apikey-enabled").checked = Boolean(app.providers["api-key"]?.enabled);
  $("#key-limit").value = app.api_keys_max_per_user;
  $("#ct-enabled").checked = Boolean(ct.enabled);
  $("#ct-alg").value = ct.signing_algorithm || "";
  $("#ct-keys").value = "";
  $("#ct-jwks").value = ct.jwks_uri || "";
  $("#ct-audience").value = (ct.audience || []).join(", ");
  $("#ct-any-audience").checked = Boolean(ct.require_any_audience);
  $("#ct-metadata").value = ct.metadata_fields && ct.metadata_fields.length ? JSON.stringify(ct.metadata_fields) : "";
  $("#settings-form").hidden = false;
}

/** The form as a JSON merge patch; write-only secrets only when typed in. */
function settingsPatch() {
  const value = (selector) => $(selector).value.trim() || null;
  const confirmMode = $("#lu-confirm-mode").value;
  const resetMode = $("#lu-reset-mode").value;
  const lu = {
    enabled: $("#lu-enabled").checked,
    auto_confirm: confirmMode === "auto",
    email_confirmation_url: confirmMode === "email" ? value("#lu-confirm-url") : null,
    confirmation_webhook_url: confirmMode === "webhook" ? value("#lu-confirm-url") : null,
    reset_password_url: resetMode === "email" ? value("#lu-reset-url") : null,
    reset_webhook_url: resetMode === "webhook" ? value("#lu-reset-url") : null,
  };
  if ($("#lu-webhook-secret").value) lu.webhook_secret = $("#lu-webhook-secret").value;
  const audience = $("#ct-audience").value.split(",").map((a) => a.trim()).filter(Boolean);
  const ct = {
    enabled: $("#ct-enabled").checked,
    signing_algorithm: value("#ct-alg"),
    jwks_uri: value("#ct-jwks"),
    audience: audience.length ? audience : null,
    require_any_audience: $("#ct-any-audience").checked,
  };
  const metadata = $("#ct-metadata").value.trim();
  if (metadata) {
    try {
      ct.metadata_fields = JSON.parse(metadata);
    } catch (err) {
      throw new Error(`metadata fields are not JSON: ${err.message}`);
    }
  } else {
    ct.metadata_fields = null;
  }
  const keys = $("#ct-keys").value.split("\n").map((k) => k.trim()).filter(Boolean);
  if (keys.length) ct.signing_keys = keys;
  const providers = { "local-userpass": lu, "anon-user": { enabled: $("#anon-enabled").checked },
    "api-key": { enabled: $("#apikey-enabled").checked }, "custom-token": ct };
  // Only what changed, so that the audit trail names the settings the operator touched.
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const patch = {};
  for (const [name, settings] of Object.entries(providers)) {
    const current = state.editing.providers[name] || {};
    const changed = Object.fromEntries(Object.entries(settings).filter(([field, v]) => !same(v, current[field])));
    if (Object.keys(changed).length) (patch.providers ??= {})[name] = changed;
  }
  const limit = $("#key-limit").value.trim();
  if (limit !== "" && !same(Number(limit), state.editing.api_keys_max_per_user)) patch.api_keys_max_per_user = Number(limit);
  return patch;
}

$("#create-app-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("#new-app-id").value.trim();
  run(`create app ${id}`, async () => {
    const app = await api("POST", "/apps", { id });
    $("#new-app-id").value = "";
    chooseApp(app.id);
    await loadApps();
    editSettings(app);
    return `created app ${app.id}`;
  });
});

$("#settings-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("#settings-app").textContent;
  run(`save settings of ${id}`, async () => {
    const patch = settingsPatch();
    if (!Object.keys(patch).length) return `no change to the settings of ${id}`;
    const app = await api("PATCH", path("apps", id), patch, "application/merge-patch+json");
    editSettings(app);
    await loadApps();
    return `saved settings of ${id}`;
  });
});

$("#delete-app").addEventListener("click", () => {
  const id = $("#settings-app").textContent;
  run(`delete app ${id}`, async () => {
    if (!(await confirmStep(`Delete app ${id} with all its users, keys and sessions? This cannot be undone.`))) return "cancelled";
    await api("DELETE", path("apps", id));
    $("#settings-form").hidden = true;
    await loadApps();
    return `deleted app ${id}`;
  });
});

// --- users ------------------------------------------------------------------------------------

async function loadUsers(after) {
  const page = await api("GET", appPath("users") + query({ email: $("#user-email").value.trim(), limit: PAGE, after }));
  state.usersNext = page.next;
  $("#users-next").hidden = !page.next;
  $("#users-table tbody").replaceChildren(...page.users.map((user) => {
    const tr = document.createElement("tr");
    tr.dataset.userId = user.id;
    tr.dataset.email = user.email || "";
    tr.append(cell(user.email || "(no email)"), cell(code(user.id)), cell(user.type), stateCell(user.disabled), cell(when(user.created_at), "when"),
      actions(button("Open", `Open user ${user.email || user.id}`, () => run(`open user ${user.id}`, () => openUser(user.id)))));
    return tr;
  }));
  return `${page.users.length} user(s)${page.next ? ", more on the next page" : ""}`;
}

async function openUser(userId) {
  const user = await api("GET", appPath("users", userId));
  state.user = user;
  const detail = $("#user-detail");
  detail.dataset.userId = user.id;
  detail.dataset.disabled = String(user.disabled);
  $("#user-id").textContent = user.email || user.id;
  $("#user-summary").textContent = `id ${user.id} · ${user.type} · ${user.disabled ? "disabled" : "enabled"} · created ${when(user.created_at)}`;
  $("#user-identities").replaceChildren(...user.identities.map((i) => {
    const li = document.createElement("li");
    li.textContent = `${i.provider_type}: ${i.provider_id}`;
    return li;
  }));
  $("#sessions-table tbody").replaceChildren(...user.sessions.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.sessionId = s.id;
    tr.append(cell(code(s.id)), cell(s.provider_type), cell(when(s.created_at), "when"), cell(when(s.expires_at), "when"),
      actions(button("End", `End session ${s.id}`, () => run(`end session ${s.id}`, async () => {
        await api("DELETE", appPath("users", user.id, "sessions", s.id));
        await openUser(user.id);
        return `ended session ${s.id}`;
      }))));
    return tr;
  }));
  $("#end-all-sessions").disabled = user.sessions.length === 0;
  $("#user-keys-table tbody").replaceChildren(...user.api_keys.map((k) => {
    const tr = document.createElement("tr");
    tr.dataset.keyId = k._id;
    tr.dataset.keyName = k.name;
    tr.dataset.disabled = String(k.disabled);
    const verb = k.disabled ? "enable" : "disable";
    tr.append(cell(k.name), stateCell(k.disabled), cell(when(k.created_at), "when"), cell(when(k.expires_at), "when"), cell(when(k.last_used_at), "when"),
      actions(
        button(k.disabled ? "Enable" : "Disable", `${k.disabled ? "Enable" : "Disable"} key ${k.name}`, () => run(`${verb} key ${k.name}`, async () => {
          await api("PUT", appPath("users", user.id, "api_keys", k._id, verb));
          await openUser(user.id);
          return `${verb}d key ${k.name}`;
        })),
        button("Delete", `Delete key ${k.name}`, () => run(`delete key ${k.name}`, async () => {
          if (!(await confirmStep(`Delete key ${k.name}? Its sessions end.`))) return "cancelled";
          await api("DELETE", appPath("users", user.id, "api_keys", k._id));
          await openUser(user.id);
          return `deleted key ${k.name}`;
        }), "danger")));
    return tr;
  }));
  $("#toggle-user").textContent = user.disabled ? "Enable user" : "Disable user";
  detail.hidden = false;
  return `user ${user.email || user.id}: ${user.sessions.length} live session(s), ${user.api_keys.length} key(s)`;
}

$("#user-search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  run("search users", () => loadUsers(null));
});

$("#users-next").addEventListener("click", () => run("next page of users", () => loadUsers(state.usersNext)));

$("#end-all-sessions").addEventListener("click", () => {
  const user = state.user;
  run(`end the sessions of ${user.id}`, async () => {
    await api("DELETE", appPath("users", user.id, "sessions"));
    await openUser(user.id);
    return `ended every session of ${user.email || user.id}`;
  });
});

$("#toggle-user").addEventListener("click", () => {
  const user = state.user;
  const verb = user.disabled ? "enable" : "disable";
  run(`${verb} user ${user.id}`, async () => {
    if (verb === "disable" && !(await confirmStep(`Disable ${user.email || user.id}? Their sessions end and every login is refused.`))) {
      return "cancelled";
    }
    await api("PUT", appPath("users", user.id, verb));
    await openUser(user.id);
    await loadUsers(null);
    return `${verb}d user ${user.email || user.id}`;
  });
});

$("#delete-user").addEventListener("click", () => {
  const user = state.user;
  run(`delete user ${user.id}`, async () => {
    if (!(await confirmStep(`Delete ${user.email || user.id} with their identities, keys and sessions? This cannot be undone.`))) {
      return "cancelled";
    }
    await api("DELETE", appPath("users", user.id));
    $("#user-detail").hidden = true;
    state.user = null;
    await loadUsers(null);
    return `deleted user ${user.email || user.id}`;
  });
});

// --- server keys ------------------------------------------------------------------------------

function hideNewKey() {
  $("#new-key").hidden = true;
  $("#new-key-value").value = "";
  $("#new-key-name").textContent = "";
}

async function loadServerKeys() {
  const keys = await api("GET", appPath("api_keys"));
  $("#server-keys-table tbody").replaceChildren(...keys.map((k) => {
    const tr = document.createElement("tr");
    tr.dataset.keyId = k._id;
    tr.dataset.keyName = k.name;
    tr.dataset.disabled = String(k.disabled);
    const verb = k.disabled ? "enable" : "disable";
    tr.append(cell(k.name), stateCell(k.disabled), cell(when(k.created_at), "when"), cell(when(k.last_used_at), "when"),
      actions(
        button(k.disabled ? "Enable" : "Disable", `${k.disabled ? "Enable" : "Disable"} server key ${k.name}`, () => run(`${verb} server key ${k.name}`, async () => {
          await api("PUT", appPath("api_keys", k._id, verb));
          await loadServerKeys();
          return `${verb}d server key ${k.name}`;
        })),
        button("Delete", `Delete server key ${k.name}`, () => run(`delete server key ${k.name}`, async () => {
          if (!(await confirmStep(`Delete server key ${k.name}? Everything logged in with it is logged out.`))) return "cancelled";
          await api("DELETE", appPath("api_keys", k._id));
          await loadServerKeys();
          return `deleted server key ${k.name}`;
        }), "danger")));
    return tr;
  }));
  return `${keys.length} server key(s)`;
}

$("#create-server-key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("#server-key-name").value.trim();
  run(`create server key ${name}`, async () => {
    hideNewKey();
    const created = await api("POST", appPath("api_keys"), { name });
    $("#server-key-name").value = "";
    $("#new-key-name").textContent = created.name;
    $("#new-key-value").value = created.key;
    $("#new-key").hidden = false;
    $("#copy-key").focus();
    await loadServerKeys();
    return `created server key ${created.name}`;
  });
});

$("#copy-key").addEventListener("click", () => run("copy the key", async () => {
  const field = $("#new-key-value");
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();
    if (!document.execCommand("copy")) throw new Error("the browser refused to copy; select the key and copy it by hand");
  }
  return "copied the key to the clipboard";
}));

$("#hide-key").addEventListener("click", () => {
  hideNewKey();
  report("the key is no longer shown", true);
});

// --- audit ------------------------------------------------------------------------------------

async function loadAudit(after) {
  const filters = { type: $("#audit-type").value.trim(), user_id: $("#audit-user").value.trim(), limit: PAGE, after };
  const [page, stats] = await Promise.all([
    api("GET", appPath("audit") + query(filters)),
    after ? null : api("GET", appPath("audit", "stats") + query({ hours: 24 })),
  ]);
  if (stats) $("#chart-svg").replaceChildren(loginChart(stats.logins));
  state.auditNext = page.next;
  $("#audit-next").hidden = !page.next;
  $("#audit-table tbody").replaceChildren(...page.events.map((ev) => {
    const tr = document.createElement("tr");
    tr.dataset.type = ev.type;
    tr.dataset.outcome = ev.outcome;
    const detail = ev.detail && Object.keys(ev.detail).length ? JSON.stringify(ev.detail) : "";
    tr.append(cell(when(ev.at), "when"), cell(ev.type), cell(ev.outcome), cell(ev.actor), cell(ev.user_id ? code(ev.user_id) : ""),
      cell(code(ev.api_key_id || ev.session_id || "")), cell(ev.address), cell(code(detail), "wrap"));
    return tr;
  }));
  return `${page.events.length} event(s)${page.next ? ", older ones on the next page" : ""}`;
}

$("#audit-filter-form").addEventListener("submit", (e) => {
  e.preventDefault();
  run("filter the audit trail", () => loadAudit(null));
});

$("#audit-next").addEventListener("click", () => run("older events", () => loadAudit(state.auditNext)));

// --- start ------------------------------------------------------------------------------------

if (adminKey.present()) {
  run("restore the session", async () => {
    await fetchApps();
    signedIn();
    await open(screenFromHash());
    return `signed in: ${state.apps.length} app(s)`;
  });
} else {
  showScreen("signin");
  report("ready: sign in with an admin key", true);
}

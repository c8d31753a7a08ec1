// Latchkey browser demo: a small UI that talks to Latchkey only through the unmodified
// realm-web 2.0.1 SDK (the global `Realm` from its IIFE bundle).
//
// Query parameters (optional): ?api=<Latchkey base URL>&app=<app id>
// Every action reports through #status: data-seq is bumped once the action has finished,
// data-ok says whether it worked; the end-to-end test waits on that.
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const API_URL = params.get("api") || "http://127.0.0.1:18180";
  const APP_ID = params.get("app") || "browser-app";

  const app = new Realm.App({ id: APP_ID, baseUrl: API_URL });

  const $ = (sel) => document.querySelector(sel);
  const statusEl = $("#status");
  const userEl = $("#current-user");
  const keysBody = $("#keys tbody");
  const keysEmpty = $("#keys-empty");
  const newKeyBox = $("#new-key");
  let seq = 0;
  let busy = false;

  $("#api-url").textContent = API_URL;
  $("#app-id").textContent = APP_ID;

  function log(text, ok) {
    const li = document.createElement("li");
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    if (!ok) li.className = "err";
    $("#log").append(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function setStatus(text, ok) {
    seq += 1;
    statusEl.textContent = text;
    statusEl.dataset.ok = String(ok);
    statusEl.dataset.seq = String(seq);
    log(text, ok);
  }

  function describeError(err) {
    if (err && typeof err === "object" && "statusCode" in err) {
      // Realm.MongoDBRealmError: the server's error body, parsed by realm-web.
      return `${err.error || err.message} [${err.errorCode || "?"}, HTTP ${err.statusCode}]`;
    }
    return err && err.message ? err.message : String(err);
  }

  // Runs one user action: shows progress, then exactly one final status (ok or error).
  async function run(label, action) {
    if (busy) return;
    busy = true;
    statusEl.textContent = `${label}…`;
    statusEl.dataset.ok = "pending";
    try {
      const message = await action();
      setStatus(message || `${label}: done`, true);
    } catch (err) {
      setStatus(`error: ${label}: ${describeError(err)}`, false);
    } finally {
      busy = false;
      renderUser();
    }
  }

  function currentUser() {
    const user = app.currentUser;
    if (!user) throw new Error("nobody is logged in");
    return user;
  }

  function renderUser() {
    const user = app.currentUser;
    if (!user) {
      userEl.textContent = "Not logged in";
      userEl.dataset.userId = "";
      userEl.dataset.provider = "";
      userEl.dataset.email = "";
      userEl.dataset.identities = "";
      return;
    }
    const email = (user.profile && user.profile.email) || "";
    const identities = (user.identities || []).map((i) => i.providerType).join(",");
    userEl.textContent =
      `Logged in as ${email || "(no email)"} · id ${user.id} · via ${user.providerType}` +
      ` · identities: ${identities || "?"}`;
    userEl.dataset.userId = user.id;
    userEl.dataset.provider = user.providerType;
    userEl.dataset.email = email;
    userEl.dataset.identities = identities;
  }

  function hideNewKey() {
    newKeyBox.hidden = true;
    $("#new-key-name").textContent = "";
    $("#new-key-value").textContent = "";
  }

  function clearKeys(message) {
    keysBody.replaceChildren();
    keysEmpty.hidden = false;
    keysEmpty.textContent = message;
  }

  function renderKeys(keys) {
    keysBody.replaceChildren();
    for (const key of keys) {
      const tr = document.createElement("tr");
      tr.dataset.keyId = String(key._id);
      tr.dataset.keyName = key.name;
      tr.dataset.disabled = String(key.disabled);
      const name = document.createElement("td");
      name.className = "name";
      name.textContent = key.name;
      const id = document.createElement("td");
      id.innerHTML = "<code></code>";
      id.firstChild.textContent = String(key._id);
      const state = document.createElement("td");
      state.className = "state";
      state.textContent = key.disabled ? "disabled" : "enabled";
      const actions = document.createElement("td");
      for (const [cls, label] of [["enable", "Enable"], ["disable", "Disable"], ["delete", "Delete"]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = cls + (cls === "delete" ? " danger" : "");
        b.textContent = label;
        b.dataset.action = cls;
        if ((cls === "enable" && !key.disabled) || (cls === "disable" && key.disabled)) b.disabled = true;
        actions.append(b);
      }
      tr.append(name, id, state, actions);
      keysBody.append(tr);
    }
    keysEmpty.hidden = keys.length > 0;
    keysEmpty.textContent = keys.length ? "" : "This user has no API keys.";
  }

  async function loadKeys() {
    const keys = await currentUser().apiKeys.fetchAll();
    renderKeys(keys);
    return keys;
  }

  // --- account ---------------------------------------------------------------------------

  $("#register-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const email = $("#reg-email").value.trim();
    const password = $("#reg-password").value;
    run("register", async () => {
      await app.emailPasswordAuth.registerUser({ email, password });
      $("#reg-password").value = "";
      return `registered ${email}`;
    });
  });

  $("#login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const email = $("#login-email").value.trim();
    const password = $("#login-password").value;
    run("log in", async () => {
      hideNewKey();
      const user = await app.logIn(Realm.Credentials.emailPassword(email, password));
      $("#login-password").value = "";
      await loadKeys();
      return `logged in as ${user.profile.email || email} (${user.id})`;
    });
  });

  $("#key-login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("#key-value").value.trim();
    run("log in with key", async () => {
      hideNewKey();
      clearKeys("API-key sessions cannot manage keys.");
      const user = await app.logIn(Realm.Credentials.apiKey(key));
      $("#key-value").value = "";
      return `logged in with API key as ${user.id}`;
    });
  });

  $("#anon-login").addEventListener("click", () => {
    run("continue anonymously", async () => {
      hideNewKey();
      clearKeys("Anonymous users cannot manage keys; link an email/password first.");
      const user = await app.logIn(Realm.Credentials.anonymous());
      return `logged in anonymously as ${user.id}`;
    });
  });

  $("#logout").addEventListener("click", () => {
    run("log out", async () => {
      hideNewKey();
      const user = currentUser();
      // Log out and forget the user on this device (realm-web would otherwise reuse the
      // stored user object, with its old provider type, at the next login of the same id).
      await app.removeUser(user);
      clearKeys("No keys loaded.");
      return `logged out ${user.id}`;
    });
  });

  $("#delete-user").addEventListener("click", () => {
    run("delete user", async () => {
      hideNewKey();
      const user = currentUser();
      await app.deleteUser(user);
      clearKeys("No keys loaded.");
      return `deleted user ${user.id}`;
    });
  });

  $("#link-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const email = $("#link-email").value.trim();
    const password = $("#link-password").value;
    run("link email/password", async () => {
      hideNewKey();
      const user = currentUser();
      await app.emailPasswordAuth.registerUser({ email, password });
      await user.linkCredentials(Realm.Credentials.emailPassword(email, password));
      $("#link-password").value = "";
      return `linked ${email} to user ${user.id}`;
    });
  });

  // --- API keys --------------------------------------------------------------------------

  $("#create-key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("#key-name").value.trim();
    run("create API key", async () => {
      hideNewKey();
      const created = await currentUser().apiKeys.create(name);
      // The only time the key value exists on the client: show it once, never store it.
      $("#new-key-name").textContent = created.name;
      $("#new-key-value").textContent = created.key;
      newKeyBox.hidden = false;
      $("#key-name").value = "";
      await loadKeys();
      return `created API key ${created.name} (${created._id})`;
    });
  });

  $("#refresh-keys").addEventListener("click", () => {
    run("reload keys", async () => {
      hideNewKey();
      const keys = await loadKeys();
      return `loaded ${keys.length} API key(s)`;
    });
  });

  keysBody.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const { keyId, keyName } = row.dataset;
    const action = button.dataset.action;
    run(`${action} key ${keyName}`, async () => {
      hideNewKey();
      const apiKeys = currentUser().apiKeys;
      if (action === "enable") await apiKeys.enable(keyId);
      else if (action === "disable") await apiKeys.disable(keyId);
      else await apiKeys.delete(keyId);
      await loadKeys();
      return `${action}d key ${keyName}`;
    });
  });

  // --- start -----------------------------------------------------------------------------

  renderUser();
  const restored = app.currentUser;
  if (restored && restored.providerType === "local-userpass") {
    // A returning email/password user (realm-web keeps the session in localStorage).
    run("restore session", async () => {
      const keys = await loadKeys();
      return `ready: restored ${restored.id}, ${keys.length} API key(s)`;
    });
  } else {
    setStatus(restored ? `ready: restored ${restored.id}` : "ready", true);
  }
})();

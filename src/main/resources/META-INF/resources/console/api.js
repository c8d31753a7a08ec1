// The admin API, and nothing else: every call of the console goes through here.
// The admin key lives in this tab's sessionStorage only, and travels in the Authorization
// header, never in a URL.

const KEY = "latchkey.console.adminKey";
const BASE = "/api/admin/v1";

/** A failed request, in the API's words (its `error` field). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const adminKey = {
  present: () => Boolean(sessionStorage.getItem(KEY)),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** A path from segments, each encoded: `path("apps", id, "users")` is `/apps/<id>/users`. */
export function path(...segments) {
  return segments.map((s) => "/" + encodeURIComponent(s)).join("");
}

/** A query string without the empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") q.set(name, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** Calls the admin API; resolves to the parsed body (null for 204), or rejects with an ApiError. */
export async function api(method, route, body, contentType = "application/json") {
  const key = sessionStorage.getItem(KEY);
  if (!key) throw new ApiError(401, "AuthError", "not signed in");
  const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + route, init);
  } catch (err) {
    throw new ApiError(0, "NetworkError", `the server could not be reached (${err.message})`);
  }
  // Always read the body, even an empty one, so that no response is left half-consumed.
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, "BadResponse", `the server answered ${response.status} with a body that is not JSON`);
    }
  }
  if (!response.ok) {
    const message = data && typeof data.error === "string" ? data.error : `the server answered ${response.status}`;
    throw new ApiError(response.status, data && data.error_code, message);
  }
  return data;
}

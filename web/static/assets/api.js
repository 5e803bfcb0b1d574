// The /v1 API client. A member's session is an HttpOnly cookie the
// browser sends by itself (same origin only); an API token, when one is
// used instead, lives in this tab's sessionStorage and is sent only to
// this origin, as a bearer token.

import { el } from "./dom.js";

const KEY = "rythme.token";

export const getToken = () => sessionStorage.getItem(KEY);
export const setToken = (t) => sessionStorage.setItem(KEY, t);
export const clearToken = () => sessionStorage.removeItem(KEY);

// ApiError carries the API's error shape {"error":{"code","message","fields"}}.
export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || [];
  }
}

// Listeners told when the API refuses the token (401).
const unauthorized = [];
export const onUnauthorized = (fn) => unauthorized.push(fn);

// request calls the API and returns the parsed JSON (or, with
// accept "text/csv", a Blob; null for 204). token overrides the stored one
// (sign-in checks a token before keeping it). method and body make a
// write: body is sent as JSON, or as it is when it is FormData (uploads).
// An ApiError of a 429 carries retryAfter, in seconds. quiet: a 401 is
// the caller's to handle (a nicety that failed), not a signal to sign out.
export async function request(path, { accept = "application/json", token, method = "GET", body, quiet = false } = {}) {
  let res;
  const bearer = token || getToken();
  const headers = { Accept: accept };
  if (bearer) headers.Authorization = "Bearer " + bearer;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  try {
    res = await fetch(path, { method, headers, body: payload, cache: "no-store", credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, "network", "The server cannot be reached (" + err.message + ").");
  }
  if (res.status === 204) return null;
  if (res.ok) return accept === "application/json" ? res.json() : res.blob();
  const answer = await res.json().catch(() => ({}));
  const e = answer && answer.error ? answer.error : {};
  const apiErr = new ApiError(res.status, e.code || "http_" + res.status, e.message || "HTTP " + res.status, e.fields);
  apiErr.retryAfter = Number(res.headers.get("Retry-After")) || 0;
  if (res.status === 401 && !token && !quiet) unauthorized.forEach((fn) => fn(apiErr));
  throw apiErr;
}

// send makes a JSON request with the session cookie (sign-in, sign-out,
// switching workspace, invitations) and returns the parsed answer, or
// null for 204.
export async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, "network", "The server cannot be reached (" + err.message + ").");
  }
  if (res.status === 204) return null;
  if (res.ok) return res.json();
  const b = await res.json().catch(() => ({}));
  const e = b && b.error ? b.error : {};
  throw new ApiError(res.status, e.code || "http_" + res.status, e.message || "HTTP " + res.status, e.fields);
}

// query builds a query string from an object, skipping empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// listAllPosts pages through GET /v1/posts for [from, to), with the
// list's other query parameters in filters (network, tag…).
export async function listAllPosts(from, to, filters = {}) {
  const out = [];
  let cursor = "";
  for (let i = 0; i < 50; i++) {
    const page = await request("/v1/posts" + query({ ...filters, from: from.toISOString(), to: to.toISOString(), limit: 200, cursor }));
    out.push(...(page.data || []));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

// networkList is GET /v1/networks' list (each network's title, what its
// inbox does: inbox_reply, moderation…), asked once; empty when it fails
// (and asked again next time).
let networksAsked = null;
export function networkList() {
  if (!networksAsked) {
    networksAsked = request("/v1/networks", { quiet: true })
      .then((res) => res.data || [])
      .catch(() => { networksAsked = null; return []; });
  }
  return networksAsked;
}

// networkTitles maps each network's name to its title ("linkedin" →
// "LinkedIn", from GET /v1/networks); names stay when it fails.
export async function networkTitles() {
  return Object.fromEntries((await networkList()).map((n) => [n.name, n.title]));
}

// timeZone is the browser's IANA zone, which every report is asked in.
export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// errorBox renders an error for the user: its message and, for invalid
// input, each field's problem.
export function errorBox(err) {
  const box = el("div", { class: "error-box", role: "alert" });
  box.append(el("p", { class: "error", text: err.message || String(err) }));
  // Each field's problem, unless the message already says just that.
  const lines = (err.fields || []).map((f) => (f.field ? f.field + ": " : "") + f.message).filter((l) => l !== err.message);
  if (lines.length) box.append(el("ul", {}, lines.map((l) => el("li", { text: l }))));
  return box;
}

// csvButton returns a button (labelled "Download CSV" unless label says
// otherwise) that fetches path as text/csv with the token and saves it as
// filename.
export function csvButton(path, filename, label = "Download CSV") {
  const status = el("span", { class: "hint csv-status", role: "status" });
  const btn = el("button", {
    type: "button",
    class: "secondary csv",
    "data-href": path,
    text: label,
    onclick: async () => {
      status.textContent = "Downloading…";
      try {
        const blob = await request(path, { accept: "text/csv" });
        const url = URL.createObjectURL(blob);
        const a = el("a", { href: url, download: filename, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        status.textContent = "Downloaded " + filename + " (" + blob.size + " bytes)";
      } catch (err) {
        status.textContent = "CSV failed: " + err.message;
      }
    },
  });
  return el("span", { class: "csv-wrap" }, btn, status);
}

// The /v1 API client: the token lives in this tab's sessionStorage and is
// sent only to this origin, as a bearer token.

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
// accept "text/csv", a Blob). token overrides the stored one (sign-in
// checks a token before keeping it).
export async function request(path, { accept = "application/json", token } = {}) {
  let res;
  try {
    res = await fetch(path, {
      headers: { Authorization: "Bearer " + (token || getToken() || ""), Accept: accept },
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(0, "network", "The server cannot be reached (" + err.message + ").");
  }
  if (res.ok) return accept === "application/json" ? res.json() : res.blob();
  const body = await res.json().catch(() => ({}));
  const e = body && body.error ? body.error : {};
  const apiErr = new ApiError(res.status, e.code || "http_" + res.status, e.message || "HTTP " + res.status, e.fields);
  if (res.status === 401 && !token) unauthorized.forEach((fn) => fn(apiErr));
  throw apiErr;
}

// query builds a query string from an object, skipping empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// listAllPosts pages through GET /v1/posts for [from, to).
export async function listAllPosts(from, to) {
  const out = [];
  let cursor = "";
  for (let i = 0; i < 50; i++) {
    const page = await request("/v1/posts" + query({ from: from.toISOString(), to: to.toISOString(), limit: 200, cursor }));
    out.push(...(page.data || []));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
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

// csvButton returns a "Download CSV" button that fetches path as text/csv
// with the token and saves it as filename.
export function csvButton(path, filename) {
  const status = el("span", { class: "hint csv-status", role: "status" });
  const btn = el("button", {
    type: "button",
    class: "secondary csv",
    "data-href": path,
    text: "Download CSV",
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

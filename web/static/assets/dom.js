// DOM helpers. Every piece of text goes through textContent or an
// attribute: API data is never parsed as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

// el builds an HTML element: el("td", {class: "num"}, "12", otherNode).
// attrs keys: class, text, on<event> (a function), dataset (an object),
// anything else is set with setAttribute.
export function el(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// svg builds an SVG element the same way.
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k === "text") node.textContent = String(v);
    else if (k === "dataset") {
      // An absent value sets no attribute (never data-x="undefined").
      for (const [dk, dv] of Object.entries(v)) if (dv !== undefined && dv !== null) node.dataset[dk] = dv;
    }
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// safeURL returns u when it is an http(s) URL, else null: a URL from the
// API never becomes a javascript: link.
export function safeURL(u) {
  if (typeof u !== "string" || u === "") return null;
  try {
    const p = new URL(u);
    return p.protocol === "https:" || p.protocol === "http:" ? p.href : null;
  } catch {
    return null;
  }
}

// cssToken makes a value safe to use as a class name.
export function cssToken(s) {
  return String(s || "").toLowerCase().replace(/[^a-z0-9_-]/g, "");
}

// pad2 pads a number to two digits.
export const pad2 = (n) => String(n).padStart(2, "0");

// ymd is a Date's local calendar day, YYYY-MM-DD.
export const ymd = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;

// parseYMD reads YYYY-MM-DD as local midnight, or null.
export function parseYMD(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return isNaN(d) ? null : d;
}

// addDays returns d moved by n calendar days (local time).
export function addDays(d, n) {
  const r = new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  return r;
}

// hhmm is a Date's local time, 24-hour.
export const hhmm = (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;

const numberFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

// fmtNumber formats a number, or "—" when there is none.
export function fmtNumber(v) {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : numberFmt.format(v);
}

// fmtRate formats a rate in percent (3.1), rounded to 2 decimals as the
// CSV exports are ("3.10 %"); the API gives every rate in percent.
export function fmtRate(v) {
  return v === null || v === undefined ? "—" : v.toFixed(2) + " %";
}

// fmtChange formats a change in percent with its sign.
export function fmtChange(v) {
  if (v === null || v === undefined) return "—";
  const s = Math.abs(v).toFixed(1);
  return (v > 0 ? "+" : v < 0 ? "−" : "") + s + " %";
}

// fill replaces node's children with the given ones, skipping null,
// undefined and false (replaceChildren would show them as text).
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

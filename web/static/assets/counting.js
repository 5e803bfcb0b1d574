// How long a text is as a network counts it, from what GET /v1/networks
// (or an account's limits) says: grapheme clusters (an emoji with a skin
// tone is one character), and every http(s) link as url_length when the
// network gives one. This is a guide while typing; the API's dry run
// (POST /v1/posts?dry_run=true) is the truth and its errors are shown.

const urlRE = /https?:\/\/[^\s<>"]+/gi;
const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

function graphemes(s) {
  if (!segmenter) return Array.from(s).length;
  let n = 0;
  for (const _ of segmenter.segment(s)) n++; // eslint-disable-line no-unused-vars
  return n;
}

// countFor returns the length of text for limits {max_length, url_length}.
export function countFor(text, limits) {
  const t = String(text || "");
  if (!t.trim()) return 0;
  const urlLen = limits && limits.url_length;
  if (!urlLen) return graphemes(t);
  let n = 0;
  let last = 0;
  for (const m of t.matchAll(urlRE)) {
    // A link's trailing sentence punctuation is not part of it.
    const link = m[0].replace(/[.,;:!?)\]'"]+$/, "");
    n += graphemes(t.slice(last, m.index)) + urlLen;
    last = m.index + link.length;
  }
  return n + graphemes(t.slice(last));
}

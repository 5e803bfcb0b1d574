// The community inbox (#/inbox): the comments, replies and mentions read
// from the networks, newest first, filtered as GET /v1/inbox allows
// (status, network, account, author, flagged, assigned to me: kept in the URL's hash, so
// a filtered inbox can be bookmarked); each with its author, text, notes
// and history (the audit trail: who or which rule did what, when, why).
// An editor marks it done, assigns it to a member, adds a note the team
// reads, or replies from its account where the network lets rythme answer
// (a post like any other: the worker publishes it in the conversation). A
// manager hides, shows again or deletes it on its network, with exactly
// the actions that network allows (GET /v1/networks, moderation), and
// keeps the moderation rules (inboxrules.js). Each control shows only to
// the roles the API lets use it; the API refuses anyone else anyway.

import { html, mount, Component } from "./ui.js";
import { request, query, networkList } from "./api.js";
import { whoAmI, atLeast } from "./connect.js";
import { Rules } from "./inboxrules.js";

const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
// STATUSES are GET /v1/inbox's statuses, in words.
const STATUSES = [["new", "New"], ["assigned", "Assigned"], ["done", "Done"], ["hidden", "Hidden"]];
// FILTERS maps the hash's parameters to GET /v1/inbox's.
const FILTERS = { status: "status", network: "network", account: "account_id", author: "author", flagged: "flagged", mine: "assignee_id" };

// MODERATION says each moderation action: its button, what the page says
// while the worker does it, and once it is done.
const MODERATION = {
  hide: { button: "Hide", doing: "Hiding", done: "Hidden" },
  unhide: { button: "Show again", doing: "Showing again", done: "Shown again" },
  delete: { button: "Delete", doing: "Deleting", done: "Deleted" },
};
// How often, and how many times, an item is read again while the worker
// moderates it on its network.
const WATCH_EVERY = 1000;
const WATCH_TRIES = 60;

// EVENTS says the audit trail's actions in words.
const EVENTS = {
  received: "read it from the network",
  status: "changed its status",
  assign: "assigned it",
  unassign: "unassigned it",
  note: "added a note",
  flag: "flagged it",
  hide: "hid it",
  unhide: "showed it again",
  delete: "deleted it",
  reply: "replied",
  "hide requested": "asked to hide it on the network",
  "unhide requested": "asked to show it again on the network",
  "delete requested": "asked to delete it on the network",
  "hide failed": "could not hide it",
  "unhide failed": "could not show it again",
  "delete failed": "could not delete it",
};

// eventReason is an audit event's reason as a person reads it: a reply's
// is the id of the post it made, which says nothing to a person.
const eventReason = (e) => (e.action === "reply" || !e.reason ? "" : e.reason);

// moderationOutcome reads an item's audit trail for the outcome of the
// last action asked: "done", "failed" (with why) or "" while it is not in.
// Each request gets one outcome from the worker, which may record it
// before the API records the request itself: the last request is answered
// when the trail's last word on the action is an outcome, or when it holds
// as many outcomes as requests.
function moderationOutcome(it, action) {
  let asked = 0, answered = 0, last = null;
  for (const e of it.audit || []) {
    if (e.action === action + " requested") asked++;
    else if (e.action === action || e.action === action + " failed") answered++;
    else continue;
    last = e;
  }
  if (!last || (last.action === action + " requested" && answered < asked)) return { state: "" };
  if (last.action === action + " requested") last = [...it.audit].reverse().find((e) => e.action === action || e.action === action + " failed");
  return last.action === action ? { state: "done" } : { state: "failed", why: last.reason || "" };
}

class Inbox extends Component {
  constructor(props) {
    super(props);
    const filters = {};
    for (const k of Object.keys(FILTERS)) if (props.params[k]) filters[k] = props.params[k];
    this.state = {
      loading: true, error: null, items: [], next: "", filters, author: filters.author || "",
      ready: false, role: "viewer", me: "", members: [], accounts: [], networks: {},
      notes: {}, replies: {}, reasons: {}, assigning: {}, busy: {}, errors: {}, done: [], confirm: "", pending: {}, history: {},
    };
    this.timers = new Set();
  }

  componentDidMount() {
    this.loadContext();
    this.load();
  }

  componentWillUnmount() {
    this.gone = true;
    for (const t of this.timers) clearTimeout(t);
  }

  // left says the page was left: the app puts the next page in a fresh
  // container without unmounting this one, so it is gone when its markup
  // is no longer in the document.
  left() {
    return this.gone || (this.root && !this.root.isConnected);
  }

  // loadContext reads who the caller is (its role says which controls show),
  // the members (to assign to), the accounts and the networks (the
  // filters' choices; what each network lets rythme do).
  async loadContext() {
    const list = (p) => request(p, { quiet: true }).then((r) => r.data || []).catch(() => []);
    const [who, members, accounts, networks] = await Promise.all([whoAmI(), list("/v1/members"), list("/v1/accounts"), networkList()]);
    if (this.gone) return;
    this.setState({
      ready: true,
      role: (who && who.workspace && who.workspace.role) || "viewer",
      me: (who && who.member && who.member.id) || "",
      members, accounts,
      networks: Object.fromEntries(networks.map((n) => [n.name, n])),
    });
  }

  async load(more = false) {
    const s = this.state;
    this.setState({ loading: true });
    const params = { limit: 100, cursor: more ? s.next : "" };
    for (const [k, v] of Object.entries(s.filters)) params[FILTERS[k]] = v;
    const seq = (this.seq = (this.seq || 0) + 1); // only the last read asked is shown
    try {
      const page = await request("/v1/inbox" + query(params));
      if (this.gone || seq !== this.seq) return;
      const got = page.data || [];
      this.setState({ loading: false, error: null, items: more ? [...this.state.items, ...got] : got, next: page.next_cursor || "" });
    } catch (err) {
      if (!this.gone && seq === this.seq) this.setState({ loading: false, error: err });
    }
  }

  // filter sets one filter, keeps the filters in the hash (without
  // drawing the page again) and reads the inbox anew.
  filter(k, v) {
    const filters = { ...this.state.filters, [k]: v };
    if (!v) delete filters[k];
    const q = new URLSearchParams(filters).toString();
    history.replaceState(null, "", "#/inbox" + (q ? "?" + q : ""));
    this.setState({ filters, author: filters.author || "" }, () => this.load());
  }

  // merge puts the item as the API answered it in place of the listed one
  // (an answer carries all a listed item has, and its notes and trail:
  // the list's items have neither, and show "Loading…" for their history);
  // merge, say and setFor change the state from what it is at the time
  // (several may run before the page is drawn again).
  merge(answer) {
    // An item's answer leaves out an empty trail or no notes.
    const item = { ...answer, audit: answer.audit || [], notes: answer.notes || [] };
    this.setState((st) => ({ items: st.items.map((x) => (x.id === item.id ? item : x)) }));
  }

  say(text) {
    this.setState((st) => ({ done: [...st.done.slice(-4), { id: Date.now() + Math.random(), text }] }));
  }

  setFor(kind, id, v) {
    this.setState((st) => ({ [kind]: { ...st[kind], [id]: v } }));
  }

  // act runs one change on an item and shows what it did, or why not; it
  // returns the item as the API answered it (null on a refusal).
  async act(it, what, path, body, okText) {
    this.setState((st) => ({ busy: { ...st.busy, [it.id]: true }, errors: { ...st.errors, [it.id]: "" } }));
    try {
      const out = await request("/v1/inbox/" + encodeURIComponent(it.id) + path, { method: what, body });
      const item = out.item || out;
      this.merge(item);
      this.setState((st) => ({
        busy: { ...st.busy, [it.id]: false },
        notes: { ...st.notes, [it.id]: path === "/notes" ? "" : st.notes[it.id] },
        replies: { ...st.replies, [it.id]: path === "/reply" ? "" : st.replies[it.id] },
      }));
      if (okText) this.say(okText);
      return item;
    } catch (err) {
      const why = (err.fields || []).map((f) => f.message).join(" · ") || err.message;
      this.setState((st) => ({ busy: { ...st.busy, [it.id]: false }, errors: { ...st.errors, [it.id]: why } }));
      return null;
    }
  }

  // assign shows the member chosen at once and asks the API for it; the
  // item as the API answers (or as it was, on a refusal) replaces it.
  async assign(it, memberID) {
    const chosen = this.state.assigning[it.id];
    if (memberID === (chosen !== undefined ? chosen : it.assignee_id || "")) return;
    const m = this.state.members.find((x) => x.id === memberID);
    this.setFor("assigning", it.id, memberID);
    await this.act(it, "PATCH", "", { assignee_id: memberID || null }, m ? "Assigned to " + m.name : "Unassigned");
    this.setState((st) => {
      const assigning = { ...st.assigning };
      delete assigning[it.id];
      return { assigning };
    });
  }

  // moderate asks the API for action on the item's network (202: the
  // worker does it) and reads the item again until its history says the
  // worker did it, or why not.
  async moderate(it, action) {
    const net = this.title(it.network);
    const reason = (this.state.reasons[it.id] || "").trim();
    this.setState({ confirm: "" });
    const item = await this.act(it, "POST", "/moderation", reason ? { action, reason } : { action }, MODERATION[action].doing + " on " + net + "…");
    if (!item) return;
    this.setFor("reasons", it.id, "");
    this.setFor("pending", it.id, action);
    this.setFor("history", it.id, true);
    let tries = 0;
    const tick = async () => {
      this.timers.delete(timer);
      if (this.left()) return;
      tries++;
      let now = null;
      try {
        now = await request("/v1/inbox/" + encodeURIComponent(it.id), { quiet: true });
      } catch {
        // read again at the next tick
      }
      if (this.left()) return;
      const out = now ? moderationOutcome(now, action) : { state: "" };
      if (now) this.merge(now);
      if (out.state === "done") {
        this.setFor("pending", it.id, "");
        this.say(MODERATION[action].done + " on " + net + ".");
      } else if (out.state === "failed") {
        this.setFor("pending", it.id, "");
        this.setFor("errors", it.id, net + " refused: " + (out.why || "no reason given"));
      } else if (tries < WATCH_TRIES) {
        timer = setTimeout(tick, WATCH_EVERY);
        this.timers.add(timer);
      } else {
        this.setFor("pending", it.id, "");
        this.say("Still waiting for " + net + ": the history says when it is done.");
      }
    };
    let timer = setTimeout(tick, WATCH_EVERY);
    this.timers.add(timer);
  }

  // openHistory reads the item's notes and audit trail, which the list
  // does not carry, the first time its history is opened.
  async openHistory(it, open) {
    this.setFor("history", it.id, open);
    if (!open || it.audit) return;
    try {
      const full = await request("/v1/inbox/" + encodeURIComponent(it.id));
      if (!this.gone) this.merge(full);
    } catch (err) {
      if (!this.gone) this.setFor("errors", it.id, err.message);
    }
  }

  // caps is what rythme may do with the item on its network: its
  // account's own answer (GET /v1/accounts, limits: a network may allow an
  // account less, as LinkedIn by its token's scope), else the network's
  // (GET /v1/networks); null while neither is read.
  caps(it) {
    const a = this.state.accounts.find((x) => x.id === it.account_id);
    if (a && a.limits && Array.isArray(a.limits.moderation)) return a.limits;
    return this.state.networks[it.network] || null;
  }

  title(network) {
    const n = this.state.networks[network];
    return (n && n.title) || network;
  }

  accountName(id) {
    const a = this.state.accounts.find((x) => x.id === id);
    return a ? "@" + a.username : "";
  }

  field(kind, it, label, rows) {
    const s = this.state;
    const id = kind + "-" + it.id;
    return html`<div class="inbox-field"><label for=${id}>${label}</label>
      <textarea id=${id} rows=${rows} value=${s[kind][it.id] || ""}
        onInput=${(e) => this.setFor(kind, it.id, e.currentTarget.value)}></textarea></div>`;
  }

  renderFilters() {
    const s = this.state;
    const f = s.filters;
    const nets = [...new Set(s.accounts.map((a) => a.network))].filter((n) => !s.networks[n] || s.networks[n].inbox !== false);
    const accounts = s.accounts.filter((a) => nets.includes(a.network));
    const sel = (k, id, label, options) => html`<div class="filter"><label for=${id}>${label}</label>
      <select id=${id} onChange=${(e) => this.filter(k, e.currentTarget.value)}>
        <option value="" selected=${!f[k]}>${k === "status" ? "Everything" : "All"}</option>
        ${f[k] && !options.some(([v]) => v === f[k]) ? html`<option value=${f[k]} selected>${f[k]}</option>` : null}
        ${options.map(([v, t]) => html`<option value=${v} selected=${v === f[k]}>${t}</option>`)}
      </select></div>`;
    return html`<form class="filters" id="inbox-filters" role="search" aria-label="Filter the inbox"
        onSubmit=${(e) => { e.preventDefault(); this.filter("author", s.author.trim()); }}>
      ${sel("status", "inbox-status", "Show", STATUSES)}
      ${sel("network", "inbox-network", "Network", nets.map((n) => [n, this.title(n)]))}
      ${sel("account", "inbox-account", "Account", accounts.map((a) => [a.id, "@" + a.username + " (" + this.title(a.network) + ")"]))}
      <div class="filter"><label for="inbox-author">Author</label>
        <input id="inbox-author" type="search" placeholder="handle" autocomplete="off" value=${s.author}
          onInput=${(e) => this.setState({ author: e.currentTarget.value })} /></div>
      <div class="filter filter-check"><label class="check"><input type="checkbox" id="inbox-flagged" checked=${f.flagged === "true"}
        onChange=${(e) => this.filter("flagged", e.currentTarget.checked ? "true" : "")} />Only flagged</label></div>
      ${s.me ? html`<div class="filter filter-check"><label class="check"><input type="checkbox" id="inbox-mine" checked=${f.mine === "me"}
        onChange=${(e) => this.filter("mine", e.currentTarget.checked ? "me" : "")} />Assigned to me</label></div>` : null}
      <div class="filter filter-actions">
        <button type="submit" class="secondary">Apply</button>
        ${Object.keys(f).length ? html`<button type="button" class="secondary" id="inbox-clear"
          onClick=${() => { history.replaceState(null, "", "#/inbox"); this.setState({ filters: {}, author: "" }, () => this.load()); }}>Clear filters</button>` : null}
      </div>
    </form>`;
  }

  renderModeration(it) {
    const s = this.state;
    const net = this.caps(it);
    const allowed = (net && net.moderation) || [];
    const title = this.title(it.network);
    // A deleted item is gone from its network: nothing more to do there
    // (the list does not carry the trail: its history, once read, says).
    if ((it.audit || []).some((e) => e.action === "delete")) return html`<p class="hint inbox-deleted">Deleted on ${title}.</p>`;
    const actions = [];
    if (allowed.includes("hide") && it.status !== "hidden") actions.push("hide");
    if (allowed.includes("unhide") && it.status === "hidden") actions.push("unhide");
    if (allowed.includes("delete")) actions.push("delete");
    if (!actions.length) return null;
    const busy = s.busy[it.id] || !!s.pending[it.id];
    const who = it.author.display_name || it.author.handle;
    const rid = "reason-" + it.id;
    return html`<div class="inbox-moderation" role="group" aria-label=${"Moderate on " + title}>
      <div class="inbox-field"><label for=${rid}>Reason (optional, kept in the history)</label>
        <input id=${rid} maxlength="500" value=${s.reasons[it.id] || ""} onInput=${(e) => this.setFor("reasons", it.id, e.currentTarget.value)} /></div>
      <div class="compose-actions">
        ${actions.map((a) => html`<button type="button" key=${a} class=${"secondary moderate-" + a + (a === "delete" ? " danger" : "")} disabled=${busy}
          onClick=${() => (a === "delete" ? this.setState({ confirm: it.id }) : this.moderate(it, a))}>${MODERATION[a].button}<span class="visually-hidden"> on ${title}: the comment by ${who}</span></button>`)}
        ${s.pending[it.id] ? html`<span class="hint moderation-pending">${MODERATION[s.pending[it.id]].doing} on ${title}…</span>` : null}
      </div>
      ${s.confirm === it.id ? html`<div class="confirm" role="group" aria-label=${"Delete on " + title}>
        <p>Delete this comment by ${who} on ${title}? It cannot be undone.</p>
        <button type="button" class="danger confirm-delete" disabled=${busy} onClick=${() => this.moderate(it, "delete")}>Yes, delete</button>
        <button type="button" class="secondary" onClick=${() => this.setState({ confirm: "" })}>Keep</button>
      </div>` : null}
    </div>`;
  }

  renderHistory(it) {
    const audit = it.audit;
    return html`<details class="inbox-history" open=${!!this.state.history[it.id]}
        onToggle=${(e) => { if (e.currentTarget.open !== !!this.state.history[it.id]) this.openHistory(it, e.currentTarget.open); }}>
      <summary>History</summary>
      ${!audit ? html`<p class="hint">Loading…</p>` : !audit.length ? html`<p class="hint">Nothing yet.</p>` : html`<ol class="inbox-audit">
        ${audit.map((e, i) => html`<li key=${i} data-action=${e.action}>
          <time datetime=${e.at}>${whenFmt.format(new Date(e.at))}</time> · <strong>${e.actor}</strong> ${EVENTS[e.action] || e.action.replace(/_/g, " ")}${eventReason(e) ? html`<span class="hint">: ${eventReason(e)}</span>` : null}
        </li>`)}
      </ol>`}
    </details>`;
  }

  renderItem(it) {
    const s = this.state;
    const busy = s.busy[it.id];
    const note = (s.notes[it.id] || "").trim();
    const reply = (s.replies[it.id] || "").trim();
    const editor = atLeast(s.role, "editor");
    const net = this.caps(it);
    const canReply = editor && !(net && net.inbox_reply === false);
    const assignee = it.assignee_id ? s.members.find((m) => m.id === it.assignee_id) : null;
    const assigneeName = it.assignee_id ? (it.assignee_id === s.me ? "you" : assignee ? assignee.name : "a former member") : "";
    const title = this.title(it.network);
    const chosen = s.assigning[it.id] !== undefined ? s.assigning[it.id] : it.assignee_id || "";
    return html`<li class="review-item inbox-item" key=${it.id} data-item-id=${it.id} data-status=${it.status} data-network=${it.network}>
      <div class="review-head">
        <strong>${it.author.display_name || it.author.handle}</strong>
        <span class="hint">@${it.author.handle} · ${title}${this.accountName(it.account_id) ? " " + this.accountName(it.account_id) : ""} · ${whenFmt.format(new Date(it.created_at))}</span>
        <span class="hint item-status">${it.status}${it.flagged ? " · flagged" : ""}</span>
        ${assigneeName ? html`<span class="badge inbox-assignee">Assigned to ${assigneeName}</span>` : null}
      </div>
      <p class="content">${it.text}</p>
      ${it.url ? html`<p><a href=${it.url} rel="noopener noreferrer" target="_blank">Open on ${title}</a></p>` : null}
      ${(it.notes || []).length ? html`<ul class="inbox-notes">${it.notes.map((n) => html`<li key=${n.id}><strong>${n.author}</strong>: ${n.text}</li>`)}</ul>` : null}
      ${editor ? html`<div class="inbox-field inbox-assign"><label for=${"assign-" + it.id}>Assigned to</label>
        <select id=${"assign-" + it.id} disabled=${busy} onChange=${(e) => this.assign(it, e.currentTarget.value)}>
          <option value="" selected=${!chosen}>Nobody</option>
          ${it.assignee_id && !assignee ? html`<option value=${it.assignee_id} selected=${chosen === it.assignee_id}>A former member</option>` : null}
          ${s.members.map((m) => html`<option value=${m.id} selected=${chosen === m.id}>${m.name}${m.id === s.me ? " (you)" : ""}</option>`)}
        </select></div>` : null}
      ${editor ? this.field("notes", it, "Note for the team", 2) : null}
      ${canReply ? this.field("replies", it, "Reply on " + title, 2) : null}
      ${editor && net && net.inbox_reply === false ? html`<p class="hint no-reply">${title} gives rythme no way to reply: answer on ${title} itself.</p>` : null}
      ${s.errors[it.id] ? html`<p class="error" role="alert">${s.errors[it.id]}</p>` : null}
      ${editor ? html`<div class="compose-actions">
        <button type="button" class="add-note secondary" disabled=${busy || !note}
          onClick=${() => this.act(it, "POST", "/notes", { text: note }, "Note added")}>Add note</button>
        ${canReply ? html`<button type="button" class="reply" disabled=${busy || !reply || it.status === "hidden"}
          onClick=${() => this.act(it, "POST", "/reply", { text: reply }, "Reply scheduled: it goes out now")}>Reply</button>` : null}
        ${it.status !== "done" ? html`<button type="button" class="mark-done secondary" disabled=${busy}
          onClick=${() => this.act(it, "PATCH", "", { status: "done" }, "Marked done")}>Mark done</button>` : null}
      </div>` : null}
      ${atLeast(s.role, "manager") ? this.renderModeration(it) : null}
      ${this.renderHistory(it)}
    </li>`;
  }

  render() {
    const s = this.state;
    // The items wait for the role and the networks: their controls depend
    // on them.
    const loading = s.loading || !s.ready;
    return html`<div id="inbox" ref=${(e) => { if (e) this.root = e; }} aria-busy=${loading ? "true" : "false"} data-role=${s.role}>
      <h2>Inbox</h2>
      ${this.renderFilters()}
      ${s.ready ? html`<${Rules} manager=${atLeast(s.role, "manager")} />` : null}
      <div role="status" id="inbox-done">${s.done.map((d) => html`<p class="ok-note" key=${d.id}>${d.text}</p>`)}</div>
      ${loading && !(s.ready && s.items.length) ? html`<p class="hint">Loading…</p>` : null}
      ${s.error ? html`<div class="error-box" role="alert"><p class="error">${s.error.message}</p></div>` : null}
      ${!loading && !s.error && !s.items.length ? html`<div class="empty-state" id="inbox-empty">
        ${Object.keys(s.filters).length ? html`<p>Nothing matches these filters.</p><p>Clear them to see the whole inbox.</p>`
          : html`<p>Nothing here yet.</p><p>Comments and mentions on your published posts show here as the networks give them.</p>`}</div>` : null}
      <ul class="review-list">${s.ready ? s.items.map((it) => this.renderItem(it)) : null}</ul>
      ${s.next ? html`<button type="button" class="secondary" id="inbox-more" disabled=${s.loading} onClick=${() => this.load(true)}>Show more</button>` : null}
    </div>`;
  }
}

export async function renderInbox(view, params = {}) {
  mount(view, html`<${Inbox} params=${params} />`);
}

// The community inbox (#/inbox): the comments, replies and mentions read
// from the networks, newest first, filtered by status; each with its
// author, text and audit trail. An editor marks it done, adds a note the
// team reads, or replies from its account (a post like any other: the
// worker publishes it in the conversation).

import { html, mount, Component } from "./ui.js";
import { request, query, networkTitles } from "./api.js";

const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const STATUSES = ["new", "assigned", "done", "hidden"];

class Inbox extends Component {
  constructor(props) {
    super(props);
    this.state = { loading: true, error: null, items: [], titles: {}, status: "", notes: {}, replies: {}, busy: {}, errors: {}, done: [] };
  }

  componentDidMount() {
    this.load(this.state.status);
  }

  async load(status) {
    this.setState({ loading: true, status });
    try {
      const [page, titles] = await Promise.all([request("/v1/inbox" + query({ status, limit: 100 })), networkTitles()]);
      this.setState({ loading: false, error: null, items: page.data || [], titles });
    } catch (err) {
      this.setState({ loading: false, error: err });
    }
  }

  // act runs one change on an item and shows what it did, or why not.
  async act(it, what, path, body, okText) {
    this.setState({ busy: { ...this.state.busy, [it.id]: true }, errors: { ...this.state.errors, [it.id]: "" } });
    try {
      const out = await request("/v1/inbox/" + encodeURIComponent(it.id) + path, { method: what, body });
      const item = out.item || out;
      this.setState({
        items: this.state.items.map((x) => (x.id === it.id ? { ...x, ...item } : x)),
        busy: { ...this.state.busy, [it.id]: false },
        notes: { ...this.state.notes, [it.id]: path === "/notes" ? "" : this.state.notes[it.id] },
        replies: { ...this.state.replies, [it.id]: path === "/reply" ? "" : this.state.replies[it.id] },
        done: [...this.state.done, { id: it.id + path + Date.now(), text: okText }],
      });
    } catch (err) {
      const why = (err.fields || []).map((f) => f.message).join(" · ") || err.message;
      this.setState({ busy: { ...this.state.busy, [it.id]: false }, errors: { ...this.state.errors, [it.id]: why } });
    }
  }

  field(kind, it, label, rows) {
    const s = this.state;
    const id = kind + "-" + it.id;
    return html`<label for=${id}>${label}</label>
      <textarea id=${id} rows=${rows} value=${s[kind][it.id] || ""}
        onInput=${(e) => this.setState({ [kind]: { ...s[kind], [it.id]: e.currentTarget.value } })}></textarea>`;
  }

  renderItem(it) {
    const s = this.state;
    const busy = s.busy[it.id];
    const note = (s.notes[it.id] || "").trim();
    const reply = (s.replies[it.id] || "").trim();
    return html`<li class="review-item inbox-item" key=${it.id} data-item-id=${it.id} data-status=${it.status}>
      <div class="review-head">
        <strong>${it.author.display_name || it.author.handle}</strong>
        <span class="hint">@${it.author.handle} · ${this.state.titles[it.network] || it.network} · ${whenFmt.format(new Date(it.created_at))}</span>
        <span class="hint item-status">${it.status}${it.flagged ? " · flagged" : ""}</span>
      </div>
      <p class="content">${it.text}</p>
      ${it.url ? html`<p><a href=${it.url} rel="noopener noreferrer" target="_blank">Open on ${it.network}</a></p>` : null}
      ${(it.notes || []).length ? html`<ul class="inbox-notes">${it.notes.map((n) => html`<li key=${n.id}><strong>${n.author}</strong>: ${n.text}</li>`)}</ul>` : null}
      ${this.field("notes", it, "Note for the team", 2)}
      ${this.field("replies", it, "Reply on " + it.network, 2)}
      ${s.errors[it.id] ? html`<p class="error" role="alert">${s.errors[it.id]}</p>` : null}
      <div class="compose-actions">
        <button type="button" class="add-note secondary" disabled=${busy || !note}
          onClick=${() => this.act(it, "POST", "/notes", { text: note }, "Note added")}>Add note</button>
        <button type="button" class="reply" disabled=${busy || !reply || it.status === "hidden"}
          onClick=${() => this.act(it, "POST", "/reply", { text: reply }, "Reply scheduled: it goes out now")}>Reply</button>
        ${it.status !== "done" ? html`<button type="button" class="mark-done secondary" disabled=${busy}
          onClick=${() => this.act(it, "PATCH", "", { status: "done" }, "Marked done")}>Mark done</button>` : null}
      </div>
    </li>`;
  }

  render() {
    const s = this.state;
    return html`<div id="inbox" aria-busy=${s.loading ? "true" : "false"}>
      <h2>Inbox</h2>
      <label for="inbox-status">Show</label>
      <select id="inbox-status" value=${s.status} onChange=${(e) => this.load(e.currentTarget.value)}>
        <option value="">Everything</option>
        ${STATUSES.map((st) => html`<option value=${st}>${st}</option>`)}
      </select>
      <div role="status" id="inbox-done">${s.done.map((d) => html`<p class="ok-note" key=${d.id}>${d.text}</p>`)}</div>
      ${s.loading ? html`<p class="hint">Loading…</p>` : null}
      ${s.error ? html`<div class="error-box" role="alert"><p class="error">${s.error.message}</p></div>` : null}
      ${!s.loading && !s.error && !s.items.length ? html`<div class="empty-state" id="inbox-empty">
        <p>Nothing here yet.</p><p>Comments and mentions on your published posts show here as the networks give them.</p></div>` : null}
      <ul class="review-list">${s.items.map((it) => this.renderItem(it))}</ul>
    </div>`;
  }
}

export async function renderInbox(view) {
  mount(view, html`<${Inbox} />`);
}

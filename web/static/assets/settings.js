// The workspace's settings (#/settings): its members and invitations,
// API tokens, calendar feeds, webhooks, the approval rule, and the
// member's workspaces (switch; an instance administrator creates one).
// Each part shows only to the roles the API lets do it (admin: members,
// invitations, tokens, the approval rule; manager: feeds and webhooks) and
// the API refuses them to anyone else anyway. A secret the API shows once
// (a token, an invitation link, a feed URL, a webhook's signing secret) is
// shown once here too, with a button to copy it.

import { html, mount, Component } from "./ui.js";
import { request, send } from "./api.js";
import { whoAmI, atLeast } from "./connect.js";

const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const ROLE_WORDS = { admin: "Admin", manager: "Manager", editor: "Editor", viewer: "Viewer" };
const ROLES = ["viewer", "editor", "manager", "admin"];
// EVENTS a webhook may ask for, in words.
const EVENTS = {
  "post.published": "A post is published",
  "post.failed": "A post failed",
  "post.unconfirmed": "A post's outcome is unknown",
  "account.needs_reconnect": "An account must be connected again",
  "account.metrics_failing": "An account's readings keep failing",
};

// problem renders an ApiError with its fields' messages.
function problem(err) {
  if (!err) return null;
  const lines = [err.message, ...(err.fields || []).map((f) => (f.field ? f.field + ": " : "") + f.message)].filter((x, i, l) => l.indexOf(x) === i);
  return html`<p class="error" role="alert">${lines.join(" · ")}</p>`;
}

// Secret shows a value the API answers once, with a copy button.
function Secret({ id, label, value, onDone }) {
  const copy = async (ev) => {
    const b = ev.currentTarget;
    try {
      await navigator.clipboard.writeText(value);
      b.textContent = "Copied";
    } catch {
      document.getElementById(id)?.select();
      b.textContent = "Selected: press Ctrl+C";
    }
  };
  return html`<div class="secret" role="group" aria-label=${label}>
    <label for=${id}>${label} — shown only now: keep it somewhere safe</label>
    <div class="secret-row">
      <input id=${id} readonly value=${value} onFocus=${(e) => e.currentTarget.select()} />
      <button type="button" class="secondary copy" onClick=${copy}>Copy</button>
      <button type="button" class="linkish" onClick=${onDone}>Done</button>
    </div>
  </div>`;
}

function RoleSelect({ id, value, onChange, label }) {
  return html`<label for=${id} class=${label ? "" : "visually-hidden"}>${label || "Role"}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${ROLES.map((r) => html`<option value=${r}>${ROLE_WORDS[r]}</option>`)}
    </select>`;
}

// Section loads a list and draws it; subclasses set path and draw().
class Section extends Component {
  constructor(props) {
    super(props);
    this.state = { list: null, error: null, busy: false, secret: null, form: {} };
  }
  componentDidMount() {
    this.load();
  }
  async load() {
    try {
      const res = await request(this.path());
      this.setState({ list: res.data || [], error: null });
    } catch (err) {
      this.setState({ list: [], error: err });
    }
  }
  // act runs a write; on success it reloads the list and keeps what fn
  // returns as the state's secret (a value shown once).
  async act(fn, after) {
    this.setState({ busy: true, error: null });
    try {
      const secret = await fn();
      this.setState({ busy: false, secret: secret || null, ...(after || {}) });
      await this.load();
    } catch (err) {
      this.setState({ busy: false, error: err });
    }
  }
  setForm(k, v) {
    this.setState({ form: { ...this.state.form, [k]: v } });
  }
}

class Members extends Section {
  path() {
    return "/v1/members";
  }
  // setRole shows the role chosen at once and asks the API for it; a
  // refusal puts the list back as the API has it.
  setRole(m, role) {
    if (role === ((this.state.roles || {})[m.id] || m.role)) return;
    this.setState({ roles: { ...(this.state.roles || {}), [m.id]: role } });
    this.act(() => request("/v1/members/" + encodeURIComponent(m.id), { method: "PATCH", body: { role } }), { roles: {} })
      .then(() => this.state.error && this.setState({ roles: {} }));
  }
  render() {
    const { list, error, busy } = this.state;
    const me = this.props.me;
    const admin = this.props.admin;
    return html`<section id="settings-members" aria-labelledby="members-title">
      <h3 id="members-title">Members</h3>
      ${list === null ? html`<p class="hint">Loading…</p>` : html`<table class="report settings-table" id="members">
        <thead><tr><th>Name</th><th>Email</th><th>Role</th>${admin ? html`<th>Remove</th>` : null}</tr></thead>
        <tbody>${list.map((m) => {
          const self = me && me.member && me.member.id === m.id;
          return html`<tr key=${m.id} data-member-id=${m.id}>
            <td>${m.name}${self ? html` <span class="hint">(you)</span>` : null}</td>
            <td class="wrap">${m.email}</td>
            <td>${admin && !self ? html`<${RoleSelect} id=${"role-" + m.id} label="" value=${(this.state.roles || {})[m.id] || m.role}
              onChange=${(r) => this.setRole(m, r)} />` : ROLE_WORDS[m.role] || m.role}</td>
            ${admin ? html`<td>${self ? null : html`<button type="button" class="secondary danger remove-member" disabled=${busy}
              onClick=${() => this.setState({ confirm: m.id })}>Remove<span class="visually-hidden"> ${m.name}</span></button>`}
              ${this.state.confirm === m.id ? html`<div class="confirm" role="group" aria-label=${"Remove " + m.name}>
                <p>Remove ${m.name} from this workspace? They lose access at once.</p>
                <button type="button" class="danger confirm-remove" disabled=${busy} onClick=${() => this.act(() => request("/v1/members/" + encodeURIComponent(m.id), { method: "DELETE" }), { confirm: "" })}>Yes, remove</button>
                <button type="button" class="secondary" onClick=${() => this.setState({ confirm: "" })}>Keep</button>
              </div>` : null}</td>` : null}
          </tr>`;
        })}</tbody>
      </table>`}
      ${problem(error)}
    </section>`;
  }
}

class Invitations extends Section {
  path() {
    return "/v1/invitations";
  }
  render() {
    const { list, error, busy, secret, form } = this.state;
    const create = (ev) => {
      ev.preventDefault();
      this.act(async () => {
        const inv = await request("/v1/invitations", { method: "POST", body: { email: (form.email || "").trim(), role: form.role || "editor" } });
        return inv.url;
      }, { form: {} });
    };
    const pending = (list || []).filter((i) => i.status === "pending");
    return html`<section id="settings-invitations" aria-labelledby="invitations-title">
      <h3 id="invitations-title">Invitations</h3>
      <p class="hint">An invitation is a link that works once, for a week: send it to the colleague yourself.</p>
      <form id="invite-create" class="inline-form" onSubmit=${create}>
        <div><label for="invite-email">Email</label>
          <input id="invite-email" type="email" required value=${form.email || ""} onInput=${(e) => this.setForm("email", e.currentTarget.value)} /></div>
        <div><${RoleSelect} id="invite-role" label="Role" value=${form.role || "editor"} onChange=${(r) => this.setForm("role", r)} /></div>
        <button type="submit" disabled=${busy}>Create the link</button>
      </form>
      ${secret ? html`<${Secret} id="invite-link" label="Invitation link" value=${secret} onDone=${() => this.setState({ secret: null })} />` : null}
      ${problem(error)}
      ${pending.length ? html`<ul class="settings-list" id="invitations">${pending.map((i) => html`<li key=${i.id} data-invitation-id=${i.id}>
        <span class="wrap">${i.email}</span> <span class="hint">${ROLE_WORDS[i.role] || i.role}, until ${dayFmt.format(new Date(i.expires_at))}</span>
        <button type="button" class="linkish revoke-invitation" onClick=${() => this.act(() => request("/v1/invitations/" + encodeURIComponent(i.id), { method: "DELETE" }))}>Revoke<span class="visually-hidden"> the invitation of ${i.email}</span></button>
      </li>`)}</ul>` : list ? html`<p class="hint" id="no-invitations">No invitation is waiting.</p>` : null}
    </section>`;
  }
}

class Tokens extends Section {
  path() {
    return "/v1/tokens";
  }
  render() {
    const { list, error, busy, secret, form } = this.state;
    const create = (ev) => {
      ev.preventDefault();
      this.act(async () => (await request("/v1/tokens", { method: "POST", body: { name: (form.name || "").trim(), role: form.role || "editor" } })).secret, { form: {} });
    };
    const live = (list || []).filter((t) => !t.revoked_at);
    return html`<section id="settings-tokens" aria-labelledby="tokens-title">
      <h3 id="tokens-title">API tokens</h3>
      <p class="hint">For scripts and automation. A token acts with its role in this workspace.</p>
      <form id="token-create" class="inline-form" onSubmit=${create}>
        <div><label for="token-name">Name</label>
          <input id="token-name" required maxlength="100" value=${form.name || ""} onInput=${(e) => this.setForm("name", e.currentTarget.value)} /></div>
        <div><${RoleSelect} id="token-role" label="Role" value=${form.role || "editor"} onChange=${(r) => this.setForm("role", r)} /></div>
        <button type="submit" disabled=${busy}>Create a token</button>
      </form>
      ${secret ? html`<${Secret} id="token-secret" label="New token" value=${secret} onDone=${() => this.setState({ secret: null })} />` : null}
      ${problem(error)}
      <ul class="settings-list" id="tokens">${live.map((t) => html`<li key=${t.id} data-token-id=${t.id}>
        <strong>${t.name}</strong> <span class="hint">${ROLE_WORDS[t.role] || t.role}, made ${dayFmt.format(new Date(t.created_at))}${t.last_used_at ? ", last used " + dayFmt.format(new Date(t.last_used_at)) : ", never used"}</span>
        <button type="button" class="linkish revoke-token" onClick=${() => this.setState({ confirm: t.id })}>Revoke<span class="visually-hidden"> ${t.name}</span></button>
        ${this.state.confirm === t.id ? html`<div class="confirm" role="group" aria-label=${"Revoke " + t.name}>
          <p>Revoke ${t.name}? Scripts using it stop working at once.</p>
          <button type="button" class="danger confirm-revoke" disabled=${busy} onClick=${() => this.act(() => request("/v1/tokens/" + encodeURIComponent(t.id), { method: "DELETE" }), { confirm: "" })}>Yes, revoke</button>
          <button type="button" class="secondary" onClick=${() => this.setState({ confirm: "" })}>Keep</button>
        </div>` : null}
      </li>`)}</ul>
    </section>`;
  }
}

class Feeds extends Section {
  path() {
    return "/v1/calendar/feeds";
  }
  render() {
    const { list, error, busy, secret, form } = this.state;
    const create = (ev) => {
      ev.preventDefault();
      this.act(async () => (await request("/v1/calendar/feeds", { method: "POST", body: { name: (form.name || "").trim() } })).url, { form: {} });
    };
    const live = (list || []).filter((f) => !f.revoked_at);
    return html`<section id="settings-feeds" aria-labelledby="feeds-title">
      <h3 id="feeds-title">Calendar feeds</h3>
      <p class="hint">A read-only address Google Calendar or Outlook subscribes to, to show the posts.</p>
      <form id="feed-create" class="inline-form" onSubmit=${create}>
        <div><label for="feed-name">Name</label>
          <input id="feed-name" required maxlength="100" value=${form.name || ""} onInput=${(e) => this.setForm("name", e.currentTarget.value)} /></div>
        <button type="submit" disabled=${busy}>Create a feed</button>
      </form>
      ${secret ? html`<${Secret} id="feed-url" label="Feed address" value=${secret} onDone=${() => this.setState({ secret: null })} />` : null}
      ${problem(error)}
      <ul class="settings-list" id="feeds">${live.map((f) => html`<li key=${f.id} data-feed-id=${f.id}>
        <strong>${f.name}</strong> <span class="hint">made ${dayFmt.format(new Date(f.created_at))}</span>
        <button type="button" class="linkish revoke-feed" onClick=${() => this.act(() => request("/v1/calendar/feeds/" + encodeURIComponent(f.id), { method: "DELETE" }))}>Revoke<span class="visually-hidden"> ${f.name}</span></button>
      </li>`)}</ul>
    </section>`;
  }
}

class Webhooks extends Section {
  path() {
    return "/v1/webhooks";
  }
  render() {
    const { list, error, busy, secret, form } = this.state;
    const events = form.events || ["post.published", "post.failed"];
    const create = (ev) => {
      ev.preventDefault();
      this.act(async () => (await request("/v1/webhooks", { method: "POST", body: { url: (form.url || "").trim(), events } })).secret, { form: {} });
    };
    const toggle = (e, on) => this.setForm("events", on ? [...events, e] : events.filter((x) => x !== e));
    return html`<section id="settings-webhooks" aria-labelledby="webhooks-title">
      <h3 id="webhooks-title">Webhooks</h3>
      <p class="hint">rythme calls this address when a post is published or fails, or an account needs attention; each call is signed with the secret shown once.</p>
      <form id="webhook-create" onSubmit=${create}>
        <label for="webhook-url">Address</label>
        <input id="webhook-url" type="url" required placeholder="https://" value=${form.url || ""} onInput=${(e) => this.setForm("url", e.currentTarget.value)} />
        <fieldset><legend>When</legend>
          ${Object.entries(EVENTS).map(([e, words]) => html`<label class="check"><input type="checkbox" checked=${events.includes(e)} onChange=${(x) => toggle(e, x.currentTarget.checked)} />${words}</label>`)}
        </fieldset>
        <button type="submit" disabled=${busy}>Add the webhook</button>
      </form>
      ${secret ? html`<${Secret} id="webhook-secret" label="Signing secret" value=${secret} onDone=${() => this.setState({ secret: null })} />` : null}
      ${problem(error)}
      <ul class="settings-list" id="webhooks">${(list || []).map((w) => html`<li key=${w.id} data-webhook-id=${w.id}>
        <span class="wrap">${w.url || "(an account's own)"}</span> <span class="hint">${(w.events || []).map((e) => EVENTS[e] || e).join(" · ")}</span>
        <button type="button" class="linkish delete-webhook" onClick=${() => this.act(() => request("/v1/webhooks/" + encodeURIComponent(w.id), { method: "DELETE" }))}>Delete<span class="visually-hidden"> ${w.url}</span></button>
      </li>`)}</ul>
    </section>`;
  }
}

class Approval extends Component {
  constructor(props) {
    super(props);
    this.state = { ws: null, error: null, note: "" };
  }
  async componentDidMount() {
    try {
      this.setState({ ws: await request("/v1/workspace") });
    } catch (err) {
      this.setState({ error: err });
    }
  }
  async set(on) {
    this.setState({ error: null, note: "" });
    try {
      const ws = await request("/v1/workspace", { method: "PATCH", body: { approval_required: on } });
      this.setState({ ws, note: on ? "Posts by editors now wait for a manager's approval." : "Posts are scheduled without approval." });
    } catch (err) {
      this.setState({ error: err });
    }
  }
  render() {
    const { ws, error, note } = this.state;
    const admin = this.props.admin;
    return html`<section id="settings-approval" aria-labelledby="approval-title">
      <h3 id="approval-title">Approval</h3>
      ${ws ? html`<label class="check"><input type="checkbox" id="approval-required" checked=${ws.approval_required} disabled=${!admin}
          onChange=${(e) => this.set(e.currentTarget.checked)} />Editors' posts wait for a manager's approval before they are scheduled</label>
        ${admin ? null : html`<p class="hint">Only an admin changes this.</p>`}` : null}
      ${note ? html`<p class="ok-note" role="status">${note}</p>` : null}
      ${problem(error)}
    </section>`;
  }
}

class Workspaces extends Component {
  constructor(props) {
    super(props);
    this.state = { name: "", error: null, note: "" };
  }
  async create(ev) {
    ev.preventDefault();
    this.setState({ error: null });
    try {
      const ws = await send("POST", "/v1/workspaces", { name: this.state.name.trim() });
      this.setState({ name: "", note: "Workspace " + ws.name + " created: you are its admin." });
      this.props.reload();
    } catch (err) {
      this.setState({ error: err });
    }
  }
  async use(id) {
    try {
      await send("PATCH", "/v1/session", { workspace_id: id });
      location.reload(); // every page and the header follow the new workspace
    } catch (err) {
      this.setState({ error: err });
    }
  }
  render() {
    const me = this.props.me;
    const s = this.state;
    const current = me.workspace && me.workspace.id;
    return html`<section id="settings-workspaces" aria-labelledby="workspaces-title">
      <h3 id="workspaces-title">Workspaces</h3>
      <ul class="settings-list" id="workspaces">${(me.workspaces || []).map((w) => html`<li key=${w.id} data-workspace-id=${w.id}>
        <strong>${w.name}</strong> <span class="hint">${ROLE_WORDS[w.role] || w.role}</span>
        ${w.id === current ? html`<span class="badge">current</span>` : html`<button type="button" class="secondary use-workspace" onClick=${() => this.use(w.id)}>Switch<span class="visually-hidden"> to ${w.name}</span></button>`}
      </li>`)}</ul>
      ${me.member.instance_admin ? html`<form id="workspace-create" class="inline-form" onSubmit=${(e) => this.create(e)}>
        <div><label for="workspace-name">New workspace</label>
          <input id="workspace-name" required maxlength="100" value=${s.name} onInput=${(e) => this.setState({ name: e.currentTarget.value })} /></div>
        <button type="submit">Create</button>
      </form>` : null}
      ${s.note ? html`<p class="ok-note" role="status">${s.note}</p>` : null}
      ${problem(s.error)}
    </section>`;
  }
}

class Settings extends Component {
  constructor(props) {
    super(props);
    this.state = { me: null, loading: true };
  }
  componentDidMount() {
    this.load();
  }
  async load() {
    this.setState({ me: await whoAmI(), loading: false });
  }
  render() {
    const { me, loading } = this.state;
    if (loading) return html`<div id="settings"><h2>Settings</h2><p class="hint">Loading…</p></div>`;
    const role = me && me.workspace ? me.workspace.role : "viewer";
    const admin = atLeast(role, "admin");
    const manager = atLeast(role, "manager");
    return html`<div id="settings" data-role=${role}>
      <h2>Settings${me && me.workspace ? html` <span class="hint">· ${me.workspace.name}</span>` : null}</h2>
      <p class="hint" id="settings-role">You are ${(ROLE_WORDS[role] || role).toLowerCase()} here.${admin ? "" : manager ? " Members, invitations, tokens and the approval rule are for admins." : " Only managers and admins change the settings."}</p>
      <div class="settings-grid">
        <${Members} me=${me} admin=${admin} />
        ${admin ? html`<${Invitations} />` : null}
        <${Approval} admin=${admin} />
        ${admin ? html`<${Tokens} />` : null}
        ${manager ? html`<${Feeds} />` : null}
        ${manager ? html`<${Webhooks} />` : null}
        ${me && me.member ? html`<${Workspaces} me=${me} reload=${() => this.load()} />` : null}
      </div>
    </div>`;
  }
}

export async function renderSettings(view) {
  mount(view, html`<${Settings} />`);
}

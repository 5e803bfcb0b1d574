// Connecting accounts from the browser (#/accounts): one form per kind
// of network, driven by GET /v1/networks (an OAuth redirect and back, an
// app password, a webhook URL); each account's health in plain words
// (token expiry, last error, posts held); its posting slots; and
// disconnecting it, after a confirmation. Connecting, disconnecting and
// slots need the manager role: lower roles do not see the controls, and
// the API refuses them anyway.

import { html, mount, Component } from "./ui.js";
import { request, query } from "./api.js";
import { safeURL } from "./dom.js";

const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const DAY = 24 * 3600 * 1000;

// ROLES in increasing power, as the API ranks them.
const ROLES = ["viewer", "editor", "manager", "admin"];
export const atLeast = (role, min) => ROLES.indexOf(role) >= ROLES.indexOf(min);

// whoAmI answers GET /v1/me (the caller's role in this workspace), or
// null when it cannot be read.
export async function whoAmI() {
  try {
    return await request("/v1/me");
  } catch {
    return null;
  }
}

// FIELDS says how each connect parameter is asked for.
const FIELDS = {
  instance_url: { label: "Server address", type: "url", hint: "Your server, such as https://mastodon.social", placeholder: "https://" },
  identifier: { label: "Handle", type: "text", hint: "Such as team.bsky.social", autocomplete: "username" },
  app_password: { label: "App password", type: "password", hint: "Make one in the network's settings under App passwords: never give your main password.", autocomplete: "off" },
  service_url: { label: "Service address", type: "url", hint: "Only for a self-hosted server; leave empty otherwise.", placeholder: "https://" },
  webhook_url: { label: "Webhook URL", type: "url", hint: "Copied from the channel's settings (Integrations → Webhooks, or the workflow's URL).", placeholder: "https://" },
  channel_url: { label: "Channel link", type: "url", hint: "Where people read the channel, to link the posts to.", placeholder: "https://" },
  channel: { label: "Channel", type: "text", hint: "Such as #announcements" },
  page_id: { label: "Page id", type: "text", hint: "Only when the account manages several pages." },
};

function fieldOf(name) {
  const f = FIELDS[name];
  if (f) return f;
  const label = name.replace(/_/g, " ");
  return { label: label.charAt(0).toUpperCase() + label.slice(1), type: /secret|password|key/.test(name) ? "password" : "text", hint: "", autocomplete: "off" };
}

// KIND names each way of connecting as a person reads it.
const KIND = {
  oauth2: "You sign in on the network's own page, then come back here.",
  app_password: "With the account's handle and an app password.",
  webhook: "With a webhook URL of the channel to post to.",
};

// health lists what a person should know of an account, worst first.
export function health(a, held, now = Date.now()) {
  const out = [];
  if (a.status !== "connected") {
    out.push({ bad: true, text: "Not posting: " + (a.status_reason || "the account is " + a.status.replace(/_/g, " ")) + "; connect it again to post." });
  }
  if (a.token_expires_at && a.status === "connected") {
    const at = new Date(a.token_expires_at);
    const left = at.getTime() - now;
    if (a.token_renews) out.push({ bad: false, text: "Its sign-in is renewed automatically." });
    else if (left <= 0) out.push({ bad: true, text: "Its sign-in expired on " + dayFmt.format(at) + ": connect it again." });
    else if (left < 7 * DAY) {
      const hours = Math.ceil(left / 3600000);
      const days = Math.round(left / DAY);
      out.push({ bad: true, text: "Its sign-in expires in " + (hours < 36 ? hours + (hours === 1 ? " hour" : " hours") : days + " days") + ": connect it again before then." });
    } else out.push({ bad: false, text: "Sign-in valid until " + dayFmt.format(at) + "." });
  }
  if (held > 0) out.push({ bad: true, text: held + (held === 1 ? " post is" : " posts are") + " held until the account is connected again." });
  if (!out.some((h) => h.bad)) out.unshift({ bad: false, text: "Healthy: posting as planned." });
  return out;
}

// heldByAccount counts the targets held per account.
export async function heldByAccount() {
  const out = {};
  let cursor = "";
  for (let i = 0; i < 10; i++) {
    const page = await request("/v1/posts" + query({ status: "held", limit: 200, cursor }));
    for (const p of page.data || []) for (const t of p.targets || []) if (t.status === "held") out[t.account_id] = (out[t.account_id] || 0) + 1;
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

// Manage is one account's controls: posting slots and disconnecting.
class Manage extends Component {
  constructor(props) {
    super(props);
    const s = props.account.schedule || {};
    this.state = {
      mode: "", busy: false, error: null, note: "",
      timezone: s.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
      slots: (s.slots || []).map((x) => ({ ...x })),
    };
  }

  async disconnect() {
    const a = this.props.account;
    this.setState({ busy: true, error: null });
    try {
      await request("/v1/accounts/" + encodeURIComponent(a.id), { method: "DELETE" });
      this.props.done("Disconnected @" + a.username + ". Its scheduled posts are held until it is connected again.");
    } catch (err) {
      this.setState({ busy: false, error: err });
    }
  }

  async saveSlots(ev) {
    ev.preventDefault();
    const a = this.props.account;
    this.setState({ busy: true, error: null, note: "" });
    try {
      const slots = this.state.slots.map((x) => ({ weekday: Number(x.weekday), time: x.time }));
      const res = await request("/v1/accounts/" + encodeURIComponent(a.id) + "/schedule", {
        method: "PUT", body: { timezone: this.state.timezone, slots, posts_per_week: (a.schedule && a.schedule.posts_per_week) || 0 },
      });
      this.setState({ busy: false, mode: "", note: slots.length + (slots.length === 1 ? " posting slot" : " posting slots") + " saved.", slots: ((res && res.schedule && res.schedule.slots) || slots).map((x) => ({ ...x })) });
    } catch (err) {
      this.setState({ busy: false, error: err });
    }
  }

  setSlot(i, k, v) {
    const slots = this.state.slots.map((x, j) => (j === i ? { ...x, [k]: v } : x));
    this.setState({ slots });
  }

  render() {
    const a = this.props.account;
    const s = this.state;
    const id = a.id;
    const label = "@" + a.username;
    const err = s.error ? html`<p class="error" role="alert">${[s.error.message, ...(s.error.fields || []).map((f) => (f.field ? f.field + ": " : "") + f.message)].filter((x, i, l) => l.indexOf(x) === i).join(" · ")}</p>` : null;
    return html`<div class="manage">
      <div class="manage-buttons">
        <button type="button" class="secondary slots-open" aria-expanded=${s.mode === "slots"} aria-controls=${"slots-" + id}
          onClick=${() => this.setState({ mode: s.mode === "slots" ? "" : "slots", error: null })}>Posting slots (${s.slots.length})</button>
        ${a.status === "connected" ? html`<button type="button" class="secondary danger disconnect" aria-expanded=${s.mode === "disconnect"}
          onClick=${() => this.setState({ mode: s.mode === "disconnect" ? "" : "disconnect", error: null })}>Disconnect</button>` : null}
      </div>
      ${s.note ? html`<p class="ok-note" role="status">${s.note}</p>` : null}
      ${s.mode === "disconnect" ? html`<div class="confirm" role="group" aria-label=${"Disconnect " + label}>
        <p>Disconnect ${label}? rythme forgets its sign-in; its scheduled posts are held, not lost, until it is connected again.</p>
        <button type="button" class="danger confirm-disconnect" disabled=${s.busy} onClick=${() => this.disconnect()}>Yes, disconnect ${label}</button>
        <button type="button" class="secondary" onClick=${() => this.setState({ mode: "" })}>Keep it</button>
      </div>` : null}
      ${s.mode === "slots" ? html`<form class="slots" id=${"slots-" + id} onSubmit=${(e) => this.saveSlots(e)}>
        <p class="hint">The times “next free slot” picks for ${label}, in its time zone.</p>
        <label for=${"tz-" + id}>Time zone</label>
        <input id=${"tz-" + id} name="timezone" value=${s.timezone} required onInput=${(e) => this.setState({ timezone: e.currentTarget.value })} />
        <ul class="slot-list">
          ${s.slots.map((x, i) => html`<li class="slot" key=${i}>
            <label class="visually-hidden" for=${"wd-" + id + "-" + i}>Day of slot ${i + 1}</label>
            <select id=${"wd-" + id + "-" + i} value=${String(x.weekday)} onChange=${(e) => this.setSlot(i, "weekday", Number(e.currentTarget.value))}>
              ${WEEKDAYS.map((d, n) => html`<option value=${String(n)}>${d}</option>`)}
            </select>
            <label class="visually-hidden" for=${"tm-" + id + "-" + i}>Time of slot ${i + 1}</label>
            <input type="time" id=${"tm-" + id + "-" + i} value=${x.time} required onInput=${(e) => this.setSlot(i, "time", e.currentTarget.value)} />
            <button type="button" class="linkish" onClick=${() => this.setState({ slots: s.slots.filter((_, j) => j !== i) })}>Remove<span class="visually-hidden"> slot ${i + 1}</span></button>
          </li>`)}
        </ul>
        <div class="compose-actions">
          <button type="button" class="secondary add-slot" onClick=${() => this.setState({ slots: [...s.slots, { weekday: 1, time: "09:00" }] })}>Add a slot</button>
          <button type="submit" class="save-slots" disabled=${s.busy}>Save slots</button>
        </div>
      </form>` : null}
      ${err}
    </div>`;
  }
}

// manageCell returns the controls of one account's row; done(msg) is
// called after a change that redraws the page.
export function manageCell(td, account, done) {
  mount(td, html`<${Manage} account=${account} done=${done} />`);
}

// ConnectForm connects a new account on the network chosen.
class ConnectForm extends Component {
  constructor(props) {
    super(props);
    this.state = { network: "", values: {}, busy: false, error: null };
  }

  async connect(ev) {
    ev.preventDefault();
    const n = this.props.networks.find((x) => x.name === this.state.network);
    if (!n) return;
    const body = {};
    for (const k of [...n.connect_params, ...(n.connect_optional || [])]) {
      const v = (this.state.values[k] || "").trim();
      if (v) body[k] = v;
    }
    this.setState({ busy: true, error: null });
    try {
      const res = await request("/v1/accounts/" + encodeURIComponent(n.name) + "/connect", { method: "POST", body });
      if (res && res.authorize_url) {
        const to = safeURL(res.authorize_url);
        if (!to) throw new Error("The network answered an address that is not a web page.");
        this.setState({ busy: true });
        location.assign(to); // the network sends the browser back to the callback
        return;
      }
      const acc = res && res.account;
      this.props.done("Connected @" + (acc ? acc.username : "") + " on " + n.title + ".");
    } catch (err) {
      this.setState({ busy: false, error: err });
    }
  }

  render() {
    const s = this.state;
    const nets = this.props.networks;
    const n = nets.find((x) => x.name === s.network);
    const fieldErr = {};
    for (const f of (s.error && s.error.fields) || []) fieldErr[f.field] = (fieldErr[f.field] ? fieldErr[f.field] + " · " : "") + f.message;
    const input = (name, optional) => {
      const f = fieldOf(name);
      const id = "connect-" + name;
      const desc = [f.hint ? id + "-hint" : "", fieldErr[name] ? id + "-error" : ""].filter(Boolean).join(" ");
      return html`<div class="compose-field" key=${name}>
        <label for=${id}>${f.label}${optional ? " (optional)" : ""}</label>
        <input id=${id} name=${name} type=${f.type} required=${!optional} placeholder=${f.placeholder || ""} autocomplete=${f.autocomplete || "off"}
          aria-describedby=${desc || undefined} aria-invalid=${fieldErr[name] ? "true" : undefined}
          value=${s.values[name] || ""} onInput=${(e) => this.setState({ values: { ...s.values, [name]: e.currentTarget.value } })} />
        ${f.hint ? html`<p class="hint" id=${id + "-hint"}>${f.hint}</p>` : null}
        ${fieldErr[name] ? html`<p class="field-error error" id=${id + "-error"}>${fieldErr[name]}</p>` : null}
      </div>`;
    };
    const asked = n ? [...n.connect_params, ...(n.connect_optional || [])] : [];
    const general = s.error && !(s.error.fields || []).length ? true : s.error && (s.error.fields || []).some((f) => !asked.includes(f.field));
    return html`<section id="connect" aria-labelledby="connect-title">
      <h3 id="connect-title">Connect an account</h3>
      <form id="connect-form" onSubmit=${(e) => this.connect(e)}>
        <label for="connect-network">Network</label>
        <select id="connect-network" value=${s.network} onChange=${(e) => this.setState({ network: e.currentTarget.value, values: {}, error: null })}>
          <option value="">Choose a network…</option>
          ${nets.map((x) => html`<option value=${x.name}>${x.title}</option>`)}
        </select>
        ${n ? html`<div class="connect-kind" data-auth=${n.auth}>
          <p class="hint" id="connect-how">${KIND[n.auth] || ""}</p>
          ${n.connect_params.map((p) => input(p, false))}
          ${(n.connect_optional || []).map((p) => input(p, true))}
          <div class="compose-actions">
            <button type="submit" id="connect-submit" disabled=${s.busy}>${n.auth === "oauth2" ? "Continue to " + n.title : "Connect " + n.title}</button>
          </div>
        </div>` : null}
        ${general ? html`<div class="error-box" role="alert"><p class="error">${s.error.message}</p></div>` : null}
      </form>
    </section>`;
  }
}

// renderConnect draws the connect form into container.
export function renderConnect(container, networks, done) {
  mount(container, html`<${ConnectForm} networks=${networks} done=${done} />`);
}

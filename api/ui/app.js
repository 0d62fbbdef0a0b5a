// The lbaas dashboard: plain JavaScript on the public API, nothing the API does not offer to
// any client. The token stays in this tab (sessionStorage); every request carries it. Data is
// put into the page as text (textContent), never as HTML, so a name cannot inject markup.
"use strict";

const TOKEN_KEY = "lbaas-token";
const state = { token: sessionStorage.getItem(TOKEN_KEY), admin: false, known: false, stop: [] };
const main = document.getElementById("main");
const nav = document.getElementById("nav");

// ---- small helpers -------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function status(s) {
  return h("span", { class: "status " + (s || "") }, s || "—");
}

function time(t) {
  return t ? new Date(t).toLocaleString() : "—";
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign(
      { Authorization: "Bearer " + state.token },
      body ? { "Content-Type": "application/json" } : {},
    ),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok || (data && data.status === "fail")) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || "http_" + res.status, e.message || res.statusText);
  }
  return data;
}

/// Reads the event stream (Server-Sent Events over fetch, so the token goes in a header) and
/// calls `onEvent` for each event; reconnects after a break from the last event seen. `onOpen`
/// runs each time the stream is connected: a stream without a resume point starts at the newest
/// event, so what happened before it connected is for the caller to read. Returns a function
/// that stops it.
function follow(query, onEvent, after, onOpen) {
  const ctrl = new AbortController();
  let last = after || null;
  (async () => {
    while (!ctrl.signal.aborted) {
      try {
        const headers = { Authorization: "Bearer " + state.token };
        if (last) headers["Last-Event-ID"] = last;
        const res = await fetch("/v1/events/stream" + query, { headers, signal: ctrl.signal });
        if (!res.ok) throw new Error("stream " + res.status);
        if (onOpen) onOpen();
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true }).replace(/\r\n/g, "\n");
          let end;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = frame.split("\n").filter((l) => l.startsWith("data:"))
              .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
            if (!data) continue;
            const ev = JSON.parse(data);
            last = ev.id;
            onEvent(ev);
          }
        }
      } catch (e) {
        if (ctrl.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return () => ctrl.abort();
}

function every(ms, fn) {
  const id = setInterval(fn, ms);
  return () => clearInterval(id);
}

function debounce(ms, fn) {
  let t = null;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

function showError(where, e) {
  where.replaceChildren(h("p", { class: "error", role: "alert" }, e.code ? `${e.code}: ${e.message}` : String(e)));
}

// ---- views ---------------------------------------------------------------------------------

function signIn(message) {
  state.known = false;
  nav.replaceChildren();
  const input = h("input", { id: "token", type: "password", autocomplete: "off", required: true });
  const out = h("div");
  const form = h("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      state.token = input.value.trim();
      try {
        await whoAmI();
        state.known = true;
        sessionStorage.setItem(TOKEN_KEY, state.token);
        location.hash = state.admin ? "#/admin" : "#/";
        route();
      } catch (e) {
        showError(out, e);
      }
    },
  },
    h("label", { for: "token" }, "Token"), input, h("p", {}, h("button", { type: "submit" }, "Sign in")), out);
  main.replaceChildren(h("section", {}, h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, message || "A tenant's token (lbt_…) or the operator's admin token."), form));
  input.focus();
}

/// A tenant token lists projects; the admin token gets 400 tenant_token_required there.
async function whoAmI() {
  try {
    await api("GET", "/v1/projects?limit=1");
    state.admin = false;
  } catch (e) {
    if (e.code !== "tenant_token_required") throw e;
    await api("GET", "/v1/tenants?limit=1");
    state.admin = true;
  }
}

function header() {
  nav.replaceChildren(
    state.admin ? h("a", { href: "#/admin" }, "Tenants") : h("a", { href: "#/" }, "Load balancers"),
    h("button", { class: "secondary", onclick: () => { sessionStorage.removeItem(TOKEN_KEY); state.token = null; signIn("Signed out."); } }, "Sign out"),
  );
}

async function home() {
  const list = h("div", { "aria-live": "polite" }, h("p", {}, "Loading…"));
  const events = h("ul", { class: "events", "aria-label": "Recent events" });
  const live = h("span", { class: "muted" });
  const form = createForm(() => refresh());
  main.replaceChildren(
    h("section", {}, h("h1", {}, "Load balancers"), list),
    h("section", {}, h("h2", {}, "Create an instance"), form),
    h("section", {}, h("h2", {}, "Monitor log", live), events),
  );
  async function refresh() {
    try {
      const projects = (await api("GET", "/v1/projects?limit=1000")).items;
      const rows = [];
      for (const p of projects) {
        const lbs = (await api("GET", `/v1/projects/${encodeURIComponent(p.name)}/load-balancers?limit=1000`)).items;
        for (const lb of lbs) rows.push([p, lb]);
        if (lbs.length === 0) rows.push([p, null]);
      }
      form.setProjects(projects);
      list.replaceChildren(rows.length === 0 ? h("p", { class: "muted" }, "No project yet.") :
        h("div", { class: "wrap" }, h("table", {},
          h("thead", {}, h("tr", {}, ["Project", "Load balancer", "Provisioning", "Operating", "VIPs", "URL"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, rows.map(([p, lb]) => lb ? h("tr", { "data-lb": lb.name },
            h("td", {}, p.display_name || p.name),
            h("td", {}, h("a", { href: `#/lb/${encodeURIComponent(p.name)}/${encodeURIComponent(lb.name)}` }, lb.name)),
            h("td", {}, status(lb.provisioning_status)),
            h("td", {}, status(lb.operating_status)),
            h("td", {}, (lb.vips || []).join(", ") || "—"),
            h("td", {}, lb.url)) :
            h("tr", {}, h("td", {}, p.display_name || p.name), h("td", { colspan: 5, class: "muted" }, "no load balancer")))))));
    } catch (e) {
      if (e.status === 401) return signIn("The token is no longer valid.");
      showError(list, e);
    }
  }
  await refresh();
  const later = debounce(300, refresh);
  state.stop.push(follow("", (ev) => {
    events.prepend(h("li", {}, `${time(ev.created_at)}  ${ev.kind}  ${ev.message}`));
    later();
  }, null, () => {
    // Connected: what happened before it is read by the refresh; the log says it is live.
    events.dataset.live = "true";
    live.textContent = " (live)";
    later();
  }));
  state.stop.push(every(5000, refresh));
}

function createForm(done) {
  const project = h("select", { id: "c-project", required: true });
  const name = h("input", { id: "c-name", required: true, pattern: "[a-z0-9]([a-z0-9-]*[a-z0-9])?", placeholder: "web" });
  const type = h("select", { id: "c-type" }, h("option", { value: "http" }, "HTTP"), h("option", { value: "tcp" }, "TCP"));
  const subnet = h("input", { id: "c-subnet", required: true, placeholder: "10.10.0.0/24" });
  const backends = h("textarea", { id: "c-backends", rows: 3, required: true, placeholder: "10.10.0.11:8080\n10.10.0.12:8080" });
  const check = h("input", { id: "c-check", placeholder: "/healthz" });
  const out = h("div", { "aria-live": "polite" });
  // Disabled until the projects are listed: before that the required select has no option and
  // the browser refuses the submit without a word (a quick click did nothing at all).
  const submit = h("button", { type: "submit", disabled: true }, "Create");
  const form = h("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      out.replaceChildren();
      const entities = backends.value.split(/\s+/).filter(Boolean);
      const backend = { entities };
      if (check.value.trim()) {
        // HTTP probes of each backend's own port, every second, two in a row to change state.
        const port = Number((entities[0] || "").split(":").pop()) || 80;
        backend["health-check"] = {
          protocol: "HTTP", port, "request-path": check.value.trim(),
          criteria: { interval: 1, timeout: 1, "health-threshold": 2, "unhealth-threshold": 2 },
        };
      }
      try {
        await api("POST", "/v1/requests", {
          action: "create", type: "instance",
          info: { project: project.value, name: name.value, traffic_type: type.value, subnet: subnet.value, backend },
        });
        out.replaceChildren(h("p", {}, `Created ${name.value}: it goes ACTIVE when its node is up.`));
        name.value = "";
        done();
      } catch (e) {
        showError(out, e);
      }
    },
  },
    h("label", { for: "c-project" }, "Project"), project,
    h("label", { for: "c-name" }, "Name"), name,
    h("label", { for: "c-type" }, "Traffic"), type,
    h("label", { for: "c-subnet" }, "Backend subnet"), subnet,
    h("label", { for: "c-backends" }, "Backends (address:port, one per line)"), backends,
    h("label", { for: "c-check" }, "Health check path (optional, HTTP)"), check,
    h("p", {}, submit), out);
  form.setProjects = (projects) => {
    const chosen = project.value;
    project.replaceChildren(...projects.map((p) => h("option", { value: p.name }, p.display_name || p.name)));
    if (chosen) project.value = chosen;
    submit.disabled = projects.length === 0;
  };
  return form;
}

async function lbPage(projectName, lbName) {
  const summary = h("div", {}, h("p", {}, "Loading…"));
  const nodes = h("div");
  const members = h("div");
  const events = h("ul", { class: "events", "aria-label": "Events of this load balancer" });
  const rpsChart = h("div", { class: "chart", role: "img", "aria-label": "Requests per second per member" });
  const p99Chart = h("div", { class: "chart", role: "img", "aria-label": "p99 latency per member" });
  const out = h("div", { "aria-live": "polite" });
  const del = h("button", {
    class: "danger",
    onclick: async () => {
      if (!confirm(`Delete ${lbName}? Its VIPs and DNS name go with it.`)) return;
      try {
        await api("POST", "/v1/requests", { action: "delete", type: "instance", info: { project: projectName, name: lbName } });
        location.hash = "#/";
      } catch (e) {
        showError(out, e);
      }
    },
  }, "Delete");
  main.replaceChildren(
    h("section", {}, h("h1", {}, lbName), summary, h("p", {}, del), out),
    h("section", {}, h("h2", {}, "Members"), members),
    h("section", {}, h("h2", {}, "Traffic"), h("div", { class: "grid" }, rpsChart, p99Chart)),
    h("section", {}, h("h2", {}, "Nodes"), nodes),
    h("section", {}, h("h2", {}, "Monitor log"), events),
  );
  const charts = new Charts(rpsChart, p99Chart);
  let lbId = null;
  async function refresh() {
    let info;
    try {
      info = (await api("POST", "/v1/requests", { action: "info", type: "instance", info: { project: projectName, name: lbName } })).info;
    } catch (e) {
      if (e.status === 404) { summary.replaceChildren(h("p", {}, "This load balancer is gone.")); return; }
      return showError(summary, e);
    }
    if (!lbId) {
      // Its history, then every new event of it as it is recorded.
      lbId = info.id;
      const q = "?load_balancer_id=" + encodeURIComponent(lbId);
      const past = (await api("GET", "/v1/events" + q + "&limit=1000")).items;
      const line = (ev) => events.prepend(h("li", {}, `${time(ev.created_at)}  ${ev.kind}  ${ev.message}`));
      past.forEach(line);
      state.stop.push(follow(q, line, past.length ? past[past.length - 1].id : null));
    }
    summary.replaceChildren(h("dl", {},
      h("dt", {}, "URL"), h("dd", {}, info.url),
      h("dt", {}, "Provisioning"), h("dd", {}, status(info.provisioning_status)),
      h("dt", {}, "Operating"), h("dd", {}, status(info.operating_status)),
      h("dt", {}, "VIPs"), h("dd", {}, (info.vips || []).join(", ") || "—"),
      h("dt", {}, "Traffic"), h("dd", {}, `${info.traffic_type || "—"} on port ${info.port || "—"}, ${info.algorithm || "—"}`),
      info.status_reason ? [h("dt", {}, "Reason"), h("dd", {}, info.status_reason)] : null));
    members.replaceChildren(h("div", { class: "wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Member", "Health", "Requests", "Errors", "Active", "p50 ms", "p99 ms", "Last seen"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, (info.members || []).map((m) => {
        const t = m.traffic || {};
        return h("tr", { "data-member": m.address },
          h("td", {}, `${m.address}:${m.port}`), h("td", {}, status(m.operating_status)),
          h("td", {}, t.requests ?? "—"), h("td", {}, t.errors ?? "—"), h("td", {}, t.active_connections ?? "—"),
          h("td", {}, t.latency_p50_ms?.toFixed(1) ?? "—"), h("td", {}, t.latency_p99_ms?.toFixed(1) ?? "—"),
          h("td", {}, time(t.last_seen)));
      })))));
    nodes.replaceChildren((info.nodes || []).length === 0 ? h("p", { class: "muted" }, "No node yet.") :
      h("div", { class: "wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, ["Node", "Status", "VIP", "Load", "Heartbeat", "Reason"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, info.nodes.map((n) => h("tr", {},
          h("td", {}, n.name), h("td", {}, status(n.status)), h("td", {}, n.vip || "—"),
          h("td", {}, n.utilization), h("td", {}, time(n.last_heartbeat)), h("td", {}, n.status_reason || "")))))));
    charts.add(info.members || []);
  }
  await refresh();
  state.stop.push(every(2000, refresh));
}

/// Requests/s (from the members' running request totals) and p99 per member, last 5 minutes.
class Charts {
  constructor(rpsEl, p99El) {
    this.rpsEl = rpsEl;
    this.p99El = p99El;
    this.t = [];
    this.rps = new Map();
    this.p99 = new Map();
    this.prev = new Map();
    this.keys = [];
  }
  add(members) {
    const now = Date.now() / 1000;
    const keys = members.map((m) => `${m.address}:${m.port}`);
    if (keys.join() !== this.keys.join()) {
      this.keys = keys;
      this.t = [];
      this.rps.clear();
      this.p99.clear();
      this.prev.clear();
      this.plots = null;
    }
    this.t.push(now);
    members.forEach((m, i) => {
      const k = keys[i];
      const t = m.traffic;
      const prev = this.prev.get(k);
      let rate = null;
      if (t && prev && now > prev.at && t.requests >= prev.requests) rate = (t.requests - prev.requests) / (now - prev.at);
      if (t) this.prev.set(k, { at: now, requests: t.requests });
      push(this.rps, k, rate);
      push(this.p99, k, t ? t.latency_p99_ms : null);
    });
    if (this.t.length > 150) {
      this.t.shift();
      for (const m of [this.rps, this.p99]) for (const v of m.values()) v.shift();
    }
    this.draw();
    function push(map, k, v) {
      if (!map.has(k)) map.set(k, []);
      map.get(k).push(v);
    }
  }
  draw() {
    if (typeof uPlot === "undefined") {
      this.rpsEl.replaceChildren(h("p", { class: "muted" }, "Charts need the vendored uPlot (make setup)."));
      return;
    }
    const width = Math.max(280, this.rpsEl.clientWidth || 300);
    const make = (el, title, map, unit) => {
      const opts = {
        title, width, height: 200,
        series: [{}].concat(this.keys.map((k, i) => ({ label: k, stroke: ["#0b5cad", "#b3261e", "#1e7a34", "#8a5a00", "#6a3fb5"][i % 5], value: (u, v) => v == null ? "—" : v.toFixed(1) + unit }))),
        axes: [{}, { label: unit }],
      };
      return new uPlot(opts, [this.t].concat(this.keys.map((k) => map.get(k) || [])), el);
    };
    if (!this.plots) {
      this.rpsEl.replaceChildren();
      this.p99El.replaceChildren();
      this.plots = [make(this.rpsEl, "Requests/s", this.rps, " req/s"), make(this.p99El, "p99 latency", this.p99, " ms")];
    } else {
      this.plots[0].setData([this.t].concat(this.keys.map((k) => this.rps.get(k) || [])));
      this.plots[1].setData([this.t].concat(this.keys.map((k) => this.p99.get(k) || [])));
    }
  }
}

async function admin() {
  const tenants = h("div", {}, h("p", {}, "Loading…"));
  const hypervisors = h("div");
  const nodes = h("div");
  main.replaceChildren(
    h("section", {}, h("h1", {}, "Tenants"), tenants),
    h("section", {}, h("h2", {}, "Hypervisors and warm pools"), hypervisors),
    h("section", {}, h("h2", {}, "Every node"), nodes));
  const table = (heads, rows) => h("div", { class: "wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, heads.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows)));
  async function refresh() {
    try {
      const [ts, hs, ns] = await Promise.all([
        api("GET", "/v1/tenants?limit=1000"), api("GET", "/v1/hypervisors?limit=1000"), api("GET", "/v1/nodes?limit=1000")]);
      tenants.replaceChildren(table(["Tenant", "Load balancer quota", "Node quota", "Created"],
        ts.items.map((t) => h("tr", {}, h("td", {}, t.name),
          h("td", {}, t.quotas ? t.quotas.load_balancers : "—"), h("td", {}, t.quotas ? t.quotas.nodes : "—"),
          h("td", {}, time(t.created_at))))));
      hypervisors.replaceChildren(table(["Hypervisor", "URI", "Nodes", "Warm pool"],
        hs.items.map((x) => h("tr", {}, h("td", {}, x.name), h("td", {}, x.uri), h("td", {}, x.nodes),
          h("td", {}, x.spare_nodes.length ? `${x.spare_nodes.length}: ${x.spare_nodes.map((s) => s.name).join(", ")}` : "empty")))));
      nodes.replaceChildren(ns.items.length === 0 ? h("p", { class: "muted" }, "No node.") :
        table(["Node", "Tenant / project / load balancer", "Status", "VIP", "Req/s", "Heartbeat", "Reason"],
          ns.items.map((n) => h("tr", {}, h("td", {}, n.name), h("td", {}, `${n.tenant} / ${n.project} / ${n.load_balancer}`),
            h("td", {}, status(n.status)), h("td", {}, n.vip || "—"), h("td", {}, n.requests_per_second.toFixed(1)),
            h("td", {}, time(n.last_heartbeat)), h("td", {}, n.status_reason || "")))));
    } catch (e) {
      showError(tenants, e);
    }
  }
  await refresh();
  state.stop.push(every(5000, refresh));
}

// ---- routing -------------------------------------------------------------------------------

async function route() {
  for (const stop of state.stop.splice(0)) stop();
  if (!state.token) return signIn();
  // Which kind of token this is, asked once per sign-in (views handle a 401 themselves).
  if (!state.known) {
    try {
      await whoAmI();
      state.known = true;
    } catch (e) {
      return signIn(e.status === 401 ? "The token is no longer valid." : e.message);
    }
  }
  header();
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (state.admin) return admin();
  if (parts[0] === "lb" && parts.length === 3) return lbPage(parts[1], parts[2]);
  return home();
}

window.addEventListener("hashchange", route);
route();

// ZkDiscovery dashboard: a small hash-routed page over the JSON API next to it (api/...), kept live by
// Server-Sent Events (api/events). Every value from ZooKeeper reaches the DOM as text, never as HTML.
"use strict";

const state = { info: null, services: null, configuration: null, session: null, live: false };
const view = document.getElementById("view");

// ---------- helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
  append(el, children);
  return el;
}

async function api(path, options) {
  const response = await fetch("api/" + path, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(body && body.error ? body.error : "HTTP " + response.status);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

async function post(path, payload) {
  const headers = { "Content-Type": "application/json" };
  if (state.info && state.info.antiforgeryHeader) headers[state.info.antiforgeryHeader] = state.info.antiforgeryToken;
  return api(path, { method: "POST", headers, body: JSON.stringify(payload), credentials: "same-origin" });
}

function time(value) {
  if (!value) return "—";
  const d = new Date(value);
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function ago(value) {
  if (!value) return "";
  const s = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " d ago";
}

function treeLink(path, text) {
  return h("a", { href: "#/tree?path=" + encodeURIComponent(path), class: "mono" }, text || path);
}

function statusBadge(status) {
  const kind = status === "Current" ? "ok" : status === "Stale" || status === "NotLoaded" ? "bad" : "warn";
  return h("span", { class: "badge " + kind }, status);
}

function errorBox(error) {
  return h("div", { class: "error", role: "alert" }, error.message || String(error),
    error.body && error.body.detail ? h("div", { class: "muted" }, error.body.detail) : null);
}

function td(label, ...content) { return h("td", { "data-label": label }, ...content); }

// A name column: kept on one line on wide screens.
function tdKey(label, ...content) { return h("td", { "data-label": label, class: "key" }, ...content); }

function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || "overview", arg: parts[1], params };
}

// ---------- live feed ----------

function connect() {
  const source = new EventSource("api/events");
  const mark = (on) => {
    state.live = on;
    const el = document.getElementById("live");
    el.className = "live " + (on ? "on" : "off");
    el.textContent = on ? "live" : "reconnecting…";
  };
  source.onopen = () => mark(true);
  source.onerror = () => mark(false);
  for (const topic of ["services", "configuration", "session"]) {
    source.addEventListener(topic, (event) => {
      state[topic] = JSON.parse(event.data);
      mark(true);
      refresh(topic);
    });
  }
}

// Re-render the current page when a topic it shows changed (the tree and import pages keep their own state).
function refresh(topic) {
  const r = route();
  const uses = {
    overview: ["services", "configuration", "session"],
    services: ["services"],
    config: ["configuration"],
    session: ["session"],
  }[r.name] || [];
  if (uses.includes(topic)) render();
}

// ---------- pages ----------

const pages = {
  overview() {
    const services = state.services || [];
    const providers = state.configuration || [];
    const session = state.session;
    const keys = providers.flatMap((p) => p.keys.map((k) => ({ ...k, provider: p })));
    return [
      h("h1", {}, "Overview"),
      h("div", { class: "grid" },
        h("section", { class: "panel", id: "overview-services" },
          h("div", { class: "svc-head" }, h("h2", {}, "Services"), h("a", { href: "#/services" }, "all services →")),
          services.length === 0 ? h("p", { class: "muted" }, "No services discovered or registered yet.") :
            h("table", {}, h("tbody", {}, services.map((s) => h("tr", { dataset: { service: s.name } },
              h("td", {}, h("a", { href: "#/services/" + encodeURIComponent(s.name) }, s.name), h("div", { class: "muted mono" }, s.path)),
              h("td", {}, h("span", { class: "count" }, s.instances.length), " ", h("span", { class: "muted" }, s.instances.length === 1 ? "instance" : "instances")),
              h("td", {}, s.isStale ? h("span", { class: "badge warn" }, "stale") : h("span", { class: "badge ok" }, "live"))))))),
        h("section", { class: "panel", id: "overview-config" },
          h("div", { class: "svc-head" }, h("h2", {}, "Configuration"), h("a", { href: "#/config" }, "details →")),
          keys.length === 0 ? h("p", { class: "muted" }, "No configuration keys from ZooKeeper.") :
            h("table", {}, h("tbody", {}, keys.slice(0, 40).map((k) => h("tr", { dataset: { key: k.key } },
              h("td", {}, h("a", { href: "#/config?key=" + encodeURIComponent(k.key), class: "mono" }, k.key)),
              h("td", { class: "value-cell" }, k.isSecret ? h("span", { class: "hidden-value" }, "hidden") : k.value))))),
          keys.length > 40 ? h("p", { class: "muted" }, keys.length - 40, " more keys on the configuration page.") : null),
        h("section", { class: "panel" },
          h("div", { class: "svc-head" }, h("h2", {}, "Session"), h("a", { href: "#/session" }, "details →")),
          session ? h("dl", { class: "stat" },
            h("dt", {}, "State"), h("dd", {}, h("span", { class: "badge " + (session.isConnected ? "ok" : "warn") }, session.state)),
            h("dt", {}, "Server"), h("dd", { class: "mono" }, session.server || "—"),
            h("dt", {}, "Session"), h("dd", { class: "mono" }, session.sessionId)) : h("p", { class: "muted" }, "…"))),
    ];
  },

  services(r) {
    const services = state.services || [];
    if (r.arg) {
      const s = services.find((x) => x.name.toLowerCase() === r.arg.toLowerCase());
      if (!s) return [h("h1", {}, r.arg), h("p", { class: "muted" }, "This service is not known to the app (yet).")];
      return serviceDetail(s);
    }
    return [h("h1", {}, "Services"), services.length === 0 ? h("p", { class: "muted" }, "No services discovered or registered yet.") :
      services.map((s) => h("section", { class: "panel", dataset: { service: s.name } },
        h("div", { class: "svc-head" },
          h("h2", {}, h("a", { href: "#/services/" + encodeURIComponent(s.name) }, s.name), " ", h("span", { class: "muted mono" }, s.path)),
          h("span", {}, h("span", { class: "chip" }, s.source), s.isStale ? h("span", { class: "badge warn" }, "stale") : null)),
        instanceTable(s)))];
  },

  tree(r) { return treePage(r.params.get("path") || "/"); },

  config(r) {
    const providers = state.configuration || [];
    const highlight = r.params.get("key");
    if (providers.length === 0) return [h("h1", {}, "Configuration"), h("p", { class: "muted" }, "The app has no ZooKeeper configuration provider.")];
    return [h("h1", {}, "Configuration"), providers.map((p) => h("section", { class: "panel", dataset: { provider: p.path } },
      h("div", { class: "svc-head" }, h("h2", {}, treeLink(p.path)), statusBadge(p.status)),
      h("dl", { class: "stat" },
        h("dt", {}, "Last reload"), h("dd", {}, time(p.lastReloadTime), " ", h("span", { class: "muted" }, ago(p.lastReloadTime))),
        h("dt", {}, "Data from"), h("dd", {}, time(p.lastGoodDataTime)),
        h("dt", {}, "Optional"), h("dd", {}, p.isOptional ? "yes" : "no"),
        h("dt", {}, "Last error"), h("dd", { class: p.lastError ? "" : "muted" }, p.lastError ? [p.lastError, " (", time(p.lastErrorTime), ")"] : "none")),
      h("h3", {}, p.keys.length, " keys"),
      h("table", { class: "cards" },
        h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Value"), h("th", {}, "Source node"), h("th", {}, "Links"))),
        h("tbody", {}, p.keys.map((k) => h("tr", { dataset: { key: k.key }, class: k.key === highlight ? "highlight" : null, id: k.key === highlight ? "highlighted" : null },
          tdKey("Key", h("span", { class: "mono" }, k.key)),
          td("Value", k.isSecret ? h("span", { class: "hidden-value" }, "hidden (secret)") : h("span", { class: "value-cell" }, k.value ?? "null"),
            k.isOverridden ? h("div", { class: "muted" }, "overridden by a later configuration source") : null),
          h("td", { "data-label": "Source node", class: "source" }, treeLink(k.nodePath)),
          td("Links", k.links.length === 0 ? h("span", { class: "muted" }, "—") : k.links.map((l) => h("div", { class: "mono" }, l)))))))))];
  },

  session() {
    const s = state.session;
    if (!s) return [h("h1", {}, "Session"), h("p", { class: "muted" }, "…")];
    const m = s.meter;
    return [h("h1", {}, "Session"), h("div", { class: "grid" },
      h("section", { class: "panel" }, h("h2", {}, "Connection"), h("dl", { class: "stat", id: "session" },
        h("dt", {}, "State"), h("dd", {}, h("span", { class: "badge " + (s.isConnected ? "ok" : "warn") }, s.state)),
        h("dt", {}, "Server"), h("dd", { class: "mono" }, s.server || "—"),
        h("dt", {}, "Session id"), h("dd", { class: "mono" }, s.sessionId),
        h("dt", {}, "Session timeout"), h("dd", {}, s.sessionTimeoutSeconds, " s"),
        h("dt", {}, "Read-only"), h("dd", {}, s.isReadOnly ? "yes" : "no"),
        h("dt", {}, "Chroot"), h("dd", { class: "mono" }, s.chroot || "—"),
        h("dt", {}, "Last zxid"), h("dd", { class: "mono" }, s.lastZxid))),
      h("section", { class: "panel" }, h("h2", {}, "Client meter"), h("p", { class: "muted" }, "Since ", time(m.since)),
        h("dl", { class: "stat", id: "meter" },
          h("dt", {}, "Requests"), h("dd", {}, m.requests),
          h("dt", {}, "Errors"), h("dd", {}, m.errors),
          h("dt", {}, "Mean request time"), h("dd", {}, m.meanRequestMilliseconds == null ? "—" : m.meanRequestMilliseconds.toFixed(2) + " ms"),
          h("dt", {}, "Watch events"), h("dd", {}, m.watchEvents),
          h("dt", {}, "Reconnects"), h("dd", {}, m.reconnects),
          h("dt", {}, "Session expirations"), h("dd", {}, m.sessionExpirations))))];
  },

  import() { return importPage(); },
};

function instanceTable(s) {
  if (!s.isLoaded) return h("p", { class: "muted" }, "Loading…");
  if (!s.pathExists) return h("p", { class: "muted" }, s.path, " does not exist.");
  if (s.instances.length === 0) return h("p", { class: "muted" }, "No live instances.");
  return h("table", { class: "cards instances" },
    h("thead", {}, h("tr", {}, ["Address", "URI", "PID", "Version", "Started", "Layout", "Metadata"].map((x) => h("th", {}, x)))),
    h("tbody", {}, s.instances.map((i) => h("tr", { dataset: { instance: i.name } },
      tdKey("Address", h("a", { href: "#/tree?path=" + encodeURIComponent(i.path), class: "mono" }, i.address),
        i.isStale ? h("span", { class: "badge warn" }, "stale") : null),
      td("URI", h("span", { class: "mono" }, i.uri)),
      td("PID", i.pid ?? "—"),
      td("Version", i.version ?? "—"),
      td("Started", i.started ? [time(i.started), h("div", { class: "muted" }, ago(i.started))] : "—"),
      td("Layout", h("span", { class: "chip" }, i.layout)),
      td("Metadata", metadataChips(i))))));
}

function metadataChips(i) {
  const p = i.properties || {};
  const meta = p.metadata && typeof p.metadata === "object" ? p.metadata : null;
  const skip = new Set(["scheme", "host", "port", "uri", "pid", "version", "started", "metadata", "application"]);
  const chips = [];
  if (p.application) chips.push(h("span", { class: "chip" }, "app: ", String(p.application)));
  if (meta) for (const [k, v] of Object.entries(meta)) chips.push(h("span", { class: "chip" }, k, ": ", typeof v === "string" ? v : JSON.stringify(v)));
  for (const [k, v] of Object.entries(p)) if (!skip.has(k)) chips.push(h("span", { class: "chip" }, k, ": ", typeof v === "string" ? v : JSON.stringify(v)));
  return chips.length ? chips : h("span", { class: "muted" }, "—");
}

function serviceDetail(s) {
  return [
    h("h1", {}, s.name, " ", h("span", { class: "muted mono" }, s.path)),
    h("section", { class: "panel", dataset: { service: s.name } },
      h("div", { class: "svc-head" },
        h("h2", {}, h("span", { class: "count", id: "instance-count" }, s.instances.length), " live ", s.instances.length === 1 ? "instance" : "instances"),
        h("span", {}, h("span", { class: "chip" }, s.source), " ",
          s.isStale ? h("span", { class: "badge warn" }, "stale: ZooKeeper not reachable, showing last known") : h("span", { class: "badge ok" }, "live"),
          " ", h("span", { class: "muted" }, "updated ", time(s.updated)))),
      instanceTable(s),
      h("p", {}, treeLink(s.path, "Browse " + s.path + " in the tree"))),
  ];
}

// ---------- tree ----------

function treePage(path) {
  const container = h("div", {}, h("h1", {}, "Tree"), h("p", { class: "muted" }, "Loading ", path, "…"));
  subtreeKind = "picture";
  loadNode(path, container).then((node) => { if (node) followNode(node.realPath, container); });
  return container;
}

// The node the tree page shows follows ZooKeeper (api/node/events): when its data, children or existence change, the
// page reads it again, unless a property is being edited (the edit keeps its version and meets the conflict on save).
let nodeFeed = null;

function followNode(path, container) {
  stopFollowingNode();
  if (!container.isConnected) return;
  const source = new EventSource("api/node/events?path=" + encodeURIComponent(path));
  nodeFeed = { source, container };
  source.addEventListener("node", () => {
    if (!container.isConnected) { stopFollowingNode(); return; }
    if (!container.querySelector("form")) reloadNode(path, container);
  });
}

function stopFollowingNode() {
  if (nodeFeed) nodeFeed.source.close();
  nodeFeed = null;
}

async function reloadNode(path, container) {
  const node = await fetchNode(path, container);
  // Shown already (the page's own save reads it too), or an edit began meanwhile.
  if (!node || container.dataset.shown === nodeStamp(node) || container.querySelector("form")) return;
  showNode(node, container);
}

function nodeStamp(node) {
  return [node.stat.mzxid, node.stat.childrenVersion, node.stat.aclVersion].join("/");
}

async function loadNode(path, container, notice) {
  const node = await fetchNode(path, container);
  if (node) showNode(node, container, notice);
  return node;
}

// The node, or null when it cannot be read (the page then says why).
async function fetchNode(path, container) {
  try {
    return await api("node?path=" + encodeURIComponent(path));
  } catch (e) {
    container.replaceChildren(h("h1", {}, "Tree"), crumbs(path), errorBox(e));
    return null;
  }
}

function showNode(node, container, notice) {
  const canWrite = state.info && state.info.canWrite;
  const segments = node.realPath.split("/").filter(Boolean);
  const detail = h("div", {});
  const body = h("div", { class: "tree-layout" },
    h("section", { class: "panel" },
      h("h2", {}, "Children ", h("span", { class: "muted" }, node.stat.childrenCount)),
      segments.length ? h("p", {}, treeLink("/" + segments.slice(0, -1).join("/"), "↑ parent")) : null,
      node.children.length === 0 ? h("p", { class: "muted" }, "none") :
        h("ul", { class: "children" }, node.children.map((c) => h("li", {}, h("a", { href: "#/tree?path=" + encodeURIComponent((node.realPath === "/" ? "" : node.realPath) + "/" + c) }, c))))),
    detail);

  append(detail, [
    notice || null,
    node.path !== node.realPath ? h("p", { class: "muted" }, node.path, " resolves to ", treeLink(node.realPath)) : null,
    node.readWarning ? h("div", { class: "error" }, node.readWarning) : null,
    h("section", { class: "panel", id: "properties" }, h("h2", {}, "Properties"),
      node.properties.length === 0 ? h("p", { class: "muted" }, "none") :
        h("table", { class: "cards" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Value"), canWrite ? h("th", {}, "") : null)),
          h("tbody", {}, node.properties.map((p) => propertyRow(node, p, canWrite, container))))),
    node.propertyLinks.length ? h("section", { class: "panel", id: "property-links" }, h("h2", {}, "Property links"),
      h("table", { class: "cards" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Link"), h("th", {}, "Resolves to"))),
        h("tbody", {}, node.propertyLinks.map((l) => h("tr", { dataset: { propertyLink: l.name } },
          tdKey("Name", h("span", { class: "mono" }, l.name, " =>")),
          td("Link", h("span", { class: "mono" }, l.target), l.targetPath ? h("div", {}, treeLink(l.targetPath), " ", h("span", { class: "muted" }, l.targetProperty)) : null),
          h("td", { "data-label": "Resolves to", class: "resolved value-cell" }, l.error ? h("span", { class: "badge bad" }, l.error) : l.value)))))) : null,
    node.symbolicLinks.length ? h("section", { class: "panel", id: "symbolic-links" }, h("h2", {}, "Symbolic links"),
      h("table", { class: "cards" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Target"), h("th", {}, "Resolves to"))),
        h("tbody", {}, node.symbolicLinks.map((l) => h("tr", { dataset: { symbolicLink: l.name } },
          tdKey("Name", h("span", { class: "mono" }, l.name, " ->")),
          td("Target", h("span", { class: "mono" }, l.target)),
          h("td", { "data-label": "Resolves to", class: "resolved" }, l.resolvedPath ? treeLink(l.resolvedPath) : null, l.error ? h("div", { class: "badge bad" }, l.error) : null)))))) : null,
    h("div", { class: "grid" },
      h("section", { class: "panel", id: "stat" }, h("h2", {}, "Stat"), h("dl", { class: "stat" },
        h("dt", {}, "Version"), h("dd", { id: "node-version" }, node.stat.version),
        h("dt", {}, "Children"), h("dd", {}, node.stat.childrenCount, h("span", { class: "muted" }, " (cversion ", node.stat.childrenVersion, ")")),
        h("dt", {}, "Ephemeral owner"), h("dd", { class: "mono" }, node.stat.isEphemeral ? node.stat.ephemeralOwner : "— (persistent)"),
        h("dt", {}, "Data length"), h("dd", {}, node.stat.dataLength, " bytes"),
        h("dt", {}, "Created"), h("dd", {}, time(node.stat.created)),
        h("dt", {}, "Modified"), h("dd", {}, time(node.stat.modified)),
        h("dt", {}, "mzxid"), h("dd", { class: "mono" }, node.stat.mzxid))),
      h("section", { class: "panel", id: "acl" }, h("h2", {}, "ACL ", h("span", { class: "muted" }, "(aversion ", node.stat.aclVersion, ")")),
        h("table", {}, h("tbody", {}, node.acl.map((a) => h("tr", {}, h("td", { class: "mono" }, a.scheme, ":", a.id), h("td", { class: "mono" }, a.permissions))))))),
    subtreePanel(node.realPath),
  ]);
  container.dataset.shown = nodeStamp(node);
  container.replaceChildren(h("h1", {}, "Tree"), crumbs(node.realPath), body);
}

function crumbs(path) {
  const parts = path.split("/").filter(Boolean);
  const out = [treeLink("/", "/")];
  let acc = "";
  parts.forEach((p, i) => {
    acc += "/" + p;
    if (i > 0) out.push(h("span", { class: "muted" }, " / "));
    out.push(treeLink(acc, p));
  });
  return h("div", { class: "crumbs" }, out);
}

function propertyRow(node, p, canWrite, container) {
  const row = h("tr", { dataset: { property: p.name } },
    tdKey("Name", h("span", { class: "mono" }, p.name)),
    h("td", { "data-label": "Value", class: "value-cell" }, p.value),
    canWrite ? h("td", {}, h("button", { onclick: () => editProperty(node, p, row, container), "data-edit": p.name }, "Edit")) : null);
  return row;
}

function editProperty(node, p, row, container) {
  // The edit carries the version the page loaded: the server writes only if the node still has it.
  const version = node.stat.version;
  const input = h("input", { type: "text", value: p.value, "aria-label": "New value of " + p.name, name: "value" });
  const message = h("div", {});
  const save = h("button", { class: "primary", type: "submit" }, "Save");
  const form = h("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      await post("node/property", { path: node.realPath, name: p.name, value: input.value, expectedVersion: version });
      await loadNode(node.realPath, container, h("div", { class: "notice" }, "Saved ", p.name, "."));
    } catch (e) {
      save.disabled = false;
      if (e.status === 409) {
        message.replaceChildren(h("div", { class: "conflict", role: "alert" },
          h("strong", {}, "Version conflict: "), e.body.error,
          h("div", {}, "Value now: ", h("code", {}, e.body.currentValue ?? "(removed)")),
          h("div", {}, h("button", { type: "button", onclick: () => loadNode(node.realPath, container) }, "Reload the node"))));
      } else {
        message.replaceChildren(errorBox(e));
      }
    }
  } }, input, save, h("button", { type: "button", onclick: () => loadNode(node.realPath, container) }, "Cancel"),
    h("span", { class: "muted" }, "editing version ", version));
  const cell = row.children[1];
  cell.replaceChildren(form, message);
  input.focus();
}

// The subtree view chosen on this node's page, kept when the page shows the node again after a change.
let subtreeKind = "picture";

function subtreePanel(path) {
  const out = h("div", {});
  const tabs = h("div", { class: "tabs" });
  const show = async (kind) => {
    subtreeKind = kind;
    for (const b of tabs.children) b.classList.toggle("active", b.dataset.kind === kind);
    out.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      if (kind === "picture") {
        out.replaceChildren(drawGraph(await api("graph?path=" + encodeURIComponent(path))));
      } else if (kind === "text") {
        out.replaceChildren(h("pre", { id: "export" }, await api("export?path=" + encodeURIComponent(path))));
      } else {
        out.replaceChildren(h("pre", {}, await api("dot?path=" + encodeURIComponent(path))));
      }
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  for (const [kind, label] of [["picture", "Picture"], ["text", "Tree text"], ["dot", "DOT"]]) {
    tabs.append(h("button", { dataset: { kind }, onclick: () => show(kind) }, label));
  }
  show(subtreeKind);
  return h("section", { class: "panel", id: "subtree" }, h("h2", {}, "Subtree"), tabs, out);
}

function drawGraph(graph) {
  const rows = [];
  const walk = (node, depth, parentRow) => {
    const row = { node, depth, parentRow, index: rows.length };
    rows.push(row);
    node.children.forEach((c) => walk(c, depth + 1, row));
  };
  walk(graph.root, 0, null);
  const byPath = new Map(rows.map((r) => [r.node.path, r]));
  const rowHeight = 22, indent = 18, charWidth = 7.4, top = 16;
  const y = (r) => top + r.index * rowHeight;
  const labelEnd = (r) => 16 + r.depth * indent + r.node.name.length * charWidth + 6;
  const maxLabel = Math.max(...rows.map(labelEnd));
  const links = rows.flatMap((r) => r.node.links.map((l) => ({ from: r, link: l, to: l.targetPath ? byPath.get(l.targetPath) : null })));
  const inside = links.filter((l) => l.to);
  const outside = links.filter((l) => !l.to);
  const gutter = maxLabel + 30;
  const outsideText = new Map();
  for (const l of outside) {
    const text = `${l.link.name} ${l.link.kind === "symbolic" ? "->" : "=>"} ${l.link.targetPath || l.link.target}`;
    outsideText.set(l.from, outsideText.has(l.from) ? outsideText.get(l.from) + "; " + text : text);
  }
  const outsideX = gutter + inside.length * 10 + 12;
  const longest = Math.max(0, ...[...outsideText.values()].map((t) => t.length));
  const width = outsideX + longest * charWidth + 20;
  const height = top + rows.length * rowHeight + 10;
  const root = svg("svg", { width: Math.ceil(width), height, viewBox: `0 0 ${Math.ceil(width)} ${height}`, role: "img", "aria-label": "Subtree of " + graph.path });
  const defs = svg("defs", {},
    svg("marker", { id: "arrow-sym", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "currentColor", class: "sym-head" })),
    svg("marker", { id: "arrow-prop", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "currentColor" })));
  root.append(defs);
  for (const r of rows) {
    const x = 10 + r.depth * indent;
    if (r.parentRow) {
      const px = 10 + r.parentRow.depth * indent + 4;
      root.append(svg("path", { class: "edge", d: `M${px},${y(r.parentRow) + 4} V${y(r) - 4} H${x}` }));
    }
    root.append(svg("circle", { cx: x + 2, cy: y(r) - 4, r: 3, fill: "currentColor", class: "dot" }));
    const label = svg("text", { x: x + 10, y: y(r) }, r.node.name);
    const link = svg("a", { href: "#/tree?path=" + encodeURIComponent(r.node.path) }, label);
    root.append(link);
  }
  inside.forEach((l, k) => {
    const gx = gutter + k * 10;
    const sy = y(l.from) - 4, ty = y(l.to) - 4;
    const cls = l.link.kind === "symbolic" ? "sym" : "prop";
    root.append(svg("path", { class: cls, d: `M${labelEnd(l.from)},${sy} C${gx},${sy} ${gx},${ty} ${labelEnd(l.to) + 4},${ty}`, "marker-end": `url(#arrow-${cls === "sym" ? "sym" : "prop"})` },
      svg("title", {}, `${l.link.name} ${l.link.kind === "symbolic" ? "->" : "=>"} ${l.link.target}`)));
  });
  for (const [r, text] of outsideText) {
    root.append(svg("text", { x: outsideX, y: y(r), class: "out-text" }, text));
  }
  return h("div", {},
    h("div", { class: "legend" }, h("span", { class: "sym" }, "- - symbolic link"), " · ", h("span", { class: "prop" }, "··· property link"),
      graph.truncated ? h("span", {}, " · cut off at ", graph.nodeCount, " nodes") : null),
    h("div", { class: "picture" }, root));
}

// ---------- import ----------

function importPage() {
  if (!state.info || !state.info.canWrite) {
    return [h("h1", {}, "Import"), h("p", { class: "muted" }, state.info && state.info.allowWrites
      ? "You are not authorized to change ZooKeeper from this dashboard."
      : "Writes are disabled on this dashboard.")];
  }
  const path = h("input", { type: "text", value: sessionStorage.getItem("import-path") || "/", name: "path", "aria-label": "Import below path" });
  const text = h("textarea", { name: "text", spellcheck: "false", "aria-label": "Tree text", placeholder: "/service : type\n  threads = 3\n  /providers" }, sessionStorage.getItem("import-text") || "");
  const trim = h("input", { type: "checkbox", name: "trim", id: "import-trim" });
  const result = h("div", { id: "import-result" });
  const preview = h("button", { class: "primary", type: "submit", id: "import-preview" }, "Preview");
  const form = h("form", { onsubmit: async (event) => {
    event.preventDefault();
    sessionStorage.setItem("import-path", path.value);
    sessionStorage.setItem("import-text", text.value);
    preview.disabled = true;
    result.replaceChildren(h("p", { class: "muted" }, "Running a dry run…"));
    try {
      showPreview(await post("import/preview", { path: path.value, text: text.value, trim: trim.checked }));
    } catch (e) {
      showError(e);
    } finally {
      preview.disabled = false;
    }
  } },
    h("div", { class: "row" }, h("label", { for: "import-path" }, "Below"), path),
    text,
    h("div", { class: "row" }, h("label", {}, trim, " delete nodes missing from the text (trim)"), preview));
  path.id = "import-path";

  function showError(e) {
    const box = errorBox(e);
    if (e.body && e.body.errors) append(box, h("ul", {}, e.body.errors.map((x) => h("li", {}, "line ", x.line, ": ", x.message, ": ", h("code", {}, x.text)))));
    result.replaceChildren(box);
    if (e.body && e.body.changes) showPreview({ changes: e.body.changes, confirmation: e.body.confirmation, path: path.value, trim: trim.checked }, box);
  }

  function showPreview(p, before) {
    const apply = h("button", { class: "danger", id: "import-apply", disabled: p.changes.length === 0 }, "Apply these changes");
    apply.addEventListener("click", async () => {
      apply.disabled = true;
      try {
        const done = await post("import/apply", { path: p.path, text: text.value, trim: p.trim, confirmation: p.confirmation });
        result.replaceChildren(h("div", { class: "notice", id: "import-applied" }, "Applied ", done.applied.length, " changes below ", done.path, "."),
          h("ul", { class: "changes" }, done.applied.map((c) => h("li", {}, c))), h("p", {}, treeLink(done.path, "Open " + done.path + " in the tree")));
      } catch (e) {
        showError(e);
      }
    });
    result.replaceChildren(...(before ? [before] : []),
      h("section", { class: "panel", id: "import-preview-result" },
        h("h2", {}, "Dry run: ", p.changes.length, p.changes.length === 1 ? " change" : " changes", " below ", h("span", { class: "mono" }, p.path)),
        p.changes.length === 0 ? h("p", { class: "muted" }, "Nothing to change.") : h("ul", { class: "changes", id: "import-changes" }, p.changes.map((c) => h("li", {}, c))),
        h("p", { class: "muted" }, "Nothing has been written yet. Apply runs the same import; it stops if ZooKeeper changed since this preview."),
        h("div", { class: "row" }, apply, h("button", { type: "button", onclick: () => result.replaceChildren() }, "Discard"))));
  }

  return [h("h1", {}, "Import tree text"), h("section", { class: "panel" }, form), result];
}

// ---------- main ----------

function render() {
  const r = route();
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.route === r.name);
  const page = pages[r.name] || pages.overview;
  stopFollowingNode();
  const content = page(r);
  view.replaceChildren(...[content].flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false));
  if (r.name === "config") document.getElementById("highlighted")?.scrollIntoView({ block: "center" });
}

let sessionTimer = null;
async function start() {
  try {
    state.info = await api("info");
  } catch (e) {
    view.replaceChildren(errorBox(e));
    return;
  }
  document.getElementById("title").textContent = state.info.title;
  document.title = state.info.title + " dashboard";
  document.getElementById("nav-import").hidden = !state.info.canWrite;
  // First data over plain GETs, so the page shows something before the feed connects.
  const [services, configuration, session] = await Promise.allSettled([api("services"), api("configuration"), api("session")]);
  if (services.status === "fulfilled" && !state.services) state.services = services.value;
  if (configuration.status === "fulfilled" && !state.configuration) state.configuration = configuration.value;
  if (session.status === "fulfilled" && !state.session) state.session = session.value;
  window.addEventListener("hashchange", render);
  render();
  connect();
  // The meter's counters move with every request: refresh them while the session page is open.
  sessionTimer = setInterval(async () => {
    if (route().name === "session" && !document.hidden) {
      try { state.session = await api("session"); render(); } catch { /* shown as stale */ }
    }
  }, 5000);
}

start();

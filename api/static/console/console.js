/*
 * Buffr staff console: log in, then tabs over the property's REST resources.
 *
 * Tokens live in sessionStorage (gone when the tab closes; never in a cookie, so no CSRF).
 * A call answered 401 refreshes the tokens once and retries; a failed refresh logs out.
 * Guest text is untrusted: everything from the API goes into the page via textContent.
 */
(() => {
  "use strict";

  const AUTH_KEY = "buffr:console:auth";
  const POLL_MS = 2000;
  const $ = (id) => document.getElementById(id);

  // ---- small helpers ----
  /** Build an element: h("li", {className: "x", dataset: {id: 1}}, "text", child…). */
  function h(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k in node) node[k] = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
    return node;
  }
  /** The first of ``keys`` present on ``obj`` (the REST field names may vary). */
  function pick(obj, ...keys) {
    for (const k of keys) {
      const v = k.split(".").reduce((o, part) => (o == null ? undefined : o[part]), obj);
      if (v !== undefined && v !== null && v !== "") return v;
    }
    return undefined;
  }
  /** A list out of a response that may be a bare list or {items: [...]} or similar. */
  function items(body, ...keys) {
    if (Array.isArray(body)) return body;
    for (const k of [...keys, "items", "results", "data"]) {
      if (body && Array.isArray(body[k])) return body[k];
    }
    return [];
  }
  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : d.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }
  const num = (v) => (v === undefined || v === null ? "" : String(+Number(v).toFixed(3)));

  // ---- auth and the API ----
  let auth = null; // {access_token, refresh_token, staff: {name, role, property}, property}
  try { auth = JSON.parse(sessionStorage.getItem(AUTH_KEY) || "null"); } catch { auth = null; }
  const saveAuth = () => sessionStorage.setItem(AUTH_KEY, JSON.stringify(auth));

  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; }
  }

  let refreshing = null; // one refresh at a time, shared by every call that got a 401
  async function refresh() {
    refreshing ??= (async () => {
      const r = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: auth && auth.refresh_token }),
      });
      if (r.status === 401) throw new ApiError(401, "Your session has ended; log in again.");
      if (!r.ok) throw new ApiError(r.status, await detail(r));
      const tokens = await r.json();
      auth = { ...auth, ...tokens };
      saveAuth();
    })().finally(() => { refreshing = null; });
    return refreshing;
  }

  async function detail(r) {
    try {
      const body = await r.json();
      const d = body.detail ?? body.message ?? body.error;
      return typeof d === "string" ? d : JSON.stringify(d);
    } catch { return r.statusText || `HTTP ${r.status}`; }
  }

  /** A call under /api/v1/properties/{slug}; JSON in, JSON out. */
  function api(path, options = {}) {
    if (!auth) return Promise.reject(new ApiError(401, "Log in first."));
    return call(`/api/v1/properties/${encodeURIComponent(auth.property)}${path}`, options);
  }

  async function call(url, { method = "GET", body } = {}, retried = false) {
    if (!auth) throw new ApiError(401, "Log in first.");
    const r = await fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${auth.access_token}`,
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (r.status === 401) {
      // Only a refused refresh ends the session; a network blip or a 5xx just fails this call.
      const ended = new ApiError(401, "Your session has ended; log in again.");
      if (retried) { logout(false, ended.message); throw ended; }
      try {
        await refresh();
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) logout(false, error.message);
        throw error;
      }
      return call(url, { method, body }, true);
    }
    if (!r.ok) throw new ApiError(r.status, await detail(r));
    return r.status === 204 ? null : r.json();
  }

  function showBanner(message) {
    const banner = $("banner");
    banner.textContent = message || "";
    banner.hidden = !message;
  }
  /** Run an action of a button; its failure shows in the banner, not in the console log. */
  async function act(button, action) {
    if (button) button.disabled = true;
    try {
      await action();
      showBanner("");
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) showBanner(error.message);
    } finally {
      if (button) button.disabled = false;
    }
  }

  // ---- login / logout ----
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const data = Object.fromEntries(new FormData(form));
    const error = $("login-error");
    error.hidden = true;
    form.querySelector("button").disabled = true;
    try {
      const r = await fetch("/api/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ property: data.property.trim(), email: data.email.trim(),
          password: data.password }),
      });
      if (!r.ok) throw new Error(await detail(r));
      auth = { ...(await r.json()), property: data.property.trim() };
      saveAuth();
      form.reset();
      start();
    } catch (e) {
      error.textContent = e.message || "Login failed.";
      error.hidden = false;
    } finally {
      form.querySelector("button").disabled = false;
    }
  });

  async function logout(callServer = true, message = "") {
    if (callServer && auth) {
      // Revokes the refresh tokens server-side; the page forgets them either way.
      try { await call("/api/v1/auth/logout", { method: "POST" }); } catch { /* gone anyway */ }
    }
    auth = null;
    sessionStorage.removeItem(AUTH_KEY);
    stopPolling();
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    const error = $("login-error");
    error.textContent = message;
    error.hidden = !message;
    $("login-form").elements.email.focus();
  }
  $("logout").addEventListener("click", () => logout(true));

  // ---- tabs and polling ----
  const ALL_TABS = ["conversations", "stock", "notifications", "dead-letters"];
  const TABS = [...ALL_TABS]; // the tabs this staff member may see
  let currentTab = "conversations";
  let pollTimer = null;

  function selectTab(name, focus = false) {
    if (!TABS.includes(name)) name = "conversations";
    currentTab = name;
    for (const tab of ALL_TABS) {
      const button = $(`tab-${tab}`);
      button.setAttribute("aria-selected", String(tab === name));
      button.tabIndex = tab === name ? 0 : -1;
      $(tab).hidden = tab !== name;
    }
    if (focus) $(`tab-${name}`).focus();
    if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
    poll();
  }
  for (const tab of ALL_TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  document.querySelector("[role=tablist]").addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = TABS[(TABS.indexOf(currentTab) + step + TABS.length) % TABS.length];
    selectTab(next, true);
  });

  const loaders = {
    conversations: loadConversations,
    stock: loadStock,
    notifications: loadNotifications,
    "dead-letters": loadDeadLetters,
  };

  // Poll the visible tab (and the unread count) every ~2 s; skipped while the page is hidden.
  // One poll at a time: a tab switch during a poll asks for another right after it.
  let polling = false;
  let pollAgain = false;
  async function poll() {
    clearTimeout(pollTimer);
    if (polling) { pollAgain = true; return; }
    polling = true;
    try {
      if (auth && document.visibilityState !== "hidden") {
        await Promise.all([loaders[currentTab](), loadUnread()]);
        showBanner("");
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) showBanner(error.message);
    } finally {
      polling = false;
    }
    if (!auth) return;
    if (pollAgain) { pollAgain = false; poll(); return; }
    pollTimer = setTimeout(poll, POLL_MS);
  }
  function stopPolling() { clearTimeout(pollTimer); pollTimer = null; }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") poll();
  });

  // ---- conversations ----
  let openConversation = null; // the conversation shown on the right, as listed
  const listSignature = { conversations: "", messages: "" };

  function guestLabel(c) {
    const named = pick(c, "guest.name", "guest_name", "guest.phone", "guest_phone",
      "guest.email");
    if (named) return String(named);
    // The visitor token lets its holder read the chat: show only enough to tell visitors apart.
    const visitor = pick(c, "guest.web_visitor", "web_visitor");
    if (visitor) return `Web visitor ${String(visitor).slice(0, 6)}…`;
    if (pick(c, "staff_user_id")) return `Staff member #${c.staff_user_id}`;
    const id = pick(c, "guest.id", "guest_id");
    return id ? `Guest #${id}` : "Unknown";
  }
  const channelOf = (c) => pick(c, "channel", "last_channel") ?? "";
  const previewOf = (c) => {
    const last = pick(c, "last_message", "preview");
    const text = last && typeof last === "object" ? pick(last, "preview", "text", "body") : last;
    const who = last && typeof last === "object" ? pick(last, "author") : undefined;
    return `${who && who !== "guest" ? `${who}: ` : ""}${text ?? ""}`;
  };
  const activityOf = (c) => pick(c, "last_activity_at", "updated_at", "created_at");

  async function loadConversations() {
    const status = $("conversation-status").value;
    const body = await api(`/conversations${status ? `?status=${status}` : ""}`);
    const list = items(body, "conversations");
    // Re-render only when something changed, so focus and scrolling are not lost each poll.
    const signature = JSON.stringify(list);
    if (signature !== listSignature.conversations) {
      listSignature.conversations = signature;
      renderConversations(list);
    }
    if (openConversation) {
      const fresh = list.find((c) => c.id === openConversation.id);
      if (fresh) openConversation = fresh;
      await loadMessages();
    }
  }

  function renderConversations(list) {
    const ul = $("conversation-list");
    ul.replaceChildren(...list.map((c) => {
      const status = pick(c, "status") ?? "";
      const li = h("li", {
        className: "conversation",
        tabIndex: 0,
        role: "button",
        dataset: { id: c.id, status },
        "aria-selected": String(openConversation?.id === c.id),
        onclick: () => openThread(c),
        onkeydown: (e) => {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openThread(c); }
        },
      },
      h("div", { className: "line" },
        h("strong", { className: "guest" }, String(guestLabel(c))),
        h("span", { className: `pill ${status}` }, status)),
      h("div", { className: "line" },
        h("span", { className: "preview" }, String(previewOf(c))),
        h("span", { className: "muted" }, `${channelOf(c)} · ${when(activityOf(c))}`)));
      return li;
    }));
    $("conversation-empty").hidden = list.length > 0;
  }

  function openThread(c) {
    openConversation = c;
    listSignature.messages = "";
    for (const li of $("conversation-list").children) {
      li.setAttribute("aria-selected", String(li.dataset.id === String(c.id)));
    }
    act(null, loadMessages);
  }

  async function loadMessages() {
    const c = openConversation;
    $("conversation-none").hidden = true;
    $("conversation-open").hidden = false;
    $("conversation-title").textContent = `${guestLabel(c)} · ${channelOf(c)}`;
    const status = pick(c, "status") ?? "";
    const badge = $("conversation-status-badge");
    badge.textContent = status === "handoff" ? "with staff" : status;
    badge.className = `pill ${status}`;
    $("takeover").hidden = status === "handoff";
    $("release").hidden = status !== "handoff";
    const body = await api(`/conversations/${c.id}/messages`);
    if (openConversation !== c && openConversation?.id !== c.id) return; // another was opened
    const messages = items(body, "messages");
    const signature = JSON.stringify(messages);
    if (signature === listSignature.messages) return;
    listSignature.messages = signature;
    const ol = $("message-list");
    ol.replaceChildren(...messages.map((m) => {
      const author = pick(m, "author") ?? "guest";
      const who = author === "staff" ? pick(m, "staff_name", "name") ?? "Staff" : author;
      return h("li", { className: author, dataset: { author } },
        h("span", { className: "meta" }, `${who} · ${when(pick(m, "created_at", "at"))}`),
        String(pick(m, "body", "text") ?? ""));
    }));
    ol.scrollTop = ol.scrollHeight; // the newest message in view
  }

  async function conversationAction(button, verb, body) {
    const c = openConversation;
    if (!c) return;
    await act(button, async () => {
      const result = await api(`/conversations/${c.id}/${verb}`, { method: "POST", body });
      if (result && typeof result === "object" && result.status) {
        openConversation = { ...c, ...result, id: c.id };
      } else if (verb === "takeover") {
        openConversation = { ...c, status: "handoff" };
      } else if (verb === "release") {
        openConversation = { ...c, status: "open" };
      }
      listSignature.messages = "";
      await loadConversations();
      await loadMessages();
    });
  }
  $("takeover").addEventListener("click", (e) => conversationAction(e.target, "takeover"));
  $("release").addEventListener("click", (e) => conversationAction(e.target, "release"));
  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("reply-text");
    const text = box.value.trim();
    if (!text) return;
    conversationAction(event.target.querySelector("button"), "reply", { text }).then(() => {
      if (!$("banner").textContent) box.value = "";
    });
  });
  $("reply-text").addEventListener("keydown", (event) => {
    // Ctrl/Cmd+Enter sends; a plain Enter is a new line in a staff reply.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });
  $("conversation-status").addEventListener("change", () => {
    listSignature.conversations = "";
    poll();
  });

  // ---- stock ----
  let productsListed = false;

  async function loadStock() {
    const productId = $("chart-product").value;
    const [stockBody, dailyBody] = await Promise.all([
      api("/inventory/stock"),
      api(`/inventory/movements/daily?days=30${productId ? `&product_id=${productId}` : ""}`),
    ]);
    const rows = items(stockBody, "stock", "products");
    const signature = JSON.stringify(rows);
    if (signature !== listSignature.stock) {
      listSignature.stock = signature;
      renderStock(rows);
    }
    const days = items(dailyBody, "days", "series");
    const daySignature = JSON.stringify(days);
    if (daySignature !== listSignature.daily) {
      listSignature.daily = daySignature;
      window.BuffrChart.daily($("chart"), days);
    }
  }

  function renderStock(rows) {
    const isLow = (r) => r.low ?? (Number(r.quantity) < Number(r.min_stock));
    // Low ones first, then by name: what needs ordering is at the top.
    const sorted = [...rows].sort((a, b) => Number(isLow(b)) - Number(isLow(a)) ||
      String(pick(a, "name", "product")).localeCompare(String(pick(b, "name", "product"))));
    $("stock-rows").replaceChildren(...sorted.map((r) => h("tr",
      { className: isLow(r) ? "low" : "", dataset: { product: pick(r, "product_id", "id") ?? "" } },
      h("td", {}, String(pick(r, "name", "product", "product_name") ?? "")),
      h("td", { className: "num" }, num(r.quantity)),
      h("td", {}, String(pick(r, "unit", "unit_type") ?? "")),
      h("td", { className: "num" }, num(r.min_stock)),
      h("td", { className: "state" }, isLow(r) ? "Low" : "OK"))));
    if (!productsListed && rows.length) {
      productsListed = true;
      const select = $("chart-product");
      for (const r of rows) {
        const id = pick(r, "product_id", "id");
        if (id !== undefined) {
          select.append(h("option", { value: String(id) },
            String(pick(r, "name", "product", "product_name") ?? id)));
        }
      }
    }
  }
  $("chart-product").addEventListener("change", () => { listSignature.daily = ""; poll(); });

  // ---- notifications ----
  const isUnread = (n) => !["read"].includes(pick(n, "status") ?? "") && !pick(n, "read_at");

  async function loadUnread() {
    // "pending" and "sent" (pushed to a phone) are both unread here: count by read_at.
    const body = await api("/notifications?limit=100");
    const count = items(body, "notifications").filter(isUnread).length;
    const badge = $("unread");
    badge.textContent = String(count);
    badge.hidden = count === 0;
    badge.setAttribute("aria-label", `${count} unread`);
  }

  async function loadNotifications() {
    const status = $("notification-status").value;
    const body = await api(`/notifications?limit=100${status === "read" ? "&status=read" : ""}`);
    const list = items(body, "notifications").filter((n) => status !== "unread" || isUnread(n));
    const signature = JSON.stringify(list);
    if (signature === listSignature.notifications) return;
    listSignature.notifications = signature;
    $("notification-list").replaceChildren(...list.map((n) => {
      const unread = isUnread(n);
      const button = unread ? h("button", { className: "quiet", onclick: (e) =>
        act(e.target, async () => {
          await api(`/notifications/${n.id}/read`, { method: "POST" });
          listSignature.notifications = "";
          await Promise.all([loadNotifications(), loadUnread()]);
        }) }, "Mark read") : null;
      return h("li", { className: unread ? "unread" : "", dataset: { id: n.id,
        kind: pick(n, "kind") ?? "" } },
        h("div", { className: "head" },
          h("strong", {}, String(pick(n, "title") ?? pick(n, "kind") ?? "Notification")),
          h("span", { className: "muted" }, `${pick(n, "kind") ?? ""} · ${when(n.created_at)}`),
          button),
        h("div", {}, String(pick(n, "body", "text") ?? "")));
    }));
    $("notification-empty").hidden = list.length > 0;
  }
  $("notification-status").addEventListener("change", () => {
    listSignature.notifications = "";
    poll();
  });

  // ---- dead letters ----
  async function loadDeadLetters() {
    const list = items(await api("/dead-letters"), "dead_letters");
    const signature = JSON.stringify(list);
    if (signature === listSignature.deadLetters) return;
    listSignature.deadLetters = signature;
    $("dead-letter-list").replaceChildren(...list.map((d) => {
      const resolved = Boolean(pick(d, "resolved_at"));
      return h("li", { dataset: { id: d.id } },
        h("div", { className: "head" },
          h("strong", {}, `${pick(d, "job") ?? "job"} · ${pick(d, "attempts") ?? "?"} attempts`),
          h("span", { className: "muted" }, when(d.created_at)),
          resolved ? h("span", { className: "pill" }, "resolved") :
            h("button", { className: "quiet", onclick: (e) => act(e.target, async () => {
              await api(`/dead-letters/${d.id}/resolve`, { method: "POST" });
              listSignature.deadLetters = "";
              await loadDeadLetters();
            }) }, "Resolve")),
        h("div", { className: "error" }, String(pick(d, "error") ?? "")),
        d.payload ? h("pre", {}, JSON.stringify(d.payload, null, 2)) : null);
    }));
    $("dead-letter-empty").hidden = list.length > 0;
  }

  // ---- start ----
  function start() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    const staff = auth.staff || {};
    $("who").textContent = `${staff.name ?? ""} (${staff.role ?? "staff"}) · ${auth.property}`;
    // Dead letters are for managers and owners (the API answers 403 to the rest).
    const manager = ["manager", "owner"].includes(staff.role);
    $("tab-dead-letters").hidden = !manager;
    TABS.splice(0, TABS.length, ...ALL_TABS.filter((t) => manager || t !== "dead-letters"));
    selectTab(location.hash.slice(1));
  }

  if (auth && auth.access_token) start();
  else logout(false);
})();

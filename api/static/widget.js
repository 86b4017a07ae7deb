/*
 * Buffr chat widget: one <script src=".../widget.js" data-property="slug" defer></script>
 * on any page gives a floating chat button and a chat window that talks to the Buffr API
 * over a WebSocket and streams the replies.
 *
 * Optional attributes on the script tag: data-title (the panel's heading), data-greeting
 * (shown while the conversation is empty), data-color (the accent, any CSS colour).
 *
 * Everything lives in an open shadow root, so the host page's CSS cannot reach in and ours
 * cannot leak out. Message text only ever goes through textContent (it is untrusted).
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.dataset.property) {
    console.warn("buffr widget: add data-property=\"<slug>\" to the script tag");
    return;
  }
  const slug = script.dataset.property;
  // The API lives where this script came from, whichever site embeds it.
  const origin = new URL(script.src, location.href).origin;
  const title = script.dataset.title || "Chat with us";
  const greeting = script.dataset.greeting || "Hello! Ask us anything: rooms, tables, the menu.";
  const color = script.dataset.color || "#0b6e6e";
  const visitorKey = `buffr:visitor:${slug}`;
  const openKey = `buffr:open:${slug}`;

  // localStorage may throw (Safari private mode, blocked storage): fall back to memory.
  const store = (area) => {
    const memory = {};
    return {
      get(key) {
        try { return area.getItem(key); } catch { return memory[key] ?? null; }
      },
      set(key, value) {
        try { area.setItem(key, value); } catch { memory[key] = value; }
      },
    };
  };
  const local = store(window.localStorage);
  const session = store(window.sessionStorage);

  // crypto.randomUUID exists only in secure contexts; an http site still needs ids.
  const newId = () =>
    (window.crypto && crypto.randomUUID ? crypto.randomUUID() :
      Date.now().toString(36) + Math.random().toString(36).slice(2));

  const STYLES = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2430; }
    .launcher { width: 58px; height: 58px; border-radius: 50%; border: 0; cursor: pointer;
      background: var(--accent); color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25);
      display: grid; place-items: center; }
    .launcher:focus-visible, button:focus-visible, textarea:focus-visible {
      outline: 3px solid #f5a623; outline-offset: 2px; }
    .launcher svg { width: 28px; height: 28px; fill: currentColor; }
    .launcher.unread::after { content: ""; position: absolute; top: 4px; right: 4px;
      width: 12px; height: 12px; border-radius: 50%; background: #e74c3c;
      border: 2px solid #fff; }
    .launcher { position: relative; }
    .panel { position: absolute; right: 0; bottom: 72px; width: 370px; height: 540px;
      max-height: calc(100vh - 110px); display: flex; flex-direction: column;
      background: #fff; border-radius: 14px; overflow: hidden;
      box-shadow: 0 10px 40px rgba(0,0,0,.25); }
    .panel[hidden] { display: none; }
    header { background: var(--accent); color: #fff; padding: 12px 14px;
      display: flex; align-items: center; gap: 8px; }
    header h2 { font-size: 16px; margin: 0; flex: 1; font-weight: 600; }
    .close { background: transparent; border: 0; color: #fff; font-size: 22px; line-height: 1;
      cursor: pointer; padding: 4px 8px; border-radius: 6px; }
    .status { font-size: 13px; padding: 6px 14px; background: #fff4d6; color: #6b4e00; }
    .status[hidden] { display: none; }
    .log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column;
      gap: 8px; background: #f5f7f9; }
    .msg { max-width: 82%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap;
      overflow-wrap: anywhere; }
    .guest { align-self: flex-end; background: var(--accent); color: #fff;
      border-bottom-right-radius: 4px; }
    .agent, .staff { align-self: flex-start; background: #fff; border: 1px solid #dde3e8;
      border-bottom-left-radius: 4px; }
    .staff { border-color: #b7d3f0; background: #eef6ff; }
    .who { display: block; font-size: 12px; font-weight: 600; color: #35557a; }
    .error { align-self: center; background: #fde8e8; color: #8a1c1c; font-size: 13px; }
    .hint { align-self: center; color: #5b6670; font-size: 13px; text-align: center; }
    .typing { align-self: flex-start; color: #5b6670; font-size: 13px; }
    .typing span { display: inline-block; animation: blink 1.2s infinite; }
    .typing span:nth-child(2) { animation-delay: .2s; }
    .typing span:nth-child(3) { animation-delay: .4s; }
    @keyframes blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }
    form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde3e8;
      background: #fff; }
    textarea { flex: 1; resize: none; font: inherit; padding: 8px 10px; height: 40px;
      border: 1px solid #b9c3cc; border-radius: 10px; color: inherit; }
    .send { border: 0; border-radius: 10px; padding: 0 14px; background: var(--accent);
      color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; }
    /* Phones: the panel takes the whole screen, the button hides behind it. */
    @media (max-width: 480px) {
      .root { right: 12px; bottom: 12px; }
      .root.open { inset: 0; }
      .root.open .launcher { display: none; }
      textarea { font-size: 16px; } /* smaller makes iOS zoom in on focus */
      .panel { position: fixed; inset: 0; width: 100vw; height: 100%; max-height: none;
        border-radius: 0; }
    }
    @media (prefers-reduced-motion: reduce) { .typing span { animation: none; opacity: 1; } }
  `;

  const CHAT_ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1' +
    '-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

  // ---- the DOM (static markup only; data goes in through textContent) ----
  const host = document.createElement("div");
  host.id = "buffr-chat-widget";
  const shadow = host.attachShadow({ mode: "open" });
  shadow.innerHTML = `
    <div class="root">
      <div class="panel" role="dialog" aria-modal="false" aria-labelledby="buffr-title" hidden
        id="buffr-panel">
        <header>
          <h2 id="buffr-title"></h2>
          <button type="button" class="close" aria-label="Close chat">&times;</button>
        </header>
        <div class="status" role="status" hidden></div>
        <div class="log" role="log" aria-live="off" aria-label="Conversation" tabindex="0"></div>
        <div class="sr" aria-live="polite" aria-atomic="true"></div>
        <form>
          <label class="sr" for="buffr-input">Your message</label>
          <textarea id="buffr-input" rows="1" maxlength="2000" autocomplete="off"
            placeholder="Type a message…" enterkeyhint="send"></textarea>
          <button type="submit" class="send">Send</button>
        </form>
      </div>
      <button type="button" class="launcher" aria-expanded="false" aria-controls="buffr-panel">
        ${CHAT_ICON}
      </button>
    </div>`;
  // A constructed stylesheet is not inline CSS, so a host page whose Content-Security-Policy
  // forbids inline styles still styles the widget; older browsers get a <style> element.
  if ("adoptedStyleSheets" in shadow && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement("style");
    style.textContent = STYLES;
    shadow.prepend(style);
  }
  const $ = (selector) => shadow.querySelector(selector);
  const root = $(".root");
  // A colour is data: set it as a property, never spliced into the stylesheet text.
  root.style.setProperty("--accent", color);
  const panel = $(".panel");
  const launcher = $(".launcher");
  const closeButton = $(".close");
  const statusBar = $(".status");
  const log = $(".log");
  const announcer = $(".sr[aria-live]");
  const form = $("form");
  const input = $("textarea");
  $("#buffr-title").textContent = title;
  launcher.setAttribute("aria-label", `Open chat: ${title}`);

  // ---- rendering ----
  const scrollDown = () => { log.scrollTop = log.scrollHeight; };

  function bubble(author, text, { name, at, turn } = {}) {
    const el = document.createElement("div");
    el.className = `msg ${author}`;
    el.dataset.author = author;
    if (turn) el.dataset.turn = turn;
    if (at) el.title = new Date(at).toLocaleString();
    if (author === "staff") {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = name || "Staff";
      el.append(who);
    }
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    el.append(body);
    hint.remove();
    log.append(el);
    scrollDown();
    return el;
  }

  function announce(text) {
    announcer.textContent = text;
    // A reply that arrives while the panel is closed (a person from the hotel wrote back):
    // a dot on the button, and its label says so.
    if (panel.hidden) {
      launcher.classList.add("unread");
      launcher.setAttribute("aria-label", `Open chat: ${title} (new message)`);
    }
  }

  const hint = document.createElement("div");
  hint.className = "hint";
  hint.textContent = greeting;

  const typing = document.createElement("div");
  typing.className = "typing";
  typing.setAttribute("aria-label", "The reply is being written");
  typing.innerHTML = "<span>●</span><span>●</span><span>●</span>";
  const showTyping = (on) => {
    if (on) { log.append(typing); scrollDown(); } else { typing.remove(); }
  };

  function showStatus(text) {
    statusBar.textContent = text || "";
    statusBar.hidden = !text;
    root.dataset.state = text ? "reconnecting" : "connected";
  }

  function renderHistory(history) {
    log.replaceChildren();
    if (!history.length) log.append(hint);
    for (const m of history) {
      const author = m.author === "guest" || m.author === "staff" ? m.author : "agent";
      bubble(author, m.text, { at: m.at, name: m.name });
    }
  }

  // ---- the connection ----
  let socket = null;
  let attempts = 0; // consecutive failed connections, for the backoff
  let retryTimer = null;
  const outbox = []; // messages typed while the socket was down, sent on reconnect

  function wsUrl() {
    const url = new URL(`/api/v1/properties/${encodeURIComponent(slug)}/chat/ws`, origin);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const visitor = local.get(visitorKey);
    if (visitor) url.searchParams.set("visitor", visitor);
    return url.href;
  }

  function connect() {
    if (socket || retryTimer) return;
    const ws = new WebSocket(wsUrl());
    socket = ws;
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      handle(frame);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      showTyping(false);
      // Exponential backoff with jitter (0.5 s, 1 s, 2 s … capped at 30 s), so a restarted
      // server is not hit by every open widget at the same instant.
      const delay = Math.min(30000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
      attempts += 1;
      showStatus("Reconnecting…");
      retryTimer = setTimeout(() => { retryTimer = null; connect(); }, delay);
    };
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN && root.dataset.state === "connected") {
      socket.send(JSON.stringify(frame));
    } else {
      outbox.push(frame);
      connect();
    }
  }

  function streamed(turn) {
    return (turn && log.querySelector(`.msg[data-turn="${CSS.escape(turn)}"]`)) || null;
  }

  function handle(frame) {
    switch (frame.type) {
      case "session": {
        attempts = 0;
        if (frame.visitor) local.set(visitorKey, frame.visitor);
        renderHistory(Array.isArray(frame.history) ? frame.history : []);
        showStatus("");
        // The history now holds everything the server got; send what was typed meanwhile.
        for (const queued of outbox.splice(0)) {
          bubble("guest", queued.text);
          socket.send(JSON.stringify(queued));
        }
        break;
      }
      case "typing":
        showTyping(true);
        break;
      case "delta": {
        showTyping(false);
        let el = streamed(frame.turn);
        if (!el) {
          el = bubble("agent", "", { turn: frame.turn });
        }
        el.dataset.state = "streaming";
        el.querySelector(".text").textContent += frame.text || "";
        // Counted so tests (and curious developers) can see the reply really streamed.
        el.dataset.deltas = String(Number(el.dataset.deltas || 0) + 1);
        scrollDown();
        break;
      }
      case "reply": {
        showTyping(false);
        const el = streamed(frame.turn);
        if (!frame.text) {
          // A person has taken over: the agent stays silent.
          if (el) el.remove();
          break;
        }
        const done = el || bubble("agent", "", { turn: frame.turn });
        done.querySelector(".text").textContent = frame.text;
        done.dataset.state = "done";
        if (frame.agent) done.dataset.agent = frame.agent;
        announce(frame.text);
        scrollDown();
        break;
      }
      case "message": {
        showTyping(false);
        const author = frame.author === "agent" ? "agent" : "staff";
        bubble(author, frame.text || "", { name: frame.name, at: frame.at });
        announce(`${frame.name || "Staff"}: ${frame.text || ""}`);
        break;
      }
      case "error": {
        showTyping(false);
        const el = bubble("error", frame.message || "Something went wrong.");
        el.setAttribute("role", "alert");
        break;
      }
      default:
        break; // frames of a newer server are ignored, not fatal
    }
  }

  // ---- opening, closing, sending ----
  function setOpen(open) {
    panel.hidden = !open;
    root.classList.toggle("open", open);
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? `Close chat: ${title}` : `Open chat: ${title}`);
    session.set(openKey, open ? "1" : "");
    if (open) {
      launcher.classList.remove("unread");
      connect();
      input.focus();
      scrollDown();
    }
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => { setOpen(false); launcher.focus(); });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
      launcher.focus();
    }
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; not while an IME is composing a word.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    const frame = { type: "message", id: newId(), text };
    if (socket && socket.readyState === WebSocket.OPEN && root.dataset.state === "connected") {
      bubble("guest", text);
    }
    send(frame);
  });

  document.body.append(host);
  // A returning visitor reconnects at once (so a reply from the hotel reaches them) and finds
  // the panel as they left it on the previous page.
  if (session.get(openKey)) setOpen(true);
  else if (local.get(visitorKey)) connect();
})();

/*
 * Chat de la Alcaldía Municipal de Tenjo: the citizens' widget.
 *
 * Embed with one tag:  <script src="https://<web app>/widget.js" defer></script>
 * Optional attributes: data-socket-url="https://chat.example.org:5005" (else /chat/config.json),
 * data-socket-path="/socket.io", data-open="true" (open the panel at once).
 *
 * How it works
 * - The session: the web app issues its id (128 random bits) and a signed token
 *   (POST /chat/session); both live in localStorage only. The token goes in the
 *   socket.io handshake (auth) and in the body of POST /chat/history, never in a URL:
 *   the server binds the connection to the token's conversation, so the id alone is
 *   worth nothing to anyone else. A random per-page `lb` query key lets a load
 *   balancer keep one connection on one server (sticky sessions).
 * - Outbox: every message (typed, a button's payload, the hidden "/greet") goes to an
 *   outbox kept in localStorage, and is emitted with a socket.io acknowledgement. The
 *   server acknowledges after the whole turn, so the next message leaves only after the
 *   previous one's ack: messages written offline are delivered once, in order, after
 *   reconnection. Each carries metadata.client_message_id so a resend can be recognised.
 * - History: on load and on every (re)connection the widget asks /chat/history (Rasa's
 *   tracker) and merges it with what is shown: bot messages pushed while the socket was
 *   closed appear, outbox messages already received are dropped instead of resent.
 * - Everything is rendered with textContent; only http(s) URLs become links.
 */
(function () {
  "use strict";

  if (window.__tenjoChatWidget) return;
  window.__tenjoChatWidget = true;

  var SCRIPT = document.currentScript;
  var BASE = new URL(SCRIPT && SCRIPT.src ? SCRIPT.src : "/widget.js", window.location.href);
  var ORIGIN = BASE.origin;
  var DATA = (SCRIPT && SCRIPT.dataset) || {};
  var KEY = "tenjo-chat:";
  var ACK_TIMEOUT_MS = 45000;
  var MAX_LENGTH = 1000;
  var MAX_KEPT = 300;
  var GREETING = "/greet";
  var URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
  var TRAILING = /[.,;:!?)\]}'"»]+$/;
  var RENEW_AFTER_MS = 10 * 60 * 1000;
  var TOO_MANY_REQUESTS = "En este momento recibimos demasiadas solicitudes desde su " +
    "conexión. Por favor espere un minuto e intente de nuevo.";
  var TOO_MANY_CONNECTIONS = "En este momento hay demasiados chats abiertos desde su " +
    "conexión. Por favor cierre otras ventanas del chat o intente de nuevo en unos minutos.";

  // ------------------------------------------------------------------ storage
  var memory = {};
  var store = {
    get: function (name, fallback) {
      var raw;
      try {
        raw = window.localStorage.getItem(KEY + name);
      } catch (error) {
        raw = memory[name];
      }
      if (raw === null || raw === undefined) return fallback;
      try {
        return JSON.parse(raw);
      } catch (error) {
        return fallback;
      }
    },
    set: function (name, value) {
      var raw = JSON.stringify(value);
      memory[name] = raw;
      try {
        window.localStorage.setItem(KEY + name, raw);
      } catch (error) {
        /* private mode or full: the in-memory copy is enough for this page */
      }
    },
  };

  function randomHex(bytes) {
    var values = new Uint8Array(bytes);
    window.crypto.getRandomValues(values);
    return Array.prototype.map
      .call(values, function (b) { return b.toString(16).padStart(2, "0"); })
      .join("");
  }

  function newMessageId() {
    var hex = randomHex(16);
    return [hex.slice(0, 8), hex.slice(8, 12), "4" + hex.slice(13, 16),
      ((parseInt(hex[16], 16) & 3) | 8).toString(16) + hex.slice(17, 20), hex.slice(20)].join("-");
  }

  var uidCounter = 0;
  function uid() {
    uidCounter += 1;
    return "m" + Date.now().toString(36) + uidCounter;
  }

  // ------------------------------------------------------------------ state
  var state = {
    sessionId: store.get("session", null),
    token: store.get("token", null),
    started: store.get("started", false),
    transcript: store.get("transcript", []),
    outbox: store.get("outbox", []),
    open: store.get("open", false),
    socket: null,
    io: null,
    config: null,
    confirmed: false,
    authToken: null, // the token of the socket's last handshake
    renewedAt: 0, // when this page last renewed the token (0: not yet)
    inFlight: null,
    generation: 0,
    everConnected: false,
    unread: false,
  };
  if (typeof state.sessionId !== "string" || typeof state.token !== "string" ||
      state.token.indexOf(state.sessionId + ".") !== 0) {
    resetSession();
  }
  var ROUTE_KEY = randomHex(8);
  if (!Array.isArray(state.transcript)) state.transcript = [];
  if (!Array.isArray(state.outbox)) state.outbox = [];

  function resetSession() {
    state.sessionId = null;
    state.token = null;
    state.started = false;
    state.transcript = [];
    state.outbox = [];
    state.inFlight = null;
    state.handoff = null;
    if (handoffLine) handoffLine.hidden = true;
    save();
  }

  function save() {
    if (state.transcript.length > MAX_KEPT) {
      state.transcript = state.transcript.slice(-MAX_KEPT);
    }
    store.set("session", state.sessionId);
    store.set("token", state.token);
    store.set("started", state.started);
    store.set("transcript", state.transcript);
    store.set("outbox", state.outbox);
  }

  function closedReason() {
    for (var i = state.transcript.length - 1; i >= 0; i -= 1) {
      if (state.transcript[i].closed) return state.transcript[i].closed;
    }
    return null;
  }

  function inOutbox(id) {
    return state.outbox.some(function (item) { return item.id === id; });
  }

  // ------------------------------------------------------------------ DOM
  var host = document.createElement("div");
  host.setAttribute("data-tenjo-chat", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value !== null && value !== undefined) {
        node.setAttribute(name, value);
      }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  var stylesheet = el("link", { rel: "stylesheet", href: ORIGIN + "/widget/widget.css" });
  var frame = el("div", { className: "tc", hidden: true });
  var launcher = el("button", {
    type: "button", className: "tc-launcher", "aria-expanded": "false",
    "aria-controls": "tc-panel",
  });
  var launcherText = el("span", { text: "Chat de la Alcaldía" });
  var unreadBadge = el("span", { className: "tc-unread", hidden: true, text: " (mensajes nuevos)" });
  launcher.appendChild(launcherText);
  launcher.appendChild(unreadBadge);

  var title = el("h2", { id: "tc-title", className: "tc-title", text: "Chat de la Alcaldía de Tenjo" });
  var subtitle = el("p", { className: "tc-subtitle", text: "Asistente virtual y funcionarios del CISAT" });
  var rulesLink = el("a", {
    className: "tc-rules", href: ORIGIN + "/reglas", target: "_blank",
    rel: "noopener noreferrer", text: "Reglas del chat",
  });
  var minimize = el("button", {
    type: "button", className: "tc-minimize", "aria-label": "Minimizar el chat", text: "Minimizar",
  });
  var header = el("div", { className: "tc-header" }, [
    el("div", { className: "tc-heading" }, [title, subtitle]),
    el("div", { className: "tc-actions" }, [rulesLink, minimize]),
  ]);
  var log = el("ol", {
    className: "tc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Mensajes de la conversación", tabindex: "0",
  });
  var typing = el("p", { className: "tc-typing", role: "status", "aria-live": "polite" });
  var handoffLine = el("p", {
    className: "tc-handoff", role: "status", "aria-live": "polite", hidden: true,
  });
  var connection = el("p", { className: "tc-connection", role: "status", "aria-live": "polite" });
  var label = el("label", { className: "tc-vh", for: "tc-input", text: "Escriba su mensaje" });
  var input = el("input", {
    id: "tc-input", className: "tc-input", type: "text", autocomplete: "off",
    maxlength: String(MAX_LENGTH), placeholder: "Escriba su mensaje", enterkeyhint: "send",
  });
  var send = el("button", { type: "submit", className: "tc-send", text: "Enviar" });
  var form = el("form", { className: "tc-form", novalidate: true }, [label, input, send]);
  var closedNotice = el("div", { className: "tc-closed", hidden: true });
  var closedText = el("p", { text: "Para escribir de nuevo, inicie una nueva conversación." });
  var restart = el("button", {
    type: "button", className: "tc-restart", text: "Iniciar una nueva conversación",
  });
  closedNotice.appendChild(closedText);
  closedNotice.appendChild(restart);
  var panel = el("section", {
    id: "tc-panel", className: "tc-panel", "aria-labelledby": "tc-title", hidden: true,
  }, [header, handoffLine, log, typing, connection, closedNotice, form]);
  frame.appendChild(panel);
  frame.appendChild(launcher);
  root.appendChild(stylesheet);
  root.appendChild(frame);
  stylesheet.addEventListener("load", function () { frame.hidden = false; });
  stylesheet.addEventListener("error", function () { frame.hidden = false; });

  // ------------------------------------------------------------------ rendering
  function appendText(parent, text) {
    var last = 0;
    String(text).replace(URL_PATTERN, function (match, offset) {
      var url = match.replace(TRAILING, "");
      if (!url) return match;
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var parsed = null;
      try {
        parsed = new URL(url);
      } catch (error) {
        parsed = null;
      }
      if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")) {
        parent.appendChild(el("a", {
          href: parsed.href, target: "_blank", rel: "noopener noreferrer", text: url,
        }));
      } else {
        parent.appendChild(document.createTextNode(url));
      }
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function itemKey(item) {
    return [item.author, String(item.text || "").trim(), item.closed || ""].join("\u0000");
  }

  function nodeFor(item) {
    if (item.closed) {
      return el("li", { className: "tc-item tc-notice", "data-uid": item.uid }, [
        el("p", { text: "Esta conversación ha finalizado." }),
      ]);
    }
    var citizen = item.author === "citizen";
    var bubble = el("p", { className: "tc-bubble" });
    bubble.appendChild(el("span", {
      className: "tc-vh", text: citizen ? "Usted: " : "Alcaldía de Tenjo: ",
    }));
    appendText(bubble, item.text || "");
    var node = el("li", {
      className: "tc-item " + (citizen ? "tc-citizen" : "tc-bot"), "data-uid": item.uid,
    }, [bubble]);
    if (citizen) {
      node.appendChild(el("span", { className: "tc-state", "aria-hidden": "true" }));
    }
    return node;
  }

  function quickRepliesFor(item) {
    var group = el("div", {
      className: "tc-quick", role: "group", "aria-label": "Respuestas rápidas",
    });
    item.buttons.forEach(function (button) {
      var choice = el("button", { type: "button", className: "tc-choice", text: button.title });
      choice.addEventListener("click", function () {
        submit(button.payload, button.title);
        input.focus();  // the clicked button is gone with its group: keep the focus in the chat
      });
      group.appendChild(choice);
    });
    return group;
  }

  function render() {
    var nodes = {};
    Array.prototype.forEach.call(log.children, function (node) {
      nodes[node.getAttribute("data-uid")] = node;
    });
    var wanted = {};
    var quickIndex = -1;
    var closed = closedReason();
    state.transcript.forEach(function (item, index) {
      if (item.author === "citizen") quickIndex = -1;
      else if (item.buttons && item.buttons.length) quickIndex = index;
    });
    if (closed) quickIndex = -1;
    state.transcript.forEach(function (item, index) {
      if (!item.uid) item.uid = uid();
      wanted[item.uid] = true;
      var node = nodes[item.uid];
      if (!node) node = nodeFor(item);
      var position = log.children[index];
      if (position !== node) log.insertBefore(node, position || null);
      if (item.author === "citizen") {
        var pending = inOutbox(item.id);
        node.classList.toggle("tc-pending", pending);
        var marker = node.querySelector(".tc-state");
        if (marker) marker.textContent = pending ? "Pendiente de envío" : "";
      }
      var quick = node.querySelector(".tc-quick");
      if (index === quickIndex && !quick) node.appendChild(quickRepliesFor(item));
      if (index !== quickIndex && quick) quick.remove();
    });
    Array.prototype.slice.call(log.children).forEach(function (node) {
      if (!wanted[node.getAttribute("data-uid")]) node.remove();
    });
    var isClosed = Boolean(closed);
    // The chat closing under the citizen's typing: the focus goes to "new conversation".
    var typingHere = (root.activeElement || document.activeElement) === input;
    if (isClosed && closedNotice.hidden && typingHere) {
      closedNotice.hidden = false;
      restart.focus();
    }
    closedNotice.hidden = !isClosed;
    form.hidden = isClosed;
    input.disabled = isClosed;
    send.disabled = isClosed;
    var agent = state.handoff && state.handoff.handoff === "taken" ? state.handoff : null;
    var agentWriting = Boolean(agent && agent.agent_writing) && !isClosed;
    var botWriting = Boolean(state.inFlight) && !isClosed && !agent;
    typing.textContent = agentWriting ? (agent.agent_name || "El funcionario") + " está escribiendo" :
      (botWriting ? "El asistente está escribiendo" : "");
    typing.classList.toggle("tc-typing--on", agentWriting || botWriting);
    log.scrollTop = log.scrollHeight;
  }

  function rerender() {
    log.setAttribute("aria-busy", "true");
    while (log.firstChild) log.removeChild(log.firstChild);
    render();
    log.removeAttribute("aria-busy");
  }

  function showNotice(text) {
    connection.hidden = false;
    connection.textContent = text;
  }

  function setConnection(online) {
    if (online || !state.everConnected) {
      connection.textContent = "";
      connection.hidden = true;
    } else {
      connection.hidden = false;
      connection.textContent = "Sin conexión. Sus mensajes se enviarán cuando vuelva la conexión.";
    }
  }
  setConnection(true);

  // ------------------------------------------------------------------ messages
  function normaliseButtons(buttons) {
    if (!Array.isArray(buttons)) return undefined;
    var clean = buttons
      .filter(function (b) { return b && typeof b.title === "string" && typeof b.payload === "string"; })
      .map(function (b) { return { title: b.title, payload: b.payload }; });
    return clean.length ? clean : undefined;
  }

  function closedFrom(data) {
    var holders = [data, data.custom, data.data, data.custom && data.custom.data];
    for (var i = 0; i < holders.length; i += 1) {
      var holder = holders[i];
      if (holder && typeof holder === "object" && holder.chat_closed) {
        return String(holder.chat_closed.reason || "closed");
      }
    }
    return null;
  }

  // Live bot messages go before the citizen's messages that have not left yet.
  function insertBotItems(items) {
    var at = state.transcript.length;
    for (var i = 0; i < state.transcript.length; i += 1) {
      var item = state.transcript[i];
      if (item.author === "citizen" && inOutbox(item.id) && item.id !== state.inFlight) {
        at = i;
        break;
      }
    }
    Array.prototype.splice.apply(state.transcript, [at, 0].concat(items));
  }

  // ------------------------------------------------------- hand-off status (R2)
  // While the conversation waits for or is served by an agent, the status line says so
  // and the typing line shows when the agent is writing (POST /chat/status, every 3 s).
  var STATUS_MS = 3000;
  var statusTimer = null;
  state.handoff = null;

  function showHandoff(status) {
    var handoff = status && (status.handoff === "waiting" || status.handoff === "taken") ? status : null;
    state.handoff = closedReason() ? null : handoff;
    if (!state.handoff) {
      handoffLine.hidden = true;
      handoffLine.textContent = "";
    } else if (handoff.handoff === "waiting") {
      handoffLine.hidden = false;
      handoffLine.textContent = "En espera de un funcionario" +
        (handoff.position ? ". Su turno: " + handoff.position : "");
    } else {
      handoffLine.hidden = false;
      handoffLine.textContent = "Le atiende " + (handoff.agent_name || "un funcionario del CISAT");
    }
    render();
  }

  function scheduleStatus(delayMs) {
    if (statusTimer === null) statusTimer = window.setTimeout(checkStatus, delayMs);
  }

  function checkStatus() {
    statusTimer = null;
    var sessionId = state.sessionId;
    if (!state.token || closedReason()) {
      if (state.handoff) showHandoff(null);
      return;
    }
    window.fetch(ORIGIN + "/chat/status", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: state.token }),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (status) {
      if (sessionId !== state.sessionId) return;
      var before = JSON.stringify(state.handoff);
      if (JSON.stringify(status && status.handoff ? status : null) !== before) showHandoff(status);
      if (state.handoff) scheduleStatus(STATUS_MS);
    }, function () {
      if (state.handoff) scheduleStatus(STATUS_MS * 2);
    });
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") return;
    var items = [];
    if (typeof data.text === "string" && data.text.trim()) {
      var item = { uid: uid(), author: "bot", text: data.text };
      var buttons = normaliseButtons(data.quick_replies || data.buttons);
      if (buttons) item.buttons = buttons;
      items.push(item);
    }
    var closed = closedFrom(data);
    if (closed) items.push({ uid: uid(), author: "bot", text: "", closed: closed });
    if (!items.length) return;
    insertBotItems(items);
    save();
    render();
    scheduleStatus(300);
    if (!state.open) {
      state.unread = true;
      unreadBadge.hidden = false;
    }
  }

  function mergeHistory(history) {
    var messages = history
      .filter(function (m) { return m && (m.author === "citizen" || m.author === "bot"); })
      .map(function (m) {
        var item = { author: m.author, text: typeof m.text === "string" ? m.text : "" };
        var buttons = normaliseButtons(m.buttons);
        if (buttons) item.buttons = buttons;
        if (m.closed) item.closed = String(m.closed);
        if (typeof m.id === "string") item.id = m.id;
        return item;
      });
    var delivered = {};
    messages.forEach(function (m) { if (m.id) delivered[m.id] = true; });
    state.outbox = state.outbox.filter(function (item) {
      if (delivered[item.id]) return false;
      // The greeting trigger is hidden: any message in the history means it arrived.
      return !(item.hidden && item.message === GREETING && messages.length);
    });
    if (state.inFlight && !inOutbox(state.inFlight)) state.inFlight = null;
    var confirmed = state.transcript.filter(function (i) {
      return !(i.author === "citizen" && inOutbox(i.id));
    });
    var unconfirmed = state.transcript.filter(function (i) {
      return i.author === "citizen" && inOutbox(i.id);
    });
    function prefix(short, long) {
      if (short.length > long.length) return false;
      for (var i = 0; i < short.length; i += 1) {
        if (itemKey(short[i]) !== itemKey(long[i])) return false;
      }
      return true;
    }
    var merged;
    var replace = false;
    if (prefix(confirmed, messages)) {
      merged = confirmed.concat(messages.slice(confirmed.length).map(function (m) {
        m.uid = uid();
        return m;
      }));
    } else if (prefix(messages, confirmed)) {
      merged = confirmed;
    } else {
      replace = true;
      merged = messages.map(function (m) { m.uid = uid(); return m; });
    }
    state.transcript = merged.concat(unconfirmed);
    save();
    if (replace) rerender();
    else render();
  }

  // A session id and its token from the web app: a new conversation when none is kept;
  // otherwise the kept token is renewed (at each page load, then at most every
  // RENEW_AFTER_MS when connecting), so that only a conversation left alone for the
  // token's lifetime loses it. An expired token gets a new conversation, started
  // without an error on screen.
  var asking = null;
  function ensureSession() {
    var kept = state.token;
    if (kept && Date.now() - state.renewedAt < RENEW_AFTER_MS) return Promise.resolve();
    if (asking) return asking;
    asking = window.fetch(ORIGIN + "/chat/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(kept ? { token: kept } : {}),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    }).then(function (response) {
      if (response.status === 429) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          var busy = new Error("session 429");
          busy.notice = typeof body.error === "string" ? body.error : TOO_MANY_REQUESTS;
          busy.retryMs = (parseInt(response.headers.get("Retry-After"), 10) || 60) * 1000;
          throw busy;
        });
      }
      if (!response.ok) throw new Error("session " + response.status);
      return response.json();
    }).then(function (session) {
      if (typeof session.session_id !== "string" || typeof session.token !== "string") {
        throw new Error("session: unexpected answer");
      }
      if (state.token !== kept) return; // the citizen started a new conversation meanwhile
      if (kept && session.session_id !== state.sessionId) {
        // The kept conversation's token expired: a new one, keeping what was not sent yet.
        var unsent = state.outbox.filter(function (item) { return !item.hidden; });
        resetSession();
        unsent.forEach(function (item) {
          item.attempts = 0;
          state.outbox.push(item);
          state.transcript.push({ uid: uid(), author: "citizen", text: item.message, id: item.id });
        });
        rerender();
      }
      state.sessionId = session.session_id;
      state.token = session.token;
      state.renewedAt = Date.now();
      save();
    }).finally(function () { asking = null; });
    return asking;
  }

  // After a refusal: the server's polite message when it sent one, then a later retry.
  function retryLater(error, retry, delayMs) {
    if (error && error.notice) showNotice(error.notice);
    else setConnection(false);
    window.setTimeout(retry, error && error.retryMs ? error.retryMs : delayMs);
  }

  function loadHistory() {
    var sessionId = state.sessionId;
    if (!state.token) return Promise.resolve(false);
    return window.fetch(ORIGIN + "/chat/history", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: state.token }),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    }).then(function (response) {
      if (!response.ok) return false;
      return response.json().then(function (history) {
        if (!Array.isArray(history) || sessionId !== state.sessionId) return false;
        mergeHistory(history);
        return true;
      });
    }).catch(function () { return false; });
  }

  function flush() {
    if (!state.socket || !state.confirmed || state.inFlight || !state.outbox.length) return;
    if (closedReason()) return;
    var item = state.outbox[0];
    var socket = state.socket;
    var generation = state.generation;
    state.inFlight = item.id;
    item.attempts = (item.attempts || 0) + 1;
    save();
    render();
    socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", {
      message: item.message,
      session_id: state.sessionId,
      metadata: { client_message_id: item.id },
    }, function (error) {
      if (state.inFlight !== item.id) return;
      state.inFlight = null;
      if (!error) {
        state.outbox = state.outbox.filter(function (o) { return o.id !== item.id; });
        save();
        render();
        // A resend, or an ack after a reconnection: replies may have gone elsewhere.
        if (item.attempts > 1 || generation !== state.generation) {
          loadHistory().then(flush);
        } else {
          flush();
        }
        return;
      }
      render();
      // Timeout on a live socket: the tracker tells whether it arrived; a disconnection
      // waits for the next session_confirm, which loads the history and flushes.
      if (socket.connected && state.confirmed) loadHistory().then(flush);
    });
  }

  function submit(text, display) {
    var message = String(text || "").trim().slice(0, MAX_LENGTH);
    if (!message || closedReason()) return false;
    var item = { id: newMessageId(), message: message, hidden: false };
    state.outbox.push(item);
    state.transcript.push({
      uid: uid(), author: "citizen", text: display || message, id: item.id,
    });
    save();
    render();
    flush();
    return true;
  }

  function greetIfNew() {
    if (state.started) return;
    state.started = true;
    state.outbox.unshift({ id: newMessageId(), message: GREETING, hidden: true });
    save();
  }

  // ------------------------------------------------------------------ connection
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var previous = window.io;
      var tag = document.createElement("script");
      tag.src = src;
      tag.async = true;
      tag.onload = function () {
        var io = window.io;
        if (previous === undefined) {
          try { delete window.io; } catch (error) { window.io = undefined; }
        } else {
          window.io = previous;
        }
        resolve(io);
      };
      tag.onerror = function () { reject(new Error("socket.io client not loaded")); };
      document.head.appendChild(tag);
    });
  }

  function loadConfig() {
    if (DATA.socketUrl) {
      return Promise.resolve({
        socket_url: DATA.socketUrl, socket_path: DATA.socketPath || "/socket.io",
      });
    }
    return window.fetch(ORIGIN + "/chat/config.json", { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("config " + response.status);
        return response.json();
      });
  }

  var starting = null;
  function start() {
    if (state.socket) {
      connect();
      return Promise.resolve();
    }
    if (starting) return starting;
    starting = Promise.all([
      loadConfig(), loadScript(ORIGIN + "/widget/vendor/socket.io.min.js"), ensureSession(),
    ]).then(function (results) {
      state.config = results[0];
      state.io = results[1];
      openSocket();
    }).catch(function (error) {
      starting = null;
      state.everConnected = true;
      retryLater(error, start, 5000);
    });
    return starting;
  }

  // The one way to (re)connect the socket: with the current session's token, asked for
  // first when there is none, and never while socket.io is already connecting or
  // retrying by itself (a second handshake could bind a conversation the page has left).
  var connecting = null;
  function connect() {
    var socket = state.socket;
    if (!socket || socket.active || connecting || navigator.onLine === false) return;
    connecting = ensureSession().then(function () {
      connecting = null;
      if (!state.token) connect(); // a new conversation began meanwhile
      else if (!socket.active && navigator.onLine !== false) socket.connect();
    }, function (error) {
      connecting = null;
      retryLater(error, connect, 3000);
    });
  }

  function openSocket() {
    var socket = state.io(state.config.socket_url, {
      path: state.config.socket_path || "/socket.io",
      auth: function (send) {
        state.authToken = state.token;
        send({ token: state.token });
      },
      query: { lb: ROUTE_KEY },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 15000,
    });
    state.socket = socket;
    socket.on("connect", function () {
      state.confirmed = false;
      state.generation += 1;
      if (state.authToken !== state.token) {
        // Bound to a conversation the page has left meanwhile: again, with the current one.
        socket.disconnect();
        connect();
        return;
      }
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (id) {
      if (id !== state.sessionId) return;
      var generation = state.generation;
      state.confirmed = true;
      state.everConnected = true;
      setConnection(true);
      var ready = state.started ? loadHistory() : Promise.resolve(false);
      ready.then(function () {
        if (generation !== state.generation) return;
        greetIfNew();
        render();
        flush();
        scheduleStatus(0);
      });
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function (reason) {
      state.confirmed = false;
      // Nothing queued inside socket.io: the outbox resends after the history check.
      if (socket.sendBuffer) socket.sendBuffer.length = 0;
      setConnection(false);
      if (reason === "io server disconnect") connect();
    });
    socket.on("connect_error", function (error) {
      setConnection(false);
      // Refused by the server (not a network error): socket.io does not retry by itself.
      if (socket.active) return;
      if (error && error.message === "too_many_connections") {
        retryLater({ notice: TOO_MANY_CONNECTIONS }, connect, 30000);
        return;
      }
      var refusedToken = error && error.message === "invalid_token";
      if (refusedToken && state.authToken === state.token) {
        // The kept token is no longer valid (e.g. a new secret): a new conversation.
        // A refusal of a token the page has already replaced changes nothing.
        resetSession();
        rerender();
      }
      window.setTimeout(connect, refusedToken ? 0 : 3000);
    });
  }

  window.addEventListener("offline", function () {
    setConnection(false);
    if (state.socket) state.socket.disconnect();
  });
  window.addEventListener("online", connect);

  // ------------------------------------------------------------------ panel
  function setOpen(open, focus) {
    state.open = open;
    store.set("open", open);
    panel.hidden = !open;
    frame.classList.toggle("tc--open", open);
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcherText.textContent = open ? "Ocultar el chat" : "Chat de la Alcaldía";
    if (open) {
      state.unread = false;
      unreadBadge.hidden = true;
      render();
      start();
      if (focus) (closedReason() ? restart : input).focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!state.open, true); });
  minimize.addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit(input.value)) input.value = "";
    input.focus();
  });
  restart.addEventListener("click", function () {
    resetSession();
    rerender();
    if (state.socket) {
      state.socket.disconnect();
      connect();
    } else {
      start();
    }
    input.focus();
  });

  function mount() {
    document.body.appendChild(host);
    render();
    if (state.open || DATA.open === "true") setOpen(true, false);
    else if (state.started && !closedReason()) start();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();

/* The chat page: polls for new messages, sends replies, inserts protocol scripts. */
"use strict";

(function () {
  var C = window.TenjoConsole;
  var POLL_MS = 1500;
  var root = document.getElementById("chat");
  if (!root) { return; }
  var messagesUrl = root.getAttribute("data-messages-url");
  var replyUrl = root.getAttribute("data-reply-url");
  var transcript = document.getElementById("transcript");
  var notice = document.getElementById("chat-notice");
  var statusLine = document.getElementById("handoff-status");
  var form = document.getElementById("reply-form");
  var box = document.getElementById("reply-text");
  var counter = document.getElementById("reply-count");
  var status = root.getAttribute("data-status");

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  function byId(id) {
    return transcript.querySelector('li[data-id="' + Number(id) + '"]');
  }

  function lastId() {
    var items = transcript.querySelectorAll("li[data-id]");
    return items.length ? Number(items[items.length - 1].getAttribute("data-id")) : 0;
  }

  /* Ask again from the first agent message not yet delivered, to update its state. */
  function afterId() {
    var pending = transcript.querySelectorAll("li.message--agent[data-pending]");
    return pending.length ? Number(pending[0].getAttribute("data-id")) - 1 : lastId();
  }

  function show(message) {
    var item = C.messageItem(message, false);
    if (message.author === "agent" && !message.delivered) {
      item.setAttribute("data-pending", "");
    }
    var existing = byId(message.id);
    if (existing) {
      transcript.replaceChild(item, existing);
    } else {
      transcript.appendChild(item);
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function markPendingFromPage() {
    Array.prototype.forEach.call(transcript.querySelectorAll("li.message--agent"), function (item) {
      var state = item.querySelector(".message__state");
      if (state && state.textContent !== "Entregado") { item.setAttribute("data-pending", ""); }
    });
  }

  function endChat(label) {
    if (form) {
      form.querySelectorAll("textarea, button").forEach(function (control) { control.disabled = true; });
    }
    var tools = document.getElementById("chat-tools");
    if (tools) { tools.hidden = true; }
    showNotice("La conversación terminó (" + label + "). Ya no es posible responder.");
  }

  function poll() {
    C.request(messagesUrl + "?after=" + afterId()).then(function (answer) {
      if (answer.status !== 200) { throw new Error("status " + answer.status); }
      (answer.body.messages || []).forEach(show);
      var handoff = answer.body.handoff;
      statusLine.textContent = handoff.status_label;
      var greeting = document.querySelector('button[data-script="greeting"]');
      if (greeting && answer.body.greeting) { greeting.setAttribute("data-text", answer.body.greeting); }
      if (handoff.status !== status) {
        status = handoff.status;
        if (status === "closed" || status === "expired") { endChat(handoff.status_label); }
        else if (!answer.body.is_owner && form) { endChat(handoff.status_label); }
      }
    }).catch(function () {
      /* the next poll tries again */
    }).then(function () {
      if (status !== "closed" && status !== "expired") { window.setTimeout(poll, POLL_MS); }
    });
  }

  function updateCounter() {
    if (counter && box) {
      counter.textContent = box.value.length + " de " + box.maxLength + " caracteres.";
    }
  }

  function insertScript(text) {
    var start = box.selectionStart;
    var end = box.selectionEnd;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    var glue = before && !/\s$/.test(before) ? " " : "";
    box.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    updateCounter();
  }

  function send(event) {
    event.preventDefault();
    var text = box.value.trim();
    if (!text) {
      showNotice("Escriba un mensaje antes de enviarlo.");
      box.focus();
      return;
    }
    var button = document.getElementById("reply-send");
    button.disabled = true;
    C.request(replyUrl, { method: "POST", json: { text: text } }).then(function (answer) {
      if (answer.body.message) {
        show(answer.body.message);
      }
      if (answer.status === 201 || answer.status === 502) {
        box.value = "";
        updateCounter();
      }
      showNotice(answer.status === 201 ? "" : (answer.body.error || "No fue posible enviar el mensaje."));
    }).catch(function () {
      showNotice("No fue posible enviar el mensaje. Revise la conexión e intente de nuevo.");
    }).then(function () {
      button.disabled = false;
      box.focus();
    });
  }

  /* The citizen's widget says "está escribiendo" while the agent types (every 3 s at most). */
  var typingUrl = root.getAttribute("data-typing-url");
  var lastTyping = 0;
  function reportTyping() {
    var moment = Date.now();
    if (!typingUrl || !box.value.trim() || moment - lastTyping < 3000) { return; }
    lastTyping = moment;
    C.request(typingUrl, { method: "POST", json: {} }).catch(function () { /* not essential */ });
  }

  if (form && box) {
    form.addEventListener("submit", send);
    box.addEventListener("input", updateCounter);
    box.addEventListener("input", reportTyping);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { send(event); }
    });
    document.querySelectorAll("button[data-script]").forEach(function (button) {
      button.addEventListener("click", function () { insertScript(button.getAttribute("data-text")); });
    });
    updateCounter();
  }
  markPendingFromPage();
  transcript.lastElementChild && transcript.lastElementChild.scrollIntoView({ block: "nearest" });
  if (status !== "closed" && status !== "expired") { window.setTimeout(poll, POLL_MS); }
})();

/* The content editor's preview chat (issue 20): the editor's draft is saved, then the
   message goes to the real assistant in a preview conversation that reads the editor's
   drafts. Text from the server always goes in with textContent. */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var panel = document.getElementById("preview-chat");
  if (!panel || !window.TenjoConsole) {
    return;
  }
  var ui = window.TenjoConsole;
  var url = panel.getAttribute("data-url");
  var log = document.getElementById("preview-log");
  var chat = document.getElementById("preview-form");
  var input = document.getElementById("preview-message");
  var status = document.getElementById("preview-status");
  var restart = document.getElementById("preview-restart");
  var editor = document.getElementById("editor-form");
  var conversation = null;
  var busy = false;

  function say(author, text) {
    var item = ui.element("li", "chat-line chat-line--" + author);
    item.appendChild(ui.element("span", "chat-line__author", author === "citizen" ? "Usted" : "Asistente"));
    item.appendChild(ui.element("p", "chat-line__text", text));
    log.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function saveDraft() {
    if (!editor) {
      return Promise.resolve();
    }
    return fetch(editor.action, { method: "POST", body: new FormData(editor), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("draft not saved");
        }
      });
  }

  chat.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = input.value.trim();
    if (!message || busy) {
      return;
    }
    busy = true;
    status.textContent = "Guardando su borrador y esperando al asistente…";
    say("citizen", message);
    input.value = "";
    saveDraft()
      .then(function () {
        return ui.request(url, { method: "POST", json: { message: message, conversation: conversation } });
      })
      .then(function (result) {
        if (result.status !== 200) {
          status.textContent = result.body.error || "La vista previa no respondió.";
          return;
        }
        conversation = result.body.conversation;
        result.body.messages.forEach(function (text) { say("bot", text); });
        status.textContent = result.body.messages.length ? "" : "El asistente no respondió nada a ese mensaje.";
      })
      .catch(function () {
        status.textContent = "No se pudo guardar su borrador o llegar al asistente. Intente de nuevo.";
      })
      .then(function () {
        busy = false;
        input.focus();
      });
  });

  restart.addEventListener("click", function () {
    conversation = null;
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    status.textContent = "Conversación nueva: salude al asistente como lo haría un ciudadano.";
    input.focus();
  });
});

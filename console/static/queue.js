/* The live queue: polls /console/api/queue and updates the lists in place. */
"use strict";

(function () {
  var C = window.TenjoConsole;
  var POLL_MS = 2000;
  var waitingList = document.getElementById("waiting");
  var mineList = document.getElementById("mine");
  if (!waitingList || !mineList) { return; }
  var apiUrl = mineList.getAttribute("data-api");
  var statusLine = document.getElementById("queue-status");
  var errorLine = document.getElementById("queue-error");
  var lastStatus = statusLine.textContent.trim();

  function takeForm(item) {
    var form = C.element("form", "take-form");
    form.method = "post";
    form.action = item.take_url;
    var token = C.element("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = C.csrfToken();
    form.appendChild(token);
    var button = C.element("button", "button button--primary", "Atender");
    button.type = "submit";
    button.appendChild(C.element("span", "visually-hidden", " a " + item.citizen_name));
    form.appendChild(button);
    return form;
  }

  function waitingRow(item, open) {
    var row = C.element("li", "queue-item");
    row.setAttribute("data-id", item.id);
    row.setAttribute("data-count", item.messages.length);
    var head = C.element("div", "queue-item__head");
    head.appendChild(C.element("h3", "queue-item__name", item.citizen_name));
    var meta = C.element("p", "meta");
    meta.appendChild(C.element("span", "queue-item__topic", item.topic_words));
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(C.element("span", "queue-item__wait", "Espera: " + C.duration(item.waiting_seconds)));
    head.appendChild(meta);
    row.appendChild(head);
    var details = C.element("details", "transcript-preview");
    details.open = open;
    details.appendChild(C.element("summary", null,
      "Conversación hasta ahora (" + item.messages.length + " mensajes)"));
    var transcript = C.element("ol", "transcript transcript--compact");
    item.messages.forEach(function (message) {
      transcript.appendChild(C.messageItem(message, true));
    });
    details.appendChild(transcript);
    row.appendChild(details);
    row.appendChild(takeForm(item));
    return row;
  }

  function renderWaiting(items) {
    var existing = {};
    Array.prototype.forEach.call(waitingList.children, function (row) {
      existing[row.getAttribute("data-id")] = row;
    });
    var previous = null;
    items.forEach(function (item) {
      var row = existing[String(item.id)];
      delete existing[String(item.id)];
      if (row && row.getAttribute("data-count") === String(item.messages.length)) {
        row.querySelector(".queue-item__wait").textContent = "Espera: " + C.duration(item.waiting_seconds);
      } else {
        var details = row ? row.querySelector("details") : null;
        var fresh = waitingRow(item, Boolean(details && details.open));
        if (row) { waitingList.replaceChild(fresh, row); }
        row = fresh;
      }
      var expected = previous ? previous.nextSibling : waitingList.firstChild;
      if (row !== expected) { waitingList.insertBefore(row, expected); }
      previous = row;
    });
    Object.keys(existing).forEach(function (id) { existing[id].remove(); });
    document.getElementById("waiting-empty").hidden = items.length > 0;
    var text = items.length === 0 ? "No hay ciudadanos en espera." :
      items.length === 1 ? "Hay 1 ciudadano en espera." :
      "Hay " + items.length + " ciudadanos en espera.";
    if (text !== lastStatus) {
      statusLine.textContent = text;
      lastStatus = text;
    }
  }

  function renderMine(items) {
    var ids = items.map(function (item) { return String(item.id); }).join(",");
    var current = Array.prototype.map.call(mineList.children, function (row) {
      return row.getAttribute("data-id");
    }).join(",");
    document.getElementById("mine-empty").hidden = items.length > 0;
    if (ids === current) { return; }
    mineList.replaceChildren();
    items.forEach(function (item) {
      var row = C.element("li");
      row.setAttribute("data-id", item.id);
      var link = C.element("a", null, item.citizen_name);
      link.href = item.url;
      row.appendChild(link);
      row.appendChild(document.createTextNode(" "));
      row.appendChild(C.element("span", "meta", item.topic_words));
      mineList.appendChild(row);
    });
  }

  function poll() {
    C.request(apiUrl).then(function (answer) {
      if (answer.status !== 200) { throw new Error("status " + answer.status); }
      errorLine.hidden = true;
      renderWaiting(answer.body.waiting || []);
      renderMine(answer.body.mine || []);
    }).catch(function () {
      errorLine.textContent = "No fue posible actualizar la cola. Se intentará de nuevo en unos segundos.";
      errorLine.hidden = false;
    }).then(function () {
      window.setTimeout(poll, POLL_MS);
    });
  }

  window.setTimeout(poll, POLL_MS);
})();

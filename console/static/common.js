/* Helpers shared by the console pages. Data is always put in the page with textContent. */
"use strict";

window.TenjoConsole = (function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (hours) { return hours + " h " + two(minutes) + " min"; }
    if (minutes) { return minutes + " min " + two(secs) + " s"; }
    return secs + " s";
  }

  /* fetch with the session cookie and the CSRF token; resolves to {status, body}. */
  function request(url, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    var init = { method: options.method || "GET", credentials: "same-origin", headers: headers };
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
      init.body = JSON.stringify(options.json);
    }
    return fetch(url, init).then(function (response) {
      if (response.status === 401) {
        window.location.assign("/console/login?next=" + encodeURIComponent(window.location.pathname));
        return Promise.reject(new Error("session ended"));
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function messageItem(message, compact) {
    var item = element("li", "message message--" + message.author);
    item.setAttribute("data-id", message.id);
    item.appendChild(element("span", "message__author", message.author_label));
    item.appendChild(element("span", "message__time", message.time));
    if (message.author === "agent" && !compact) {
      item.appendChild(element("span", "message__state",
        message.delivered ? "Entregado" : "Pendiente de entrega"));
    }
    item.appendChild(element("p", "message__text", message.text));
    return item;
  }

  return {
    csrfToken: csrfToken,
    element: element,
    duration: duration,
    request: request,
    messageItem: messageItem
  };
})();

/* Reports the agent's presence from a worker: its timer keeps its pace in a background
   tab (a page's timers are slowed to once a minute there). Posts each answer back. */
"use strict";

var settings = null;
var timer = null;

function report() {
  fetch(settings.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "Content-Type": "application/json",
               "X-CSRFToken": settings.csrf },
    body: "{}"
  }).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      self.postMessage({ status: response.status, body: body });
    });
  }).catch(function () {
    self.postMessage({ status: 0, body: {} });
  });
}

self.onmessage = function (event) {
  settings = event.data;
  if (timer !== null) { clearInterval(timer); }
  report();
  timer = setInterval(report, settings.seconds * 1000);
};

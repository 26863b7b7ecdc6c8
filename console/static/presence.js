/* Presence and hand-off alerts on every console page (R1, R2): the worker reports the
   agent's presence; each answer updates the title with the number waiting, and each new
   hand-off plays a sound and shows a browser notification (with the agent's permission). */
"use strict";

(function () {
  var C = window.TenjoConsole;
  var script = document.currentScript;
  var url = script.getAttribute("data-url");
  var workerUrl = script.getAttribute("data-worker");
  var serves = script.getAttribute("data-serves") === "1";
  var baseTitle = document.title;
  var ALERTED = "tenjo-alerted-handoffs";
  var audio = null;

  window.TenjoAlerts = { sounds: 0, notifications: 0, waiting: 0 };

  function alerted() {
    try { return JSON.parse(localStorage.getItem(ALERTED) || "[]"); } catch (e) { return []; }
  }

  function remember(ids) {
    try { localStorage.setItem(ALERTED, JSON.stringify(ids.slice(-200))); } catch (e) { /* full */ }
  }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.6);
      window.TenjoAlerts.sounds += 1;
    } catch (e) { /* no sound device: the title and the notification remain */ }
  }

  function notify(item) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var note = new Notification("Ciudadano en espera: " + item.citizen_name, {
      body: item.topic_words ? "Tema: " + item.topic_words : "Solicita atención de un funcionario.",
      tag: "handoff-" + item.id,
      lang: "es"
    });
    note.onclick = function () { window.focus(); window.location.assign("/console/"); };
    window.TenjoAlerts.notifications += 1;
  }

  function showTitle(count) {
    window.TenjoAlerts.waiting = count;
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
  }

  function onReport(result) {
    if (result.status !== 200) { return; }
    var state = result.body;
    var waiting = state.waiting || [];
    showTitle(waiting.length);
    var indicator = document.getElementById("presence-state");
    if (indicator) {
      indicator.textContent = state.away ? "Ausente" : (state.available ? "Disponible" : "Sin conexión");
      indicator.setAttribute("data-state", state.away ? "away" : (state.available ? "available" : "offline"));
    }
    if (!serves || state.away) { return; }
    // The first page of a browser only learns the queue it shows; later reports alert.
    var firstEver = localStorage.getItem(ALERTED) === null;
    var known = alerted();
    var fresh = waiting.filter(function (item) { return known.indexOf(item.id) === -1; });
    if (fresh.length && !firstEver) {
      beep();
      fresh.forEach(notify);
    }
    remember(known.concat(fresh.map(function (item) { return item.id; })));
  }

  function askPermission() {
    var button = document.getElementById("enable-alerts");
    if (!button || !("Notification" in window)) { return; }
    if (Notification.permission === "default") { button.hidden = false; }
    button.addEventListener("click", function () {
      beep();  // a click lets the page play sounds from now on
      Notification.requestPermission().then(function (answer) {
        button.hidden = answer !== "default";
        var line = document.getElementById("alerts-state");
        if (line) {
          line.textContent = answer === "granted" ? "Avisos activados." :
            "El navegador no permite los avisos; la cola y el título siguen mostrando la espera.";
        }
      });
    });
  }

  if (!window.Worker) { return; }
  var worker = new Worker(workerUrl);
  worker.onmessage = function (event) {
    if (event.data.status === 401) { window.location.assign("/console/login"); return; }
    onReport(event.data);
  };
  worker.postMessage({ url: url, csrf: C.csrfToken(), seconds: Number(script.getAttribute("data-seconds")) || 15 });
  askPermission();
})();

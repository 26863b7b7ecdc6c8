// A publication's page follows its worker: it asks for the state every two seconds
// until the publication ends, then reloads once to show the result and the diff.
(function () {
  "use strict";
  const card = document.getElementById("publication");
  if (!card || card.dataset.finished === "true") return;
  const url = card.dataset.stateUrl;
  const statusLabel = document.getElementById("status-label");
  const stepLabel = document.getElementById("step-label");
  const steps = Array.from(document.querySelectorAll("#publication-steps li"));

  function show(state) {
    statusLabel.textContent = state.status_label;
    stepLabel.textContent = state.step_label && !state.finished ? ": " + state.step_label + "…" : "";
    let reached = false;
    for (const item of steps.slice().reverse()) {
      if (item.dataset.step === state.step) {
        item.dataset.current = "true";
        reached = true;
      } else {
        item.dataset.current = "false";
        item.dataset.done = reached ? "true" : "false";
      }
    }
  }

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        show(state);
        if (state.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // The console restarts or the network blinks: try again at the next tick.
    }
    window.setTimeout(poll, 2000);
  }
  window.setTimeout(poll, 1000);
})();

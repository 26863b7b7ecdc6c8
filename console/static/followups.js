/* The e-mail preview follows what the agent types (text only, never HTML). */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var field = document.getElementById("answer");
  var target = document.getElementById("preview-answer");
  if (!field || !target) {
    return;
  }
  function update() {
    var text = field.value.trim();
    target.textContent = text || target.getAttribute("data-placeholder");
  }
  field.addEventListener("input", update);
  update();
});

/* The content editor's form (issue 20): 400 ms after typing stops, the draft goes to the
   check API; each problem is shown next to its field, and the answer as the citizen reads
   it. Blocks are added and removed here. Text from the server always goes in with
   textContent. */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("editor-form");
  if (!form || !window.TenjoConsole) {
    return;
  }
  var ui = window.TenjoConsole;
  var DELAY_MS = 400;
  var FACT_FIELDS = ["value", "status", "source", "source_kind", "confirmed_by", "confirmed_on"];
  var kind = form.getAttribute("data-kind");
  var checkUrl = form.getAttribute("data-check-url");
  var openedRevision = form.getAttribute("data-revision");
  var status = document.getElementById("check-status");
  var moved = document.getElementById("files-moved");
  var blocks = document.getElementById("blocks");
  var addButton = document.getElementById("add-block");
  var template = document.getElementById("block-template");
  var timer = null;
  var sequence = 0;
  var dirty = false;

  function each(nodes, action) {
    Array.prototype.forEach.call(nodes, action);
  }

  function blockElements() {
    return blocks ? Array.prototype.slice.call(blocks.querySelectorAll(".editor-block")) : [];
  }

  function renumber() {
    if (!blocks) {
      return;
    }
    var all = blockElements();
    var most = parseInt(blocks.getAttribute("data-max"), 10) || 20;
    all.forEach(function (block, index) {
      var number = index + 1;
      var area = block.querySelector("textarea");
      var label = block.querySelector("label");
      var list = block.querySelector(".field-problems");
      var remove = block.querySelector("[data-remove-block]");
      area.id = "block-" + number;
      list.id = "problems-block-" + number;
      area.setAttribute("aria-describedby", list.id);
      label.setAttribute("for", area.id);
      label.textContent = "Bloque " + number;
      remove.textContent = "Quitar el bloque " + number;
      remove.hidden = all.length < 2;
    });
    if (addButton) {
      addButton.hidden = false;
      addButton.disabled = all.length >= most;
    }
  }

  function draft() {
    var body = {};
    if (kind === "topic") {
      body.answer_blocks = blockElements().map(function (block) {
        return block.querySelector("textarea").value;
      });
      body.paraphrase = form.elements.paraphrase.value;
      body.remove_examples = [];
      each(form.querySelectorAll('input[name="remove_example"]'), function (box) {
        if (box.checked) {
          body.remove_examples.push(box.value);
        }
      });
      body.new_examples = form.elements.new_examples.value;
      return body;
    }
    FACT_FIELDS.forEach(function (name) {
      body[name] = form.elements[name].value;
    });
    return body;
  }

  function setStatus(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state || "");
  }

  function clearProblems() {
    each(form.querySelectorAll(".field-problems"), function (list) {
      list.textContent = "";
    });
    each(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  /* Where a problem goes: the list next to its field, the field, and whether the message
     needs to say which example it is about. */
  function placeOf(problem) {
    if (problem.block) {
      var block = blockElements()[problem.block - 1];
      if (block) {
        return { list: block.querySelector(".field-problems"), field: block.querySelector("textarea") };
      }
    }
    if (problem.example !== null && problem.example !== undefined) {
      var found = null;
      each(form.querySelectorAll('input[name="remove_example"]'), function (box) {
        if (!found && box.checked && box.value === problem.example) {
          found = { list: box.closest("li").querySelector(".field-problems"), field: box };
        }
      });
      return found || { list: byId("problems-new-examples"), field: byId("new-examples"), named: true };
    }
    if (problem.field === "paraphrase") {
      return { list: byId("problems-paraphrase"), field: byId("paraphrase") };
    }
    if (problem.field === "examples") {
      return { list: byId("problems-examples"), field: null };
    }
    if (FACT_FIELDS.indexOf(problem.field) >= 0) {
      return { list: byId("problems-" + problem.field), field: byId(problem.field) };
    }
    return { list: byId(kind === "topic" ? "problems-answer" : "problems-fact"), field: null, named: true };
  }

  function showProblems(problems) {
    clearProblems();
    problems.forEach(function (problem) {
      var place = placeOf(problem);
      var text = place.named && problem.field !== "answer" && problem.field !== "fact"
        ? problem.where + ": " + problem.message : problem.message;
      var item = ui.element("li", "field-problem", text);
      item.setAttribute("data-rule", problem.rule);
      place.list.appendChild(item);
      if (place.field) {
        place.field.setAttribute("aria-invalid", "true");
      }
    });
  }

  function showPreview(shown) {
    var list = byId("preview");
    list.textContent = "";
    shown.forEach(function (block) {
      var item = ui.element("li", block.text ? "preview-block" : "preview-block preview-block--omitted");
      item.appendChild(ui.element("span", "preview-block__label",
        "Bloque " + block.number + (block.text ? "" : " (omitido)")));
      if (block.text) {
        item.appendChild(ui.element("p", "preview-block__text", block.text));
      }
      if (block.note) {
        item.appendChild(ui.element("p", "preview-block__note", block.note));
      }
      list.appendChild(item);
    });
  }

  function showFactUse(body) {
    byId("fact-sayable").textContent = body.summary;
    var list = byId("fact-topics");
    list.textContent = "";
    if (!body.topics.length) {
      list.appendChild(ui.element("li", "empty", "Ninguna respuesta nombra este hecho."));
    }
    body.topics.forEach(function (topic) {
      var item = ui.element("li");
      item.setAttribute("data-topic", topic.topic);
      var link = ui.element("a", "", topic.topic);
      link.href = topic.url;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(ui.element("span", "meta", topic.note));
      list.appendChild(item);
    });
  }

  function counted(count) {
    if (count === 0) {
      return "Sin problemas: el borrador cumple las reglas.";
    }
    return count === 1 ? "Hay 1 problema por corregir." : "Hay " + count + " problemas por corregir.";
  }

  function check() {
    var mine = ++sequence;
    setStatus("Revisando el borrador…", "busy");
    ui.request(checkUrl, { method: "POST", json: draft() }).then(function (result) {
      if (mine !== sequence) {
        return;
      }
      var body = result.body || {};
      if (result.status !== 200) {
        clearProblems();
        setStatus(body.error || "No se pudo revisar el borrador. Sus cambios siguen en la página.", "error");
        return;
      }
      showProblems(body.problems);
      if (kind === "topic") {
        showPreview(body.preview);
      } else {
        showFactUse(body);
      }
      if (moved && openedRevision) {
        moved.hidden = body.revision === openedRevision;
      }
      setStatus(counted(body.problems.length), body.problems.length ? "problems" : "ok");
    }).catch(function (error) {
      if (mine !== sequence || (error && error.message === "session ended")) {
        return;
      }
      setStatus("No se pudo revisar el borrador: la consola no respondió. Sus cambios siguen en la página.", "error");
    });
  }

  function changed() {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  if (blocks) {
    blocks.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-block]");
      if (!button) {
        return;
      }
      var block = button.closest(".editor-block");
      var before = block.previousElementSibling || block.nextElementSibling;
      block.remove();
      renumber();
      if (before) {
        before.querySelector("textarea").focus();
      }
      changed();
    });
  }
  if (addButton && template) {
    addButton.addEventListener("click", function () {
      blocks.appendChild(template.content.cloneNode(true));
      renumber();
      var added = blockElements();
      added[added.length - 1].querySelector("textarea").focus();
      changed();
    });
  }

  document.addEventListener("submit", function () {
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  renumber();
  check();
});

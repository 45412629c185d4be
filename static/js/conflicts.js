// A field both people changed shows both texts (templates/steps/includes/conflict.html).
// The writer chooses: keep mine, keep theirs, or put both in the box to edit. A choice
// sends theirs' fingerprint as the field's new base: the writer has now seen it, so the
// next save may replace it. On the answers form (autosave.js) the old base stays until
// then, so every autosave is refused for that field again; a form drawn again by the
// server after a conflict already carries theirs as the base, since it shows theirs.
(function () {
  "use strict";

  function fieldOf(panel) {
    var form = document.getElementById(panel.dataset.form);
    return form ? form.elements[panel.dataset.name] : null;
  }

  function baseOf(panel) {
    var form = document.getElementById(panel.dataset.form);
    return form ? form.querySelector('input[name="base-' + panel.dataset.name + '"]') : null;
  }

  function setValue(field, value) {
    if (field instanceof RadioNodeList || (field.length !== undefined && !field.tagName)) {
      var wanted = Array.isArray(value) ? value.map(String) : [String(value)];
      Array.prototype.forEach.call(field, function (input) {
        input.checked = wanted.indexOf(input.value) !== -1;
      });
    } else if (field.type === "checkbox") {
      field.checked = value === true || value === "on" || value === "yes";
    } else {
      field.value = value;
    }
  }

  function focusTarget(field) {
    return field.tagName ? field : field[0];
  }

  function resolve(panel, choice) {
    var field = fieldOf(panel);
    var base = baseOf(panel);
    if (!field) { return; }
    var theirs = JSON.parse(panel.dataset.theirsValue);
    if (choice === "theirs") {
      setValue(field, theirs);
    } else if (choice === "both") {
      var mine = focusTarget(field).value;
      focusTarget(field).value = mine ? mine + "\n\n" + theirs : theirs;
    }
    if (base) { base.value = panel.dataset.theirsBase; }
    var form = document.getElementById(panel.dataset.form);
    panel.remove();
    var target = focusTarget(field);
    target.focus();
    // Tell the autosave (and the unsaved-changes warning) that the form changed.
    target.dispatchEvent(new Event("change", { bubbles: true }));
    if (form) {
      form.dispatchEvent(new CustomEvent("cim:conflict-resolved", { detail: { name: panel.dataset.name, choice: choice } }));
    }
  }

  function enhance(root) {
    (root || document).querySelectorAll("[data-conflict]").forEach(function (panel) {
      var choices = panel.querySelector("[data-conflict-choices]");
      var noJs = panel.querySelector("[data-conflict-nojs]");
      if (choices) { choices.hidden = false; }
      if (noJs) { noJs.hidden = true; }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-resolve]");
    if (!button) { return; }
    var panel = button.closest("[data-conflict]");
    if (panel) { resolve(panel, button.dataset.resolve); }
  });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  window.cimConflicts = { enhance: enhance };
})();

// Warns before leaving a page whose form has changes that were not saved yet.
// Forms opt in with data-warn-unsaved; a submit, or an autosave the server accepted,
// clears the warning.
(function () {
  "use strict";
  var dirty = new Set();

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-warn-unsaved]");
    if (form) { dirty.add(form); }
  });
  document.addEventListener("submit", function (event) {
    // A form that saves in place (autosave.js) is clean only once the save succeeds.
    if (!event.defaultPrevented) { dirty.delete(event.target); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-warn-unsaved]");
    var saved = event.detail.successful && !event.detail.xhr.responseText.includes("Not saved");
    if (form && saved) { dirty.delete(form); }
  });
  // The answers' autosave (autosave.js) says when everything typed is saved.
  document.addEventListener("cim:saved", function (event) {
    dirty.delete(event.target);
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

// The answers of an activity (form[data-autosave]) save as the person types, and the
// Save button saves too: both go through one queue, so a save waits for the one in
// flight and one person never clashes with themselves.
//
// Each box carries a base (`base-<name>`): a fingerprint of the answer as this page last
// knew it saved. The server merges field by field (steps/merge.py). After each save:
// - a box nobody else changed keeps the person's text and takes the new base;
// - a box only someone else changed gets their text (unless the person typed in it
//   meanwhile: then its base stays, and the next save meets their change as a conflict);
// - a box both changed shows both texts (templates/steps/includes/conflict.html) and
//   keeps its old base until the person chooses (static/js/conflicts.js): until then no
//   save can write over a text the person has not seen.
// Also: a heartbeat shows who else has the activity open (#presence).
(function () {
  "use strict";

  var AUTOSAVE_AFTER_TYPING_MS = 2500;
  var AUTOSAVE_AFTER_CHANGE_MS = 600;

  function start(form) {
    var status = document.getElementById("save-status");
    var incoming = document.getElementById("save-incoming");
    var errorsBox = document.getElementById("answers-errors");
    var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    var names = Array.prototype.map.call(
      form.querySelectorAll('input[name^="base-"]'),
      function (input) { return input.name.slice(5); }
    );
    var inFlight = false;
    var queued = false;
    var queuedExplicit = false;
    var typedSinceSend = false;
    var timer = null;

    function field(name) { return form.elements.namedItem(name); }
    function baseInput(name) { return form.querySelector('input[name="base-' + name + '"]'); }

    function valueOf(name) {
      var element = field(name);
      if (!element) { return undefined; }
      return element.value === undefined ? "" : String(element.value);
    }

    function setValue(name, value) {
      var element = field(name);
      if (!element) { return; }
      if (element.tagName) {
        element.value = value;
      } else {
        Array.prototype.forEach.call(element, function (input) {
          input.checked = input.value === value;
        });
      }
    }

    function isAnswer(target) {
      return target && target.name && names.indexOf(target.name) !== -1;
    }

    function say(text, problem) {
      status.textContent = text;
      status.classList.toggle("text-danger", Boolean(problem));
    }

    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(function () { enqueue(false); }, delay);
    }

    function enqueue(explicit) {
      queued = true;
      queuedExplicit = queuedExplicit || explicit;
      if (inFlight) {
        if (explicit) { say("Saving as soon as the save in progress ends…"); }
        return;
      }
      send();
    }

    function send() {
      clearTimeout(timer);
      var explicit = queuedExplicit;
      queued = false;
      queuedExplicit = false;
      inFlight = true;
      typedSinceSend = false;
      var sent = {};
      names.forEach(function (name) { sent[name] = valueOf(name); });
      say("Saving…");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) {
            throw new Error(response.redirected ? "signed-out" : "status " + response.status);
          }
          return response.json();
        })
        .then(function (result) { apply(result, sent, explicit); })
        .catch(function (error) {
          say(error.message === "signed-out"
            ? "Not saved: you were signed out. Your text is still here: copy it, sign in again in a new tab, and paste it back."
            : "Not saved: the connection failed. Your text is still here; it will be saved with your next change, or press Save draft.", true);
        })
        .finally(function () {
          inFlight = false;
          if (queued) { send(); }
        });
    }

    function showErrors(result) {
      form.querySelectorAll('[id$="_error"]').forEach(function (box) {
        if (box.closest("[data-answer]")) { box.hidden = true; box.textContent = ""; }
      });
      Object.keys(result.errors || {}).forEach(function (name) {
        var box = document.getElementById("id_" + name + "_error");
        if (!box) { return; }
        box.textContent = result.errors[name].join(" ");
        box.hidden = false;
      });
      errorsBox.textContent = result.message || "";
      errorsBox.hidden = !result.message;
    }

    function showConflict(name, html) {
      var slot = form.querySelector('[data-conflict-slot="' + name + '"]');
      if (!slot) { return null; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var panel = holder.firstElementChild;
      var shown = slot.querySelector("[data-conflict]");
      if (shown && shown.dataset.theirsBase === panel.dataset.theirsBase) { return shown; }
      slot.replaceChildren(panel);
      if (window.cimConflicts) { window.cimConflicts.enhance(slot); }
      return panel;
    }

    function apply(result, sent, explicit) {
      form.elements.namedItem("version").value = result.version;
      showErrors(result);
      var conflicts = result.conflicts || {};
      // A refused or invalid save wrote nothing: the boxes keep what the person typed.
      var merged = result.outcome === "saved" || result.outcome === "conflict";
      Object.keys(merged ? result.fields : {}).forEach(function (name) {
        if (conflicts[name]) { return; }
        var saved = result.fields[name];
        var now = valueOf(name);
        var base = baseInput(name);
        if (now === sent[name]) {
          if (String(saved.value) !== now) { setValue(name, String(saved.value)); }
          base.value = saved.base;
        } else if (sent[name] === String(saved.value)) {
          base.value = saved.base;
        }
        var slot = form.querySelector('[data-conflict-slot="' + name + '"]');
        if (slot && sent[name] !== undefined) { slot.replaceChildren(); }
      });
      var first = null;
      Object.keys(conflicts).forEach(function (name) {
        var panel = showConflict(name, conflicts[name]);
        first = first || panel;
      });
      if ((result.incoming || []).length) {
        incoming.textContent = result.incoming.join(" ");
        incoming.hidden = false;
      }
      var open = form.querySelectorAll("[data-conflict]").length;
      if (result.outcome === "invalid") {
        say("Not saved: correct what is marked below. Your text is still in the form.", true);
      } else if (result.outcome === "refused") {
        say("Not saved: " + (result.message || "try again.") + "", true);
      } else if (open) {
        say("Saved, except " + open + (open === 1 ? " box" : " boxes") + " also changed by someone else: choose what to keep there.", true);
        if (explicit && first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
      } else {
        say((explicit ? "Draft saved. " : "Saved. ") + (result.saved_by || ""));
        if (!typedSinceSend && !queued) {
          form.dispatchEvent(new CustomEvent("cim:saved", { bubbles: true }));
        }
      }
    }

    form.addEventListener("input", function (event) {
      if (!isAnswer(event.target)) { return; }
      typedSinceSend = true;
      schedule(AUTOSAVE_AFTER_TYPING_MS);
    });
    form.addEventListener("change", function (event) {
      if (!isAnswer(event.target)) { return; }
      typedSinceSend = true;
      schedule(AUTOSAVE_AFTER_CHANGE_MS);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      enqueue(true);
    });
  }

  function watchPresence(box) {
    var url = box.dataset.presenceUrl;
    var form = document.getElementById("answers-form");
    var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    var every = 20000;
    var next = null;

    function beat() {
      clearTimeout(next);
      if (document.visibilityState === "hidden") { return; }
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CIM-Background": "1" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          return type.indexOf("application/json") === -1 ? null : response.json();
        })
        .then(function (result) {
          if (!result) { return; }
          if (box.textContent !== (result.text || "")) { box.textContent = result.text || ""; }
          if (result.heartbeat_seconds) { every = result.heartbeat_seconds * 1000; }
        })
        .catch(function () { /* the next beat tries again */ })
        .finally(function () { next = setTimeout(beat, every); });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { beat(); }
    });
    window.addEventListener("pagehide", function () {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      body.append("leave", "1");
      navigator.sendBeacon(url, body);
    });
    beat();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosave]");
    if (form) { start(form); }
    var box = document.getElementById("presence");
    if (box && box.dataset.presenceUrl) { watchPresence(box); }
  });
})();

// Warns before the idle timeout signs the user out, and lets them stay.
// The server ends a session SESSION_IDLE_SECONDS after its last request; this script
// counts from the last request it knows about (page load, htmx, or "Stay signed in").
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.dataset.sessionIdleSeconds, 10);
  var warningSeconds = parseInt(body.dataset.sessionWarningSeconds, 10);
  var dialog = document.getElementById("session-timeout");
  if (!idleSeconds || !dialog) { return; }
  var countdown = dialog.querySelector("[data-session-countdown]");
  var stayButton = dialog.querySelector("[data-session-stay]");
  var csrfToken = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;
  var lastRequestAt = Date.now();
  var timer;
  var returnFocusTo = null;

  function secondsLeft() {
    return Math.round(idleSeconds - (Date.now() - lastRequestAt) / 1000);
  }

  function describe(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function tick() {
    var left = secondsLeft();
    if (left < 0) {
      // The server has ended the session by now; asking for the page again lets it say
      // why on the login page, and brings the user back here after logging in.
      window.clearInterval(timer);
      window.location.assign(window.location.href);
      return;
    }
    if (left <= warningSeconds) {
      countdown.textContent = describe(left);
      if (!dialog.open) {
        returnFocusTo = document.activeElement;
        dialog.showModal();
        stayButton.focus();
      }
    }
  }

  function stay() {
    fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken },
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 204) {
        lastRequestAt = Date.now();
        dialog.close();
        if (returnFocusTo) { returnFocusTo.focus(); }
      } else {
        window.location.reload();
      }
    });
  }

  stayButton.addEventListener("click", stay);
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); stay(); });
  document.addEventListener("htmx:afterRequest", function () { lastRequestAt = Date.now(); });
  timer = window.setInterval(tick, 1000);
})();

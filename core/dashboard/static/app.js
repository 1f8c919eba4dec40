// cxhub dashboard: live updates by polling the page itself, and
// select-all for dead letters. No dependencies; the pages work without it.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var status = document.getElementById("live-status");

  // A region is left alone while someone works in it: focus inside, a
  // ticked box, or an open payload.
  function busy(el) {
    return el.contains(document.activeElement) && document.activeElement !== document.body ||
      el.querySelector("input:checked, details[open]") !== null;
  }

  function refresh() {
    if (document.hidden || !document.querySelector("[data-live]")) {
      return Promise.resolve();
    }
    return fetch(location.href, { credentials: "same-origin", headers: { "X-Requested-With": "cxhub-poll" } })
      .then(function (resp) {
        if (resp.redirected || resp.status === 401) {
          location.reload(); // signed out: go to the sign-in page
          return null;
        }
        if (!resp.ok) {
          throw new Error("HTTP " + resp.status);
        }
        return resp.text();
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh && !busy(el) && fresh.innerHTML !== el.innerHTML) {
            el.innerHTML = fresh.innerHTML;
          }
        });
        if (status) {
          status.textContent = "Live · updated " + new Date().toLocaleTimeString();
        }
      })
      .catch(function () {
        if (status) {
          status.textContent = "Live updates paused: the server did not answer. Retrying.";
        }
      });
  }

  function loop() {
    refresh().then(function () { setTimeout(loop, POLL_MS); });
  }

  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (box.matches && box.matches("[data-select-all]")) {
      var form = box.closest("form");
      form.querySelectorAll('input[name="id"]:not(:disabled)').forEach(function (b) { b.checked = box.checked; });
    }
  });

  if (status) {
    status.textContent = "Live";
  }
  setTimeout(loop, POLL_MS);
})();

/* Ladenkarte: small enhancements on top of pages that work without JavaScript. */
(function () {
  "use strict";

  // "Use my location": fills the hidden lat/lng fields of a search form from the browser's geolocation.
  function setupLocate(button) {
    var form = button.closest("form");
    if (!form || !("geolocation" in navigator)) return;
    var lat = form.querySelector("input[name=lat]");
    var lng = form.querySelector("input[name=lng]");
    var where = form.querySelector("input[name=wo]");
    var status = form.querySelector("[data-locate-status]");
    button.hidden = false;

    function say(text) { if (status) status.textContent = text; }

    button.addEventListener("click", function () {
      say(button.dataset.msgLocating);
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(5);
          lng.value = position.coords.longitude.toFixed(5);
          if (where) { where.value = ""; where.placeholder = button.dataset.msgHere; }
          button.disabled = false;
          button.setAttribute("aria-pressed", "true");
          say(button.dataset.msgFound);
          if (button.dataset.submit === "true") form.requestSubmit ? form.requestSubmit() : form.submit();
        },
        function () {
          button.disabled = false;
          say(button.dataset.msgFailed);
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });

    if (where) {
      where.addEventListener("input", function () {
        // A typed address wins over an earlier browser location.
        lat.value = "";
        lng.value = "";
        button.setAttribute("aria-pressed", "false");
      });
    }
  }

  // A submit button that must not be pressed twice (reservations): disable it once the form is sent.
  function setupOnce(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("[type=submit]");
      if (button) window.setTimeout(function () { button.disabled = true; }, 0);
    });
  }

  // Forms with data-autosubmit refresh the results when a select or checkbox changes; text fields wait
  // for Enter or the button. With HTMX loaded the submit becomes a partial update of the results.
  function setupAutosubmit(form) {
    form.addEventListener("change", function (event) {
      var el = event.target;
      if (!el || !(el.tagName === "SELECT" || el.type === "checkbox")) return;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  // Search forms leave empty fields out of the URL (shorter links to share): disable them while the
  // browser or HTMX collects the values, then enable them again.
  function setupCleanUrl(form) {
    form.addEventListener("submit", function () {
      var emptied = [];
      form.querySelectorAll("input[name]").forEach(function (input) {
        if ((input.type === "text" || input.type === "search" || input.type === "hidden" || input.type === "number") &&
            input.value === "" && !input.disabled) {
          input.disabled = true;
          emptied.push(input);
        }
      });
      window.setTimeout(function () { emptied.forEach(function (input) { input.disabled = false; }); }, 0);
    }, true);
  }

  function each(root, selector, setup) {
    root.querySelectorAll(selector).forEach(function (el) {
      if (el.dataset.enhanced) return;
      el.dataset.enhanced = "1";
      setup(el);
    });
  }

  function init(root) {
    each(root, "[data-locate]", setupLocate);
    each(root, "form[data-once]", setupOnce);
    each(root, "form[data-autosubmit]", setupAutosubmit);
    each(root, "form[role=search]", setupCleanUrl);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });

  // The same for searches sent through HTMX: drop empty parameters before the request goes out.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var data = event.detail.formData;
    if (!data || !elt || !elt.matches || !elt.matches("form[role=search]")) return;
    var empty = [];
    data.forEach(function (value, name) { if (value === "") empty.push(name); });
    empty.forEach(function (name) { data.delete(name); });
  });

  // After HTMX swapped results: announce the new count; after "more results", move the keyboard focus
  // to the first new result so nobody has to tab through the old ones again.
  document.addEventListener("htmx:afterSettle", function (event) {
    var announcer = document.getElementById("results-announcer");
    var summary = document.querySelector("[data-results-summary]");
    if (announcer && summary) announcer.textContent = summary.textContent.replace(/\s+/g, " ").trim();
    var target = event.detail && event.detail.target;
    if (target && target.id === "result-chunks") {
      var chunks = target.querySelectorAll(".result-chunk");
      var link = chunks.length && chunks[chunks.length - 1].querySelector("a");
      if (link) link.focus();
    }
    init(target || document);
  });
})();

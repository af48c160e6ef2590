// "My shop" page: confirmations and copy-to-clipboard; everything else is HTMX attributes (no inline JS: CSP).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest(".js-confirm");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target.closest(".js-confirm");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // A refused upload (413: larger than the cap) still shows its message in the import report.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 413 && event.detail.target && event.detail.target.id === "import-report") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (!button || !navigator.clipboard) { return; }
    var source = document.getElementById(button.dataset.copyTarget);
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.classList.add("is-done");
    });
  });
})();

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
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (!button || !navigator.clipboard) { return; }
    var source = document.getElementById(button.dataset.copyTarget);
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.classList.add("is-done");
    });
  });
})();

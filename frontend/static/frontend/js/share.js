/* Share buttons: the browser's own share sheet (Web Share API) where there is one, else copy the link.
 *
 * <button data-share data-share-url="..." data-share-title="..." hidden> next to a read-only text field
 * with the link: without JavaScript (or without either API) the field is there to copy from. No
 * third-party script and no button that loads another site.
 */
(function () {
  "use strict";

  function setup(button) {
    var box = button.closest("[data-share-box]") || document;
    var status = box.querySelector("[data-share-status]");
    var field = box.querySelector("input[readonly]");
    var url = button.dataset.shareUrl;
    var canShare = typeof navigator.share === "function";
    var canCopy = !!(navigator.clipboard && navigator.clipboard.writeText);
    if (!canShare && !canCopy) return;
    button.hidden = false;

    function say(text) { if (status) status.textContent = text; }

    function copy() {
      navigator.clipboard.writeText(url).then(
        function () { say(button.dataset.msgCopied); },
        function () {
          say(button.dataset.msgFailed);
          if (field) { field.focus(); field.select(); }
        }
      );
    }

    button.addEventListener("click", function () {
      if (canShare) {
        navigator.share({ title: button.dataset.shareTitle, url: url }).catch(function (err) {
          // AbortError: the person closed the share sheet; anything else: fall back to copying.
          if (err && err.name !== "AbortError" && canCopy) copy();
        });
      } else {
        copy();
      }
    });
  }

  function init(root) {
    root.querySelectorAll("[data-share]").forEach(function (el) {
      if (el.dataset.shareReady) return;
      el.dataset.shareReady = "1";
      setup(el);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
})();

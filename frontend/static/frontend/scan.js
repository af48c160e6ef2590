/* Scan to list (my shop): the camera reads EAN/UPC barcodes with BarcodeDetector (native where the browser
   has it, else the barcode-detector polyfill, whose .wasm we serve ourselves), then asks the server for the
   confirm form. No CDN, no inline script (CSP). */
(function () {
  "use strict";
  var root = document.querySelector(".scan[data-lookup-url]");
  if (!root) return;
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var startButton = document.getElementById("scan-start");
  var result = document.getElementById("scan-result");
  var lastCode = null;
  var paused = false;
  var stream = null;

  if (window.BarcodeDetectionAPI && window.BarcodeDetectionAPI.prepareZXingModule) {
    var wasmUrl = root.getAttribute("data-wasm-url");
    window.BarcodeDetectionAPI.prepareZXingModule({
      overrides: {
        locateFile: function (path, prefix) { return path.endsWith(".wasm") ? wasmUrl : prefix + path; }
      }
    });
  }

  function say(text) { status.textContent = text; }

  function lookup(code) {
    if (paused || code === lastCode) return;
    lastCode = code;
    paused = true;
    say(root.getAttribute("data-found") || "");
    var url = root.getAttribute("data-lookup-url") + "?gtin=" + encodeURIComponent(code);
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#scan-result" });
    } else {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
        .then(function (html) { result.innerHTML = html; });
    }
  }

  function loop(detector) {
    if (!stream) return;
    if (!paused && video.readyState >= 2) {
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          var code = codes[0].rawValue;
          say(code);
          lookup(code);
        }
      }).catch(function () { /* a frame that cannot be read: try the next */ })
        .finally(function () { window.setTimeout(function () { loop(detector); }, 200); });
    } else {
      window.setTimeout(function () { loop(detector); }, 300);
    }
  }

  function start() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      say(status.getAttribute("data-unsupported") || "—");
      return;
    }
    var detector = new window.BarcodeDetector({ formats: ["ean_13", "ean_8", "upc_a", "upc_e"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(function () {
        startButton.hidden = true;
        say(status.getAttribute("data-ready"));
        loop(detector);
      })
      .catch(function () { say(status.getAttribute("data-denied")); startButton.hidden = false; });
  }

  // after "List it" the next scan starts; the listed product goes on top of the list
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target !== result) return;
    var done = result.querySelector("[data-testid=scan-done]");
    if (done) {
      var list = document.getElementById("scan-listed");
      var item = document.createElement("li");
      item.textContent = done.getAttribute("data-line");
      list.insertBefore(item, list.firstChild);
      var count = document.getElementById("scan-count");
      count.textContent = String(list.children.length);
      paused = false;  // the code just listed is not looked up again while it stays in front of the camera
    }
  });
  startButton.addEventListener("click", start);
  start();
})();

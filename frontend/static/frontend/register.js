/* "Register your shop": show the address on a Leaflet map and let the owner drag the pin onto the shop.
 * The pin writes the hidden lat/lng fields; without JavaScript the server geocodes the address itself.
 */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return {};
    try { return JSON.parse(el.textContent) || {}; } catch (e) { return {}; }
  }

  function init() {
    var mapEl = document.getElementById("register-map");
    var button = document.getElementById("register-locate");
    var status = document.getElementById("register-location-status");
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    if (!mapEl || !window.L || !lat || !lng) return;
    var config = readJson("map-config");
    var center = config.center || [53.2489, 10.4077];
    var map = L.map(mapEl, { scrollWheelZoom: false }).setView(center, config.zoom || 14);
    window.ladenkarteBasemap(map, config);
    var marker = null;

    function say(text, isError) {
      status.textContent = "";
      var node = document.createElement(isError ? "strong" : "span");
      if (isError) node.className = "error";
      node.textContent = text;
      status.appendChild(node);
    }

    function place(latlng, zoom) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, autoPan: true, title: mapEl.dataset.pinLabel, keyboard: true });
        marker.addTo(map);
        marker.on("dragend", function () {
          store(marker.getLatLng());
          say(mapEl.dataset.moved, false);
        });
      } else {
        marker.setLatLng(latlng);
      }
      store(latlng);
      map.setView(latlng, zoom || Math.max(map.getZoom(), 17));
    }

    function store(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    }

    if (lat.value && lng.value) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
    }

    // A click on the map sets the pin: the fallback when the address search cannot help.
    map.on("click", function (event) {
      place(event.latlng, map.getZoom());
      say(mapEl.dataset.moved, false);
    });

    function value(id) {
      var el = document.getElementById(id);
      return el ? el.value.trim() : "";
    }

    button.addEventListener("click", function () {
      var params = new URLSearchParams({ street: value("id_street"), postcode: value("id_postcode"), city: value("id_city") });
      button.disabled = true;
      fetch(button.dataset.lookupUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
        })
        .then(function (result) {
          if (result.ok) {
            place(L.latLng(result.body.lat, result.body.lng));
            say(mapEl.dataset.found, false);
            var district = document.getElementById("id_district");
            if (district && !district.value && result.body.district) district.value = result.body.district;
          } else {
            var message = (result.body.error && result.body.error.message) ||
              (result.status === 404 ? mapEl.dataset.notFound : mapEl.dataset.failed);
            say(message, true);
            if (!marker) place(map.getCenter(), map.getZoom());
          }
        })
        .catch(function () {
          say(mapEl.dataset.failed, true);
          if (!marker) place(map.getCenter(), map.getZoom());
        })
        .then(function () { button.disabled = false; });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

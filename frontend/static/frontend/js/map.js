/* Ladenkarte maps: Leaflet + marker clustering, markers read from JSON data blocks in the page.
 *
 * <div class="map" data-map data-markers="CSS selector of JSON blocks" data-here="id-of-json"></div>
 * Marker JSON: [{"id": 3, "lat": 53.2, "lng": 10.4, "title": "...", "subtitle": "...", "url": "/laden/x/"}]
 * Optional "news" (title of the shop's newest post) and "newsLabel": a badge on the pin and in the popup.
 * List items with data-marker-ref="3" are kept in sync with marker 3 (hover, focus, tap).
 * The map is an enhancement: every marker's information is also in the page as a list.
 */
(function () {
  "use strict";

  function readJson(id) {
    var el = id && document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // All marker arrays of the JSON blocks matching `selector` (results loaded with "more" add blocks).
  function readMarkers(selector) {
    var all = [];
    if (!selector) return all;
    document.querySelectorAll(selector).forEach(function (el) {
      try { all = all.concat(JSON.parse(el.textContent) || []); } catch (e) { /* ignore a broken block */ }
    });
    return all;
  }

  function pinIcon(active, news) {
    return L.divIcon({
      className: "map-pin-wrap",
      html: '<div class="map-pin' + (active ? " map-pin--active" : "") + (news ? " map-pin--news" : "") + '"></div>',
      iconSize: [28, 28],
      iconAnchor: [14, 28],
      popupAnchor: [0, -26]
    });
  }

  function popupContent(item) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.title;
    box.appendChild(link);
    if (item.subtitle) {
      var sub = document.createElement("div");
      sub.textContent = item.subtitle;
      box.appendChild(sub);
    }
    if (item.news) {
      var news = document.createElement("div");
      news.className = "map-popup__news";
      var badge = document.createElement("strong");
      badge.textContent = (item.newsLabel || "New") + ": ";
      news.appendChild(badge);
      news.appendChild(document.createTextNode(item.news));
      box.appendChild(news);
    }
    return box;
  }

  // The plugin's own cluster icon, plus the news badge when a shop inside has news (else the badge of a
  // shop with a post would vanish into a cluster at the town zoom).
  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var news = cluster.getAllChildMarkers().some(function (marker) { return marker.news; });
    return L.divIcon({
      html: "<div><span>" + count + "</span></div>",
      className: "marker-cluster marker-cluster-" + size + (news ? " marker-cluster--news" : ""),
      iconSize: L.point(40, 40)
    });
  }

  function LadenMap(el) {
    var config = readJson("map-config") || {};
    this.el = el;
    this.map = L.map(el, { scrollWheelZoom: false, tap: true }).setView(config.center || [53.2489, 10.4077], config.zoom || 14);
    window.ladenkarteBasemap(this.map, config);
    this.cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40, iconCreateFunction: clusterIcon });
    this.map.addLayer(this.cluster);
    this.markers = {};
    this.here = null;
    this.active = null;
    var self = this;
    this.map.on("focus", function () { self.map.scrollWheelZoom.enable(); });
    this.map.on("blur", function () { self.map.scrollWheelZoom.disable(); });
    el.addEventListener("click", function () { self.map.scrollWheelZoom.enable(); });
    this.load();
  }

  LadenMap.prototype.load = function () {
    var self = this;
    var items = readMarkers(this.el.dataset.markers);
    this.cluster.clearLayers();
    this.markers = {};
    this.active = null;
    var bounds = [];
    items.forEach(function (item) {
      var label = item.news ? item.title + " – " + (item.newsLabel || "New") + ": " + item.news : item.title;
      var marker = L.marker([item.lat, item.lng], { icon: pinIcon(false, !!item.news), title: label, alt: label, riseOnHover: true });
      marker.news = !!item.news;
      marker.bindPopup(popupContent(item));
      marker.on("click", function () { self.highlight(item.id, { fromMap: true }); });
      self.cluster.addLayer(marker);
      self.markers[item.id] = marker;
      bounds.push([item.lat, item.lng]);
    });
    var here = readJson(this.el.dataset.here);
    if (this.here) { this.map.removeLayer(this.here); this.here = null; }
    if (here) {
      this.here = L.marker([here.lat, here.lng], {
        icon: L.divIcon({ className: "map-pin-wrap", html: '<div class="map-pin map-pin--here"></div>', iconSize: [20, 20], iconAnchor: [10, 10] }),
        title: here.title, alt: here.title, keyboard: false, interactive: false
      }).addTo(this.map);
      bounds.push([here.lat, here.lng]);
    }
    if (bounds.length > 1) this.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    else if (bounds.length === 1) this.map.setView(bounds[0], 15);
    this.el.dataset.markerCount = String(items.length);
    this.bindList();
  };

  LadenMap.prototype.bindList = function () {
    var self = this;
    document.querySelectorAll("[data-marker-ref]").forEach(function (row) {
      if (row.dataset.mapBound) return;
      row.dataset.mapBound = "1";
      var id = row.dataset.markerRef;
      row.addEventListener("mouseenter", function () { self.highlight(id, {}); });
      row.addEventListener("focusin", function () { self.highlight(id, {}); });
      row.addEventListener("click", function () { self.highlight(id, { reveal: true }); });
    });
  };

  LadenMap.prototype.highlight = function (id, opts) {
    id = String(id);
    if (this.active === id && !opts.fromMap && !opts.reveal) return;
    if (this.active && this.markers[this.active]) this.markers[this.active].setIcon(pinIcon(false, this.markers[this.active].news));
    this.active = id;
    var marker = this.markers[id];
    if (marker) {
      marker.setIcon(pinIcon(true, marker.news));
      marker.setZIndexOffset(1000);
      if (opts.reveal) this.cluster.zoomToShowLayer(marker, function () {});
    }
    var first = null;
    document.querySelectorAll("[data-marker-ref]").forEach(function (row) {
      var on = row.dataset.markerRef === id;
      row.classList.toggle("result--active", on);
      if (on && !first) first = row;
    });
    if (opts.fromMap && first) first.scrollIntoView({ behavior: "smooth", block: "nearest" });
  };

  var maps = [];

  function initMaps(root) {
    if (typeof L === "undefined") return;
    root.querySelectorAll("[data-map]").forEach(function (el) {
      if (el.dataset.mapReady) return;
      el.dataset.mapReady = "1";
      maps.push(new LadenMap(el));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initMaps(document); });

  // New results arrived through HTMX: their marker data block was replaced, reload the markers.
  document.addEventListener("htmx:afterSettle", function () {
    maps.forEach(function (m) {
      if (document.body.contains(m.el)) m.load();
    });
    initMaps(document);
  });
})();

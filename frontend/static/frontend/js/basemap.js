/* The basemap of every map on the site, chosen by the server (map-config): the region's vector basemap
 * from our own PMTiles file (protomaps-leaflet, HTTP range requests, no third party) when pmtilesUrl is
 * set, else raster tiles from tileUrl. One place for the choice: map.js and register.js call it.
 */
(function () {
  "use strict";

  window.ladenkarteBasemap = function (map, config) {
    if (config.pmtilesUrl && window.protomapsL) {
      return protomapsL.leafletLayer({
        url: config.pmtilesUrl, flavor: "light", lang: config.language || "de",
        attribution: config.attribution, maxZoom: 19,
      }).addTo(map);
    }
    return L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  };
})();

#!/usr/bin/env bash
# Copy the front-end libraries we serve ourselves (no CDN: GDPR) from frontend/node_modules
# into frontend/static/vendor/. The list below is the whole contract: templates refer to
#   vendor/leaflet/leaflet.js, vendor/leaflet/leaflet.css (+ vendor/leaflet/images/),
#   vendor/leaflet.markercluster/leaflet.markercluster.js, MarkerCluster.css, MarkerCluster.Default.css,
#   vendor/htmx/htmx.min.js, vendor/protomaps-leaflet/protomaps-leaflet.js (the self-hosted vector basemap),
#   vendor/axe-core/axe.min.js (browser tests only),
#   vendor/barcode-detector/polyfill.js + zxing_reader.wasm (scan to list; the .wasm is served by us, the
#   page points the polyfill at it instead of its default CDN).
# The .js.map files are copied because the JS references them and collectstatic's manifest storage
# fails on a missing reference. Run `npm ci` in frontend/ first (scripts/setup.sh does both).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/frontend/node_modules"
dst="$root/frontend/static/vendor"

# package-dir/relative-source  ->  vendor-subdir
files=(
  "leaflet/dist/leaflet.js leaflet"
  "leaflet/dist/leaflet.js.map leaflet"
  "leaflet/dist/leaflet.css leaflet"
  "leaflet/dist/images leaflet"
  "leaflet/LICENSE leaflet"
  "leaflet.markercluster/dist/leaflet.markercluster.js leaflet.markercluster"
  "leaflet.markercluster/dist/leaflet.markercluster.js.map leaflet.markercluster"
  "leaflet.markercluster/dist/MarkerCluster.css leaflet.markercluster"
  "leaflet.markercluster/dist/MarkerCluster.Default.css leaflet.markercluster"
  "leaflet.markercluster/MIT-LICENCE.txt leaflet.markercluster"
  "htmx.org/dist/htmx.min.js htmx"
  "htmx.org/LICENSE htmx"
  "protomaps-leaflet/dist/protomaps-leaflet.js protomaps-leaflet"
  "protomaps-leaflet/dist/protomaps-leaflet.js.map protomaps-leaflet"
  "protomaps-leaflet/LICENSE protomaps-leaflet"
  "axe-core/axe.min.js axe-core"
  "axe-core/LICENSE axe-core"
  "barcode-detector/dist/iife/polyfill.js barcode-detector"
  "barcode-detector/LICENSE barcode-detector"
  "zxing-wasm/dist/reader/zxing_reader.wasm barcode-detector"
  "zxing-wasm/LICENSE barcode-detector/zxing-wasm"
)

if [[ ! -d "$src" ]]; then
  echo "vendor_assets: $src missing; run 'npm ci' in frontend/ first" >&2
  exit 1
fi

rm -rf "$dst"
for entry in "${files[@]}"; do
  read -r from to <<<"$entry"
  if [[ ! -e "$src/$from" ]]; then
    echo "vendor_assets: $src/$from not found (package version changed?)" >&2
    exit 1
  fi
  mkdir -p "$dst/$to"
  cp -R "$src/$from" "$dst/$to/"
done
echo "vendor_assets: ${#files[@]} entries copied to frontend/static/vendor/"

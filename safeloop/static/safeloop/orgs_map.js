/* SafeLoop organisation maps (Leaflet). Data is WGS-84 lon/lat as phones give it; when the
 * configured tile source uses GCJ-02 (AMap/Gaode, Tencent) the drawing is shifted to match it.
 * No tile source configured: the grids are drawn on a blank map, which needs no network.
 *
 *   data-orgs-map="grids"    the grid map: draws data-geojson-url, shows a clicked grid in #data-info
 *   data-orgs-map="feature"  one GeoJSON feature from the json_script named by data-map-source
 *   data-orgs-map="point"    an enterprise: {"point": [lon, lat], "grid": geometry|null, "label"}
 *   data-orgs-map="picker"   a location input: click sets the lon/lat inputs, typing moves the marker
 * and the Alpine component orgsGeolocate fills lon/lat from navigator.geolocation.
 */
(function () {
  "use strict";

  var YINGTAN = [28.24, 117.07]; // lat, lon: where an empty map looks

  // ---- WGS-84 → GCJ-02 (the published "Mars coordinates" formula) -------------------------------
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }
  function toGcj(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var dLat = tLat(lon - 105.0, lat - 35.0), dLon = tLon(lon - 105.0, lat - 35.0);
    var rad = lat / 180.0 * Math.PI, magic = Math.sin(rad);
    magic = 1 - EE * magic * magic;
    var sq = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    dLon = (dLon * 180.0) / (A / sq * Math.cos(rad) * Math.PI);
    return [lon + dLon, lat + dLat];
  }
  function fromGcj(lon, lat) { // one fixed-point step is within a metre or so
    var g = toGcj(lon, lat);
    return [lon - (g[0] - lon), lat - (g[1] - lat)];
  }
  function isGcjSource(url) { return /autonavi|amap|gaode|map\.qq\.com|gtimg/i.test(url || ""); }

  // ---- a map on an element ----------------------------------------------------------------------
  function makeMap(el) {
    var tileUrl = el.dataset.tileUrl || "";
    var gcj = el.dataset.gcj02 ? el.dataset.gcj02 === "true" : isGcjSource(tileUrl);
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!tileUrl });
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, subdomains: el.dataset.tileSubdomains || "abc" }).addTo(map);
    }
    return {
      map: map,
      toLatLng: function (lon, lat) {
        var p = gcj ? toGcj(lon, lat) : [lon, lat];
        return L.latLng(p[1], p[0]);
      },
      fromLatLng: function (latlng) { return gcj ? fromGcj(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat]; },
    };
  }

  function geoLayer(ctx, data, options) {
    options = options || {};
    options.coordsToLatLng = function (c) { return ctx.toLatLng(c[0], c[1]); };
    return L.geoJSON(data, options);
  }

  function labels() {
    var node = document.getElementById("orgs-map-labels");
    return node ? JSON.parse(node.textContent) : {};
  }

  function source(el) {
    var node = document.getElementById(el.dataset.mapSource);
    return node ? JSON.parse(node.textContent) : null;
  }

  function gridStyle(feature) {
    var dedicated = feature && feature.properties && feature.properties.grid_type === "dedicated";
    return { color: dedicated ? "#d63939" : "#206bc4", weight: 2, fillOpacity: 0.12 };
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // The details of a grid, built as DOM nodes (names are data, never HTML).
  function gridCard(p, words) {
    var box = node("div", "card-body");
    box.appendChild(node("h3", "card-title mb-2", p.name));
    var dl = node("dl", "row mb-0 small");
    [[words.code, p.code], [words.village, p.village], [words.type, p.grid_type_label],
     [words.workers, p.workers && p.workers.length ? p.workers.join("、") : words.none]].forEach(function (pair) {
      dl.appendChild(node("dt", "col-5", pair[0]));
      dl.appendChild(node("dd", "col-7", pair[1]));
    });
    box.appendChild(dl);
    if (p.url) {
      var a = node("a", "btn btn-sm btn-outline-primary mt-2", words.open);
      a.href = p.url;
      box.appendChild(a);
    }
    return box;
  }

  function gridsMap(el) {
    var ctx = makeMap(el), words = labels();
    var info = document.getElementById(el.dataset.info);
    var selected = null;
    ctx.map.setView(YINGTAN, 10);
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var layer = geoLayer(ctx, data, {
          style: gridStyle,
          onEachFeature: function (feature, l) {
            l.on("click", function () {
              if (selected) selected.setStyle(gridStyle(selected.feature));
              selected = l;
              l.setStyle({ weight: 4, fillOpacity: 0.3 });
              l.bindPopup(gridCard(feature.properties, words), { maxWidth: 260 }).openPopup();
              if (info) info.replaceChildren(gridCard(feature.properties, words));
            });
            l.bindTooltip(feature.properties.name, { sticky: true });
          },
        }).addTo(ctx.map);
        el.dataset.features = String(data.features.length);
        if (data.features.length) ctx.map.fitBounds(layer.getBounds(), { padding: [12, 12] });
        else if (info) info.replaceChildren(node("div", "card-body text-secondary", words.empty));
      })
      .catch(function () {
        el.dataset.features = "error";
        if (info) info.replaceChildren(node("div", "card-body text-danger", words.failed));
      });
  }

  function featureMap(el) {
    var ctx = makeMap(el), feature = source(el);
    if (!feature) return;
    var layer = geoLayer(ctx, feature, { style: gridStyle }).addTo(ctx.map);
    ctx.map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  }

  function pointMap(el) {
    var ctx = makeMap(el), data = source(el);
    if (!data) return;
    var where = ctx.toLatLng(data.point[0], data.point[1]);
    var marker = L.circleMarker(where, { radius: 8, color: "#d63939", fillOpacity: 0.8 }).addTo(ctx.map);
    marker.bindTooltip(data.label || "");
    if (data.grid) {
      var layer = geoLayer(ctx, data.grid, { style: gridStyle }).addTo(ctx.map);
      ctx.map.fitBounds(layer.getBounds().extend(where), { padding: [12, 12] });
    } else {
      ctx.map.setView(where, 15);
    }
  }

  function pickerMap(el) {
    var ctx = makeMap(el);
    var lonInput = document.getElementById(el.dataset.lonInput);
    var latInput = document.getElementById(el.dataset.latInput);
    if (!lonInput || !latInput) return;
    var marker = null;
    function place(recentre) {
      var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
      if (!isFinite(lon) || !isFinite(lat)) return;
      var where = ctx.toLatLng(lon, lat);
      if (marker) marker.setLatLng(where);
      else marker = L.marker(where, { keyboard: false }).addTo(ctx.map);
      if (recentre) ctx.map.setView(where, Math.max(ctx.map.getZoom() || 0, 15));
    }
    ctx.map.setView(YINGTAN, 11);
    place(true);
    ctx.map.on("click", function (e) {
      var p = ctx.fromLatLng(e.latlng);
      lonInput.value = p[0].toFixed(6);
      latInput.value = p[1].toFixed(6);
      place(false);
    });
    [lonInput, latInput].forEach(function (input) {
      input.addEventListener("change", function () { place(true); });
    });
  }

  var KINDS = { grids: gridsMap, feature: featureMap, point: pointMap, picker: pickerMap };
  // Other pages (the hazard map) draw on a map set up the same way (tiles, GCJ-02, offline).
  window.SafeLoopMap = { make: makeMap, geoLayer: geoLayer, center: YINGTAN };

  function start() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-orgs-map]").forEach(function (el) {
      var kind = KINDS[el.dataset.orgsMap];
      if (kind && !el.dataset.orgsMapReady) {
        el.dataset.orgsMapReady = "true";
        kind(el);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // ---- "Use my location (GPS)" ------------------------------------------------------------------
  function geolocate(el) {
    return {
      busy: false,
      failed: false,
      message: "",
      locate: function () {
        var self = this, d = el.dataset;
        if (!("geolocation" in navigator) || !window.isSecureContext) {
          self.failed = true;
          self.message = d.msgUnsupported;
          return;
        }
        self.busy = true;
        self.failed = false;
        self.message = d.msgBusy;
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            var lon = document.getElementById(d.lonInput), lat = document.getElementById(d.latInput);
            lon.value = pos.coords.longitude.toFixed(6);
            lat.value = pos.coords.latitude.toFixed(6);
            lat.dispatchEvent(new Event("change", { bubbles: true }));
            self.busy = false;
            self.message = d.msgDone.replace("{metres}", String(Math.round(pos.coords.accuracy)));
          },
          function (err) {
            self.busy = false;
            self.failed = true;
            self.message = d.msgFailed.replace("{reason}", err.message || String(err.code));
          },
          { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
        );
      },
    };
  }
  window.orgsGeolocate = geolocate;
  document.addEventListener("alpine:init", function () { window.Alpine.data("orgsGeolocate", geolocate); });
})();

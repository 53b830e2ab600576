/* The 四色图 (four-colour risk map): the filtered risk points from data-geojson-url (WGS-84) as circle
 * markers (bigger for major risks) or filled areas, coloured by their current level, on a map set up
 * by orgs_map.js (same tile source, GCJ-02 shift, blank map offline). Near enough, the grids under
 * them are tinted by their highest level. Colours and words come from the json_scripts
 * "risks-map-style" and "risks-map-labels" (the colours are configuration, never written here); names
 * are data, put in with textContent, never as HTML.
 *
 * When the features are drawn the element gets data-features="<n>" (or "error"); the Leaflet map and
 * the coordinate conversion hang on the element as `safeloopMap` and `safeloopToLatLng`. */
(function () {
  "use strict";

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : {};
  }

  function colourOf(style, level) {
    return (style.levels && style.levels[level]) || style.unassessed;
  }

  function popup(p, words, style) {
    var box = node("div");
    box.appendChild(node("div", "fw-bold", p.code));
    box.appendChild(node("div", "mb-1", p.name));
    var level = node("span", "badge", (words.levels && words.levels[p.level]) || words.unassessed);
    level.style.background = colourOf(style, p.level);
    if (style.ink && style.ink[p.level]) level.style.color = style.ink[p.level];
    box.appendChild(level);
    var link = node("a", "d-block mt-1", words.open);
    link.href = p.url;
    box.appendChild(link);
    return box;
  }

  function isPoint(feature) {
    return feature && feature.geometry && feature.geometry.type === "Point";
  }

  function start() {
    var el = document.getElementById("risk-map");
    if (!el || typeof L === "undefined" || !window.SafeLoopMap || el.dataset.ready) return;
    el.dataset.ready = "true";
    var ctx = window.SafeLoopMap.make(el), words = json("risks-map-labels"), style = json("risks-map-style");
    var info = document.getElementById(el.dataset.info);
    el.safeloopMap = ctx.map;
    el.safeloopToLatLng = ctx.toLatLng;
    ctx.map.setView(window.SafeLoopMap.center, 10);

    function featureStyle(feature) {
      var p = feature.properties, colour = colourOf(style, p.level);
      if (isPoint(feature)) {
        return { color: style.outline, weight: 2, fillColor: colour, fillOpacity: 1, opacity: 1 };
      }
      return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35 };
    }

    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var bounds = null;
        if (data.grids && data.grids.features.length) {
          // The grid tint lies in its own pane under the points, so a marker keeps its exact colour.
          if (!ctx.map.getPane("riskGrids")) ctx.map.createPane("riskGrids").style.zIndex = 350;
          var grids = window.SafeLoopMap.geoLayer(ctx, data.grids, {
            pane: "riskGrids",
            style: function (f) {
              var colour = colourOf(style, f.properties.level);
              return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.12, dashArray: "4 3" };
            },
            onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); },
          }).addTo(ctx.map);
          bounds = grids.getBounds();
        }
        // Drawn last is drawn on top: areas before points, and the data (highest level first) reversed.
        var features = data.features.slice().reverse().sort(function (a, b) {
          return (isPoint(a) ? 1 : 0) - (isPoint(b) ? 1 : 0);
        });
        var layer = window.SafeLoopMap.geoLayer(ctx, { type: "FeatureCollection", features: features }, {
          style: featureStyle,
          pointToLayer: function (feature, latlng) {
            var options = featureStyle(feature);
            options.radius = feature.properties.level === "major" ? 10 : 7;
            return L.circleMarker(latlng, options);
          },
          onEachFeature: function (feature, l) {
            l.bindPopup(function () { return popup(feature.properties, words, style); }, { maxWidth: 260 });
            l.bindTooltip(feature.properties.name);
          },
        }).addTo(ctx.map);
        if (data.features.length) bounds = layer.getBounds();
        if (bounds && bounds.isValid()) ctx.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
        el.dataset.features = String(data.features.length);
        if (info) {
          if (!data.features.length) info.textContent = words.empty;
          else if (data.truncated) info.textContent = words.limited;
        }
      })
      .catch(function () {
        el.dataset.features = "error";
        if (info) info.textContent = words.failed;
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

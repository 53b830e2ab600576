/* The hazard map: the filtered hazards as coloured points from data-geojson-url (WGS-84), drawn on a
 * map set up by orgs_map.js (same tile source, GCJ-02 shift, blank map offline). Texts come from the
 * json_script "hazards-map-labels"; names are data, put in with textContent, never as HTML. */
(function () {
  "use strict";

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function labels() {
    var el = document.getElementById("hazards-map-labels");
    return el ? JSON.parse(el.textContent) : {};
  }

  function popup(p, words) {
    var box = node("div");
    var code = node("div", "fw-bold", p.code);
    box.appendChild(code);
    box.appendChild(node("div", "mb-1", p.title));
    var status = node("span", "badge text-white me-1", p.status_label);
    status.style.background = p.colour;
    box.appendChild(status);
    if (p.overdue) box.appendChild(node("span", "badge bg-red text-white", words.overdue));
    var link = node("a", "d-block mt-1", words.open);
    link.href = p.url;
    box.appendChild(link);
    return box;
  }

  function start() {
    var el = document.getElementById("hazard-map");
    if (!el || typeof L === "undefined" || !window.SafeLoopMap || el.dataset.ready) return;
    el.dataset.ready = "true";
    var ctx = window.SafeLoopMap.make(el), words = labels();
    var info = document.getElementById(el.dataset.info);
    ctx.map.setView(window.SafeLoopMap.center, 10);
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var layer = window.SafeLoopMap.geoLayer(ctx, data, {
          pointToLayer: function (feature, latlng) {
            var p = feature.properties;
            return L.circleMarker(latlng, {
              radius: p.level === "major" ? 9 : 6, color: p.overdue ? "#d63939" : "#ffffff", weight: p.overdue ? 3 : 1,
              fillColor: p.colour, fillOpacity: 0.9,
            });
          },
          onEachFeature: function (feature, l) {
            l.bindPopup(function () { return popup(feature.properties, words); }, { maxWidth: 260 });
          },
        }).addTo(ctx.map);
        el.dataset.features = String(data.features.length);
        if (data.features.length) ctx.map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 16 });
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

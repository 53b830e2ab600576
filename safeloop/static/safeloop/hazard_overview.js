/* The hazard overview's by-sector chart (ECharts): open / closed / invalid-or-duplicate per sector,
 * stacked horizontal bars so long sector names fit on a phone. Data and translated labels come from
 * the json_script "hazard-overview-chart"; a click opens the hazard list for that sector. The same
 * figures are in the table under the chart, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  var holder = document.getElementById("hazard-sector-chart");
  var source = document.getElementById("hazard-overview-chart");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder, null, { renderer: "svg" });
  // Bottom-up in ECharts' category axis: reverse so the first sector is at the top, as in the table.
  var rev = function (a) { return a.slice().reverse(); };
  var codes = rev(data.codes);
  var bar = function (name, values, color, state) {
    return { name: name, type: "bar", stack: "all", data: rev(values), itemStyle: { color: color }, state: state,
             emphasis: { focus: "series" } };
  };
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: rev(data.sectors) },
    series: [
      bar(data.labels.open, data.open, "#f59f00", "open"),
      bar(data.labels.closed, data.closed, "#2fb344", "closed"),
      bar(data.labels.other, data.other, "#adb5bd", "other")
    ]
  });
  chart.on("click", function (params) {
    var code = codes[params.dataIndex];
    var state = params.seriesIndex === 0 ? "&open=true" : params.seriesIndex === 1 ? "&status=closed" : "";
    var base = data.list_url;
    window.location.href = base + (base.indexOf("?") < 0 ? "?" : "&") + "sector=" + encodeURIComponent(code) + state;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

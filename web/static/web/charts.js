/* The account pages' charts: data from the page's JSON block (#chart-data), drawn by
   Chart.js (vendored with the console). Every chart has a table with the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#3b6ea5", "#2e8b57", "#e0a030", "#c0504d", "#7a4fa0"];
  var limitColours = ["#8b0000", "#8b5a00"];
  Chart.defaults.animation = false;

  function limitLine(limit, count, n) {
    var points = [];
    for (var i = 0; i < count; i++) { points.push(limit.value); }
    // One campaign alone gives a line of one point: drawn as a dash across its bar.
    return { type: "line", label: limit.label, data: points, borderColor: limitColours[n % 2],
             borderDash: [6, 4], pointStyle: "line", pointRadius: count === 1 ? 40 : 0,
             pointBorderWidth: 2, fill: false };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = data[canvas.getAttribute("data-chart")];
    if (!chart) { return; }
    var kind = canvas.getAttribute("data-type") || "bar";
    var percent = Boolean(chart.percent);
    var datasets = chart.series.map(function (series, n) {
      var colour = colours[n % colours.length];
      return { label: series.label, data: series.data, backgroundColor: colour,
               borderColor: colour, pointRadius: 0, fill: false };
    });
    (chart.limits || []).forEach(function (limit, n) {
      datasets.push(limitLine(limit, chart.labels.length, n));
    });
    var ticks = percent ? { callback: function (v) { return (v * 100).toFixed(1) + "%"; } } : {};
    var horizontal = canvas.getAttribute("data-horizontal") === "1";
    new Chart(canvas, {
      type: kind,
      data: { labels: chart.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1 } },
        scales: horizontal ? { x: { beginAtZero: true } } : { y: { beginAtZero: true, ticks: ticks } }
      }
    });
  });
  document.body.setAttribute("data-charts", "drawn");
})();

/* The operator dashboard's charts: data from the page's JSON block, drawn by Chart.js. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  Chart.defaults.animation = false;

  var hourly = document.getElementById("chart-per-hour");
  if (hourly) {
    new Chart(hourly, {
      type: "bar",
      data: {
        labels: data.hours,
        datasets: [{ label: hourly.getAttribute("aria-label"), data: data.per_hour, backgroundColor: "#3b6ea5" }]
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
    });
  }

  function line(label, value, count, colour) {
    var points = [];
    for (var i = 0; i < count; i++) { points.push(value); }
    return { type: "line", label: label, data: points, borderColor: colour, borderDash: [6, 4],
             pointRadius: 0, fill: false };
  }

  document.querySelectorAll("canvas.rates-chart").forEach(function (canvas) {
    var period = data.periods[canvas.getAttribute("data-period")];
    if (!period) { return; }
    var rows = period.providers;
    var count = rows.labels.length;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.labels,
        datasets: [
          { label: canvas.dataset.bounces, data: rows.bounce, backgroundColor: "#c0504d" },
          { label: canvas.dataset.complaints, data: rows.complaint, backgroundColor: "#e0a030" },
          line(canvas.dataset.bounceLimit, data.limits.bounce, count, "#8b0000"),
          line(canvas.dataset.complaintLimit, data.limits.complaint, count, "#8b5a00")
        ]
      },
      options: { scales: { y: { beginAtZero: true } } }
    });
  });
  document.body.setAttribute("data-charts", "drawn");
})();

// The KPI drill-down and the street/district comparison: bar charts drawn by ECharts (vendored)
// from the JSON the page embeds with json_script (#kpis-data), and tables sorted by clicking a
// column title. No inline script: the Content Security Policy forbids it.
(function () {
  "use strict";

  const PALETTE = ["#c0392b", "#2e86c1", "#d68910", "#239b56"];

  function option(chart) {
    const percent = !!chart.percent;
    const many = chart.categories.length > 6;
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontSize: 14 },
      title: { text: chart.title, left: 0, top: 0, textStyle: { fontSize: 16 } },
      legend: { show: chart.series.length > 1, top: 26, type: "scroll" },
      grid: { left: 8, right: 8, top: chart.series.length > 1 ? 64 : 40, bottom: 8,
              containLabel: true },
      tooltip: { trigger: "axis",
                 valueFormatter: function (v) { return v === null || v === undefined ? "—" : (percent ? v + "%" : v); } },
      xAxis: { type: "category", data: chart.categories,
               axisLabel: { interval: 0, rotate: many ? 40 : 0, hideOverlap: true } },
      yAxis: { type: "value", max: percent ? 100 : null, minInterval: percent ? 0 : 1,
               axisLabel: { formatter: percent ? "{value}%" : "{value}" } },
      series: chart.series.map(function (s) {
        return { name: s.name, type: chart.kind === "line" ? "line" : "bar", data: s.data };
      }),
    };
  }

  function drawCharts() {
    const script = document.getElementById("kpis-data");
    if (!script || !window.echarts) {
      return;
    }
    const data = JSON.parse(script.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      const chart = data.charts[el.dataset.chart];
      if (!chart) {
        return;
      }
      const old = window.echarts.getInstanceByDom(el);
      if (old) {
        old.dispose();
      }
      window.echarts.init(el, null, { renderer: "canvas" }).setOption(option(chart));
      el.dataset.drawn = "true";
    });
  }

  function cellValue(row, index, numeric) {
    const cell = row.children[index];
    const raw = cell ? (cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent) : "";
    if (numeric) {
      const n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.trim();
  }

  function sortBy(button) {
    const th = button.closest("th");
    const table = th.closest("table");
    const body = table.tBodies[0];
    const index = Array.prototype.indexOf.call(th.parentNode.children, th);
    const numeric = button.dataset.sort === "num";
    // First click: numbers high to low, names A to Z; the next click turns it round.
    const wasDescending = th.getAttribute("aria-sort") === "descending";
    const wasAscending = th.getAttribute("aria-sort") === "ascending";
    const ascending = numeric ? wasDescending : !wasAscending;
    table.querySelectorAll("th[aria-sort]").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a, index, numeric);
      const y = cellValue(b, index, numeric);
      let c;
      if (numeric) {
        c = x - y;
      } else {
        c = x.localeCompare(y, document.documentElement.lang || undefined);
      }
      return ascending ? c : -c;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("table[data-sortable] th button[data-sort]");
    if (button) {
      sortBy(button);
    }
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      const chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
  drawCharts();
})();

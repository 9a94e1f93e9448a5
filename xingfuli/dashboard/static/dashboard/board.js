// The 七个一 board's charts: drawn by ECharts (vendored) from the JSON that the page embeds
// with json_script (#board-data). No inline script: the Content Security Policy forbids it.
// The large screen swaps the board every 60 s with htmx; the charts are drawn again after.
(function () {
  "use strict";

  const PALETTE = ["#c0392b", "#2e86c1", "#d68910", "#239b56"];

  function option(chart, months, dark) {
    const text = dark ? "#e8e8e8" : "#333";
    return {
      color: PALETTE,
      backgroundColor: "transparent",
      animation: false,
      textStyle: { color: text, fontSize: dark ? 18 : 14 },
      legend: { show: chart.series.length > 1, top: 0, textStyle: { color: text } },
      grid: { left: 8, right: 8, top: chart.series.length > 1 ? 32 : 12, bottom: 8,
              containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: months, axisLabel: { color: text } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: text },
               splitLine: { lineStyle: { color: dark ? "#444" : "#ddd" } } },
      series: chart.series.map(function (s, i) {
        return { name: s.name, type: i === 0 ? "bar" : "line", data: s.data,
                 label: { show: dark, position: "top", color: text } };
      }),
    };
  }

  function draw(root) {
    const board = root.querySelector ? (root.id === "board" ? root : root.querySelector("#board")) : null;
    const script = board && board.querySelector("#board-data");
    if (!board || !script || !window.echarts) {
      return;
    }
    const data = JSON.parse(script.textContent);
    const dark = board.classList.contains("board-screen");
    board.querySelectorAll("[data-chart]").forEach(function (el) {
      const chart = data.charts[el.dataset.chart];
      if (!chart) {
        return;
      }
      const old = window.echarts.getInstanceByDom(el);
      if (old) {
        old.dispose();
      }
      window.echarts.init(el, null, { renderer: "canvas" }).setOption(option(chart, data.months, dark));
      el.dataset.drawn = "true";
    });
  }

  function resizeAll() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      const chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  }

  // Before htmx replaces the board, free the charts it holds.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.echarts || !event.target || event.target.id !== "board") {
      return;
    }
    event.target.querySelectorAll("[data-chart]").forEach(function (el) {
      const chart = window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.dispose();
      }
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    draw(document);
  });
  window.addEventListener("resize", resizeAll);
  draw(document);
})();

// Stacked bar charts on Chart.js (the UMD build at /vendor/chartjs/dist/chart.umd.js, global `Chart`).

import { formatCompact, formatInt } from './format.js';

const COLORS = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#dc2626', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

export const chartsAvailable = () => typeof window.Chart === 'function';

const AXIS_FORMAT = {
  tokens: (v) => formatCompact(v),
  cost: (v) => `$${Number(v).toLocaleString('en-US', { maximumSignificantDigits: 3 })}`,
};
const TOOLTIP_FORMAT = {
  tokens: (v) => `${formatInt(Math.round(v))} tokens`,
  cost: (v) => `$${Number(v).toLocaleString('en-US', { maximumSignificantDigits: 4 })}`,
};

/** A stacked bar chart on the canvas; metric 'tokens' or 'cost' picks the axis and tooltip format. */
export function createStackedChart(canvas, metric) {
  if (!chartsAvailable()) return null;
  return new window.Chart(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: AXIS_FORMAT[metric] } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: {
          filter: (item) => item.parsed.y !== 0,
          callbacks: { label: (item) => `${item.dataset.label}: ${TOOLTIP_FORMAT[metric](item.parsed.y)}` },
        },
      },
    },
  });
}

/** series: [{ label, values: [numbers] }] aligned with labels. */
export function updateStackedChart(chart, labels, series) {
  if (!chart) return;
  chart.data.labels = labels;
  chart.data.datasets = series.map((s, i) => ({
    label: s.label,
    data: s.values,
    backgroundColor: COLORS[i % COLORS.length],
    borderWidth: 0,
    stack: 'all',
  }));
  chart.update('none');
}

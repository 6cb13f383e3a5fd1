// Trends: tokens and cost per hour (last 48 h) or per day (last 30 days), split by provider or model.

import { aggregator, query } from './api.js';
import { chartsAvailable, createStackedChart, updateStackedChart } from './charts.js';
import { $, note } from './dom.js';
import { dateInZone, formatDay, formatHour, minusDays } from './format.js';

const HOUR_MS = 3_600_000;
const HOURS = 48;
const DAYS = 30;

const state = { range: 'hour', split: 'provider' };
let tokensChart = null;
let costChart = null;

/** Wires the toggles (buttons with data-range / data-split) and creates the charts. */
export function initTrends(onChange) {
  for (const button of document.querySelectorAll('#trend-controls button')) {
    button.addEventListener('click', () => {
      if (button.dataset.range) state.range = button.dataset.range;
      if (button.dataset.split) state.split = button.dataset.split;
      syncToggles();
      onChange();
    });
  }
  syncToggles();
  if (chartsAvailable()) {
    tokensChart = createStackedChart($('chart-tokens'), 'tokens');
    costChart = createStackedChart($('chart-cost'), 'cost');
  } else {
    $('trend-message').replaceChildren(note('Charts unavailable — /vendor/chartjs/dist/chart.umd.js did not load.', 'error'));
  }
}

function syncToggles() {
  for (const button of document.querySelectorAll('#trend-controls button')) {
    const on = button.dataset.range ? button.dataset.range === state.range : button.dataset.split === state.split;
    button.setAttribute('aria-pressed', String(on));
  }
  $('trends').dataset.range = state.range;
  $('trends').dataset.split = state.split;
}

/** The x axis: window start (ms) → slot index, and the labels. */
function hourAxis(series, zone) {
  const now = Date.now();
  const anyStart = series.flatMap((s) => s.windows).map((w) => Date.parse(w.start))[0];
  // Hours of the zone may start at :30 UTC (Asia/Kolkata): align the slots on a real window start.
  const phase = anyStart !== undefined ? ((anyStart % HOUR_MS) + HOUR_MS) % HOUR_MS : 0;
  const last = Math.floor((now - phase) / HOUR_MS) * HOUR_MS + phase;
  const first = last - (HOURS - 1) * HOUR_MS;
  const starts = Array.from({ length: HOURS }, (_, i) => first + i * HOUR_MS);
  return {
    labels: starts.map((ms) => formatHour(ms, zone)),
    slot: (w) => Math.round((Date.parse(w.start) - first) / HOUR_MS),
  };
}

function dayAxis(zone) {
  const today = dateInZone(Date.now(), zone);
  const dates = Array.from({ length: DAYS }, (_, i) => minusDays(today, DAYS - 1 - i));
  const index = new Map(dates.map((d, i) => [d, i]));
  return {
    labels: dates.map((d) => formatDay(`${d}T12:00:00Z`, 'UTC')),
    slot: (w) => index.get(dateInZone(w.start, zone)) ?? -1,
  };
}

function fromParam(zone) {
  if (state.range === 'hour') {
    return new Date(Date.now() - HOURS * HOUR_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return minusDays(dateInZone(Date.now(), zone), DAYS - 1);
}

/** zone: the aggregator's calendar zone (from the overview). */
export async function refreshTrends(zone) {
  const top = await aggregator(`/v1/top?${query({ dimension: state.split, period: 'month', limit: 10 })}`);
  const keys = (top.entries ?? []).map((e) => e.key);
  const from = fromParam(zone);
  const answers = await Promise.all(keys.map((key) =>
    aggregator(`/v1/usage?${query({ dimension: state.split, key, period: state.range, from })}`)));
  const series = keys.map((key, i) => ({ key, windows: answers[i].windows ?? [] }));

  const axis = state.range === 'hour' ? hourAxis(series, zone) : dayAxis(zone);
  const tokens = [];
  const cost = [];
  for (const s of series) {
    const t = new Array(axis.labels.length).fill(0);
    const c = new Array(axis.labels.length).fill(0);
    for (const w of s.windows) {
      const i = axis.slot(w);
      if (i < 0 || i >= t.length) continue;
      t[i] += Number(w.totalTokens);
      c[i] += Number(w.costUsd); // chart heights only; displayed totals come from the server
    }
    tokens.push({ label: s.key, values: t });
    cost.push({ label: s.key, values: c });
  }
  updateStackedChart(tokensChart, axis.labels, tokens);
  updateStackedChart(costChart, axis.labels, cost);

  const message = $('trend-message');
  if (!chartsAvailable()) return;
  const hasData = series.some((s) => s.windows.length);
  message.replaceChildren(hasData ? '' : note(
    `No usage in the last ${state.range === 'hour' ? '48 hours' : '30 days'} yet — post an event (see README) or start the demo.`));
}

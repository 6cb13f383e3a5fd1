// Overview cards: today's and this month's totals, and the month's forecast.
// Each value element carries the API's raw value in data-value; its text is formatted.

import { aggregator } from './api.js';
import { $ } from './dom.js';
import { formatInt, formatPercent, formatUsd } from './format.js';

const ZERO_WINDOW = { requests: 0, failedRequests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: '0.000000000' };

function setValue(id, raw, text) {
  const node = $(id);
  if (!node) return;
  node.dataset.value = raw === null || raw === undefined ? '' : String(raw);
  node.textContent = text;
}

function setText(id, text) {
  const node = $(id);
  if (node) node.textContent = text;
}

/** The current window of a usage answer (at most one without from/to), or zeros. */
function current(usage) {
  const windows = usage.windows ?? [];
  return windows.length ? windows[windows.length - 1] : ZERO_WINDOW;
}

/** The error rate as the server computed it, or failed ÷ requests when efficiency gave none. */
function errorRate(efficiency, window) {
  if (efficiency && efficiency.errorRate !== undefined) return efficiency.errorRate;
  return window.requests ? window.failedRequests / window.requests : null;
}

function renderPeriod(prefix, usage, efficiency) {
  const w = current(usage);
  setValue(`${prefix}-tokens`, w.totalTokens, formatInt(w.totalTokens));
  setText(`${prefix}-tokens-detail`, `${formatInt(w.inputTokens)} in · ${formatInt(w.outputTokens)} out`);
  setValue(`${prefix}-cost`, w.costUsd, formatUsd(w.costUsd));
  setText(`${prefix}-cost-detail`, w.unpricedRequests ? `${formatInt(w.unpricedRequests)} requests unpriced` : 'all requests priced');
  setValue(`${prefix}-requests`, w.requests, formatInt(w.requests));
  setText(`${prefix}-requests-detail`, `${formatInt(w.failedRequests)} failed`);
  const rate = errorRate(efficiency, w);
  setValue(`${prefix}-error-rate`, rate, formatPercent(rate, 2));
}

function renderForecast(forecast) {
  setValue('month-forecast-tokens', forecast.forecastTokens, formatInt(forecast.forecastTokens));
  setValue('month-forecast-cost', forecast.forecastCostUsd, formatUsd(forecast.forecastCostUsd));
  setValue('month-forecast-confidence', forecast.confidence, formatPercent(forecast.confidence, 0));
}

/** Returns { zone, empty }: the aggregator's calendar zone and whether nothing was counted this month. */
export async function refreshOverview() {
  const [today, month, forecast, todayEfficiency, monthEfficiency] = await Promise.all([
    aggregator('/v1/usage?dimension=all&period=day'),
    aggregator('/v1/usage?dimension=all&period=month'),
    aggregator('/v1/forecast?dimension=all&period=month'),
    aggregator('/v1/efficiency?dimension=all&period=day'),
    aggregator('/v1/efficiency?dimension=all&period=month'),
  ]);
  renderPeriod('today', today, todayEfficiency);
  renderPeriod('month', month, monthEfficiency);
  renderForecast(forecast);
  const empty = !(today.windows ?? []).length && !(month.windows ?? []).length;
  return { zone: today.zone || 'UTC', empty };
}

// Drill-down for one user: this month's models, the last 30 days, this month's efficiency and the user's quota standings.

import { aggregator, alerting, messageFor, query } from './api.js';
import { $, el, note } from './dom.js';
import { dateInZone, formatDay, formatInt, formatPercent, formatUsd, minusDays, sumInts, sumUsd } from './format.js';
import { standingElement } from './quotas.js';

let user = null;
let onClose = () => {};

export const selectedUser = () => user;

export function initDrilldown(closed) {
  onClose = closed;
  $('drill-close').addEventListener('click', () => close());
}

export function open(key) {
  user = key;
  const panel = $('drilldown');
  panel.hidden = false;
  panel.dataset.user = key;
  $('drill-title').textContent = key;
  for (const id of ['drill-models', 'drill-days', 'drill-efficiency', 'drill-quotas']) $(id).replaceChildren(note('Loading…', 'loading'));
  panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

export function close() {
  user = null;
  const panel = $('drilldown');
  panel.hidden = true;
  delete panel.dataset.user;
  onClose();
}

/** The user's models this month, from the user_model dimension (keys user/provider/model). */
function modelsTable(top, user) {
  const entries = top.entries ?? [];
  if (!entries.length) return note('No usage this month.');
  const rows = entries.map((e) => {
    const model = e.key.slice(user.length + 1);
    return el('tr', { dataset: { key: model } },
      el('td', {}, model),
      el('td', { class: 'num', dataset: { cost: e.costUsd } }, formatUsd(e.costUsd)),
      el('td', { class: 'num', dataset: { tokens: e.totalTokens } }, formatInt(e.totalTokens)),
      el('td', { class: 'num' }, formatInt(e.requests)));
  });
  return el('table', { class: 'data' },
    el('thead', {}, el('tr', {}, ['Model', 'Cost', 'Tokens', 'Requests'].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows));
}

function daysTable(usage, zone) {
  const windows = usage.windows ?? [];
  if (!windows.length) return note('No usage in the last 30 days.');
  const rows = windows.slice().reverse().map((w) => el('tr', { dataset: { start: w.start } },
    el('td', {}, formatDay(w.start, zone)),
    el('td', { class: 'num', dataset: { tokens: w.totalTokens } }, formatInt(w.totalTokens)),
    el('td', { class: 'num', dataset: { cost: w.costUsd } }, formatUsd(w.costUsd)),
    el('td', { class: 'num' }, formatInt(w.requests)),
    el('td', { class: 'num' }, formatInt(w.failedRequests))));
  // Exact sums: tokens with BigInt, money in nano-USD.
  const totalTokens = sumInts(windows.map((w) => w.totalTokens));
  const totalCost = sumUsd(windows.map((w) => w.costUsd));
  return el('table', { class: 'data' },
    el('thead', {}, el('tr', {}, ['Day', 'Tokens', 'Cost', 'Requests', 'Failed'].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows),
    el('tfoot', {}, el('tr', {},
      el('th', {}, '30 days'),
      el('th', { class: 'num', dataset: { tokens: totalTokens } }, formatInt(totalTokens)),
      el('th', { class: 'num', dataset: { cost: totalCost } }, formatUsd(totalCost)),
      el('th', {}), el('th', {}))));
}

function efficiencyList(e) {
  const item = (label, value) => [el('dt', {}, label), el('dd', {}, value)];
  return el('dl', { class: 'facts' },
    item('Requests', formatInt(e.requests)),
    item('Error rate', formatPercent(e.errorRate, 2)),
    item('Cache hit ratio', formatPercent(e.cacheHitRatio)),
    item('Output ÷ input', e.outputInputRatio === null ? '—' : Number(e.outputInputRatio).toFixed(2)),
    item('Reasoning share of output', formatPercent(e.reasoningShareOfOutput)),
    item('Cost per 1k tokens', formatUsd(e.costPer1kTokensUsd)),
    item('Tokens per successful request', e.tokensPerSuccessfulRequest === null ? '—' : formatInt(Math.round(e.tokensPerSuccessfulRequest))),
    item('Average latency', e.averageLatencyMs === null ? '—' : `${formatInt(Math.round(e.averageLatencyMs))} ms`),
    item('Max context utilization', formatPercent(e.maxContextUtilization)),
    item('Unpriced requests', formatInt(e.unpricedRequests)));
}

function quotaList(status, subject) {
  const rows = status.quotas ?? [];
  if (!rows.length) return note('No quota applies to this user.');
  return el('div', {}, rows.map((row) => standingElement(row, subject, 'drill-quota')));
}

/** Refreshes the open panel; returns the errors it met (the panel shows them inline too). */
export async function refreshDrilldown(zone) {
  if (!user) return [];
  const key = user;
  const from = minusDays(dateInZone(Date.now(), zone), 29);
  const subject = `user:${key}`;
  const [models, days, efficiency, quotas] = await Promise.allSettled([
    aggregator(`/v1/top?${query({ dimension: 'user_model', period: 'month', by: 'cost', limit: 50, prefix: `${key}/` })}`),
    aggregator(`/v1/usage?${query({ dimension: 'user', key, period: 'day', from })}`),
    aggregator(`/v1/efficiency?${query({ dimension: 'user', key, period: 'month' })}`),
    alerting(`/v1/quotas/status?${query({ subject })}`),
  ]);
  if (user !== key) return []; // another user was picked meanwhile
  const show = (id, result, render) => $(id).replaceChildren(
    result.status === 'fulfilled' ? render(result.value) : note(messageFor(result.reason), 'error'));
  show('drill-models', models, (v) => modelsTable(v, key));
  show('drill-days', days, (v) => daysTable(v, zone));
  show('drill-efficiency', efficiency, efficiencyList);
  show('drill-quotas', quotas, (v) => quotaList(v, subject));
  return [models, days, efficiency, quotas].filter((r) => r.status === 'rejected').map((r) => r.reason);
}

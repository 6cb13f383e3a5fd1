// "Who and what": top users, models and features by cost, one table each.
// Rows: <tr data-key>; only the cells <td data-cost> and <td data-tokens> hold the API's values as returned.

import { aggregator, query } from './api.js';
import { $, el } from './dom.js';
import { formatInt, formatUsd } from './format.js';

const TABLES = [
  { dimension: 'user', id: 'top-users', noun: 'users' },
  { dimension: 'model', id: 'top-models', noun: 'models' },
  { dimension: 'feature', id: 'top-features', noun: 'features' },
];
const COLUMNS = 6;

function row(entry, rank, onSelect, selectedKey) {
  const clickable = Boolean(onSelect);
  const select = () => onSelect(entry.key);
  return el('tr', {
    dataset: { key: entry.key },
    class: [clickable ? 'clickable' : '', entry.key === selectedKey ? 'selected' : ''].join(' ').trim() || undefined,
    tabindex: clickable ? 0 : undefined,
    title: clickable ? `Show ${entry.key}'s last 30 days` : undefined,
    onclick: clickable ? select : undefined,
    onkeydown: clickable ? (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(); } } : undefined,
  },
  el('td', { class: 'rank' }, String(rank)),
  el('td', { class: 'key' }, entry.key),
  el('td', { class: 'num cost', dataset: { cost: entry.costUsd } }, formatUsd(entry.costUsd)),
  el('td', { class: 'num tokens', dataset: { tokens: entry.totalTokens } }, formatInt(entry.totalTokens)),
  el('td', { class: 'num requests', dataset: { requests: entry.requests } }, formatInt(entry.requests)),
  el('td', { class: 'num failed', dataset: { failed: entry.failedRequests } }, formatInt(entry.failedRequests)));
}

function render(table, entries, period, onSelect, selectedKey) {
  const tbody = $(table.id).tBodies[0];
  if (!entries.length) {
    tbody.replaceChildren(el('tr', { class: 'empty' },
      el('td', { colspan: COLUMNS }, `No ${table.noun} with usage this ${period} yet.`)));
    return;
  }
  tbody.replaceChildren(...entries.map((entry, i) => row(entry, i + 1, onSelect, selectedKey)));
}

/**
 * period: 'day' | 'month'. onSelectUser(key) is called when a user row is clicked.
 * Returns { user: [keys], model: [keys], feature: [keys] } for the quota standings of wildcard quotas.
 */
export async function refreshTop(period, onSelectUser, selectedUser) {
  const answers = await Promise.all(TABLES.map((t) =>
    aggregator(`/v1/top?${query({ dimension: t.dimension, period, by: 'cost', limit: 10 })}`)));
  const keys = {};
  TABLES.forEach((table, i) => {
    const entries = answers[i].entries ?? [];
    keys[table.dimension] = entries.map((e) => e.key);
    render(table, entries, period, table.dimension === 'user' ? onSelectUser : null, selectedUser);
  });
  return keys;
}

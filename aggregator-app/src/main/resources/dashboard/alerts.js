// Open alerts, critical first, each with Acknowledge and Dismiss (admin key).

import { alerting, alertingAdmin, messageFor } from './api.js';
import { $, el, note } from './dom.js';
import { formatDateTime, formatPercent, formatRelative } from './format.js';
import { hasAdminKey } from './settings.js';

const SEVERITY_ORDER = { critical: 0, warning: 1 };
const HIDE_AFTER_ACTION_MS = 60_000; // an acted-on alert stays hidden while other instances catch up

const acted = new Map(); // alertId → time of the action
const inFlight = new Set();
let lastSignature = '';
let onActionError = () => {};

/** onError(error) is called when an action fails, to show its message in the status line. */
export function initAlerts(onError) {
  onActionError = onError;
  $('alerts').addEventListener('click', (event) => {
    const button = event.target.closest('button.ack, button.dismiss');
    if (!button || button.disabled) return;
    const item = button.closest('.alert');
    act(item, button.classList.contains('ack') ? 'ack' : 'dismiss');
  });
}

function bySeverity(a, b) {
  return (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9)
    || b.firedAt.localeCompare(a.firedAt);
}

function visible(alerts) {
  const now = Date.now();
  for (const [id, at] of acted) if (now - at > HIDE_AFTER_ACTION_MS) acted.delete(id);
  return alerts.filter((a) => a.status === 'open' && !acted.has(a.alertId)).sort(bySeverity);
}

function button(kind, label, alertId) {
  const admin = hasAdminKey();
  const busy = inFlight.has(alertId);
  return el('button', {
    type: 'button',
    class: kind,
    disabled: !admin || busy,
    title: admin ? undefined : 'Enter the admin key above to act on alerts',
  }, admin ? label : `${label} (needs admin key)`);
}

function alertElement(a) {
  return el('li', {
    class: `alert severity-${a.severity}`,
    dataset: { alertId: a.alertId, severity: a.severity, subject: a.subject, quotaId: a.quotaId, type: a.type },
  },
  el('div', { class: 'alert-main' },
    el('span', { class: `badge badge-${a.severity}` }, a.severity),
    el('span', { class: 'alert-subject' }, a.subject),
    el('span', { class: 'alert-type muted' }, `${a.type} · ${a.quotaId}`),
    el('p', { class: 'alert-message' }, a.message),
    el('p', { class: 'alert-meta muted' },
      `fired ${formatDateTime(a.firedAt)} (${formatRelative(a.firedAt)}) · ${formatPercent(a.utilization)} of the limit`)),
  el('div', { class: 'alert-actions' },
    button('ack', 'Acknowledge', a.alertId),
    button('dismiss', 'Dismiss', a.alertId),
    el('p', { class: 'alert-error', role: 'alert' })));
}

function render(alerts) {
  const container = $('alerts');
  // Re-render only on change, so a button is not replaced under the pointer every 5 s.
  const signature = JSON.stringify([hasAdminKey(), [...inFlight], alerts.map((a) => a.alertId)]);
  if (signature === lastSignature) return;
  lastSignature = signature;
  container.dataset.count = String(alerts.length);
  container.replaceChildren(alerts.length
    ? el('ul', { class: 'alert-list' }, alerts.map(alertElement))
    : note('No open alerts.'));
}

let current = [];

export async function refreshAlerts() {
  const answer = await alerting('/v1/alerts?status=open');
  current = answer.alerts ?? [];
  render(visible(current));
}

/** Re-renders from the last answer (e.g. after the admin key changed). */
export function rerenderAlerts() {
  lastSignature = '';
  render(visible(current));
}

async function act(item, action) {
  const id = item.dataset.alertId;
  inFlight.add(id);
  rerenderAlerts();
  try {
    await alertingAdmin(`/v1/alerts/${encodeURIComponent(id)}/${action}`);
    acted.set(id, Date.now());
  } catch (error) {
    const message = messageFor(error);
    onActionError(message);
    inFlight.delete(id);
    rerenderAlerts();
    const box = document.querySelector(`#alerts .alert[data-alert-id="${CSS.escape(id)}"] .alert-error`);
    if (box) box.textContent = message;
    return;
  }
  inFlight.delete(id);
  rerenderAlerts();
}

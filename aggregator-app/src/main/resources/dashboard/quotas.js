// Quotas: the first QUOTAS_SHOWN quotas by id with the standing of their subjects — or, for a
// wildcard quota (user:*), the standings of the top keys of that dimension. One .quota element per
// standing.

import { aggregator, alerting, query } from './api.js';
import { $, el, note } from './dom.js';
import { formatAmount, formatDateTime, formatPercent, formatRelative } from './format.js';

const QUOTAS_SHOWN = 200;

/** A standing's bar, used/limit and reset time. className 'quota' in #quotas, another elsewhere. */
export function standingElement(standing, subject, className = 'quota') {
  const utilization = Number(standing.utilization);
  const width = Math.max(0, Math.min(100, utilization * 100));
  return el('div', {
    class: `${className} state-${standing.state}`,
    dataset: {
      quotaId: standing.id,
      subject,
      quotaSubject: standing.subject,
      utilization: standing.utilization,
      state: standing.state,
      metric: standing.metric,
      period: standing.period,
    },
  },
  el('div', { class: 'quota-head' },
    el('span', { class: 'quota-subject' }, subject),
    el('span', { class: 'quota-name' }, `${standing.id} · ${standing.metric}/${standing.period} · ${standing.action}`),
    el('span', { class: `badge badge-${standing.state}` }, standing.state)),
  el('div', {
    class: 'quota-track', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(width),
  }, el('div', { class: 'quota-bar', style: { width: `${width}%` } })),
  el('div', { class: 'quota-foot' },
    el('span', { class: 'quota-used' },
      `${formatAmount(standing.metric, standing.used)} of ${formatAmount(standing.metric, standing.limit)} (${formatPercent(utilization)})`),
    el('span', { class: 'quota-reset', dataset: { resetsAt: standing.resetsAt } },
      `resets ${formatDateTime(standing.resetsAt)} (${formatRelative(standing.resetsAt)})`)));
}

function describe(quota) {
  if (quota.rule === 'request') return `per-request ceiling of ${formatAmount(quota.metric, quota.limit)} — no running total`;
  if (quota.rule === 'forecast') return `forecast of ${formatAmount(quota.metric, quota.limit)} per ${quota.period} — alerts when the projection reaches it`;
  return `${formatAmount(quota.metric, quota.limit)} per ${quota.period} · ${quota.action}`;
}

/** Fetches each subject's status once: subject → rows. */
async function statuses(subjects) {
  const unique = [...new Set(subjects)];
  const answers = await Promise.all(unique.map((s) => alerting(`/v1/quotas/status?${query({ subject: s })}`)));
  return new Map(unique.map((s, i) => [s, answers[i].quotas ?? []]));
}

/** Top keys of each wildcard quota's dimension: from the top tables, else this month's top 10. */
async function wildcardKeys(quotas, topKeys) {
  const keys = { ...topKeys };
  const missing = [...new Set(quotas.filter((q) => q.subject.endsWith(':*')).map((q) => q.subject.slice(0, -2)))]
    .filter((d) => !keys[d] && d !== 'all');
  // An aggregator failure is reported by the other sections; here it only means no keys to show.
  const answers = await Promise.all(missing.map((d) =>
    aggregator(`/v1/top?${query({ dimension: d, period: 'month', limit: 10 })}`).catch(() => ({ entries: [] }))));
  missing.forEach((d, i) => { keys[d] = (answers[i].entries ?? []).map((e) => e.key); });
  return keys;
}

/** topKeys: { user: [...], model: [...], feature: [...], provider: [...] } for wildcard quotas. */
export async function refreshQuotas(topKeys = {}) {
  const container = $('quotas');
  // The first page only: each quota shown costs a status read, and the CLI lists them all.
  const page = await alerting(`/v1/quotas?${query({ limit: QUOTAS_SHOWN })}`);
  const quotas = (page.quotas ?? []).slice().sort((a, b) => a.id.localeCompare(b.id));
  if (!quotas.length) {
    container.replaceChildren(note('No quotas yet — PUT one to <alerting>/v1/quotas/{id} with the admin key (see README).'));
    return;
  }
  const limitQuotas = quotas.filter((q) => q.rule === 'limit');
  const keys = await wildcardKeys(limitQuotas, topKeys);
  const subjectsOf = (q) => {
    const dimension = q.subject.slice(0, q.subject.indexOf(':'));
    return q.subject.endsWith(':*') ? (keys[dimension] ?? []).map((k) => `${dimension}:${k}`) : [q.subject];
  };
  const status = await statuses(limitQuotas.flatMap(subjectsOf));

  const more = page.next
    ? [note(`The first ${QUOTAS_SHOWN} quotas by id; \`bin/tokenledger quota list\` lists them all.`)] : [];
  container.replaceChildren(...more, ...quotas.map((q) => {
    const wildcard = q.subject.endsWith(':*');
    const standings = q.rule !== 'limit' ? [] : subjectsOf(q).flatMap((subject) =>
      (status.get(subject) ?? []).filter((row) => row.id === q.id).map((row) => standingElement(row, subject)));
    let body = standings;
    if (q.rule === 'limit' && !standings.length) {
      body = [note(wildcard
        ? `No ${q.subject.slice(0, -2)} with usage this period is bound by this default (top keys only; a key's own quota wins).`
        : 'No standing for this subject yet.')];
    }
    return el('div', { class: 'quota-group', dataset: { quotaId: q.id, subject: q.subject, rule: q.rule } },
      el('h3', {},
        el('span', { class: 'quota-group-subject' }, q.subject),
        el('span', { class: 'quota-group-id' }, q.id),
        wildcard ? el('span', { class: 'muted' }, ' default for every key; top keys shown') : null),
      el('p', { class: 'quota-rule' }, describe(q)),
      body);
  }));
}

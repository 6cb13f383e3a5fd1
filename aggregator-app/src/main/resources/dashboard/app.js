// Bootstrap and polling: one refresh cycle every 5 s, and the status line that says what to do.

import { messageFor, priority } from './api.js';
import { $ } from './dom.js';
import { bindKeyForm } from './settings.js';
import { refreshOverview } from './overview.js';
import { refreshTop } from './top.js';
import { initTrends, refreshTrends } from './trends.js';
import { refreshQuotas } from './quotas.js';
import { initAlerts, refreshAlerts, rerenderAlerts } from './alerts.js';
import * as drilldown from './drilldown.js';

const POLL_MS = 5000;
const ACTION_MESSAGE_MS = 15_000;
const EMPTY = 'No usage yet — post an event (see README) or start the demo';

const state = {
  zone: 'UTC', // the aggregator's calendar zone, learnt from the overview
  topPeriod: 'day',
  topKeys: {},
  running: false,
  queued: false,
  timer: null,
  actionMessage: null, // { text, until }: a failed alert action stays visible a while
};

function setStatus(text, kind) {
  const status = $('status');
  status.textContent = text;
  status.dataset.kind = kind;
  document.body.dataset.state = kind;
}

function report(errors, overview) {
  for (const error of errors) if (!error?.kind) console.error(error);
  const sorted = errors.slice().sort((a, b) => priority(a) - priority(b));
  const messages = sorted.map(messageFor);
  if (state.actionMessage && Date.now() < state.actionMessage.until) messages.unshift(state.actionMessage.text);
  const unique = [...new Set(messages)];
  if (unique.length) setStatus(unique.join(' · '), 'error');
  else if (overview?.empty) setStatus(EMPTY, 'empty');
  else setStatus('', 'ok');

  const now = new Date();
  document.body.dataset.lastAttempt = now.toISOString();
  if (!errors.length) {
    document.body.dataset.lastRefresh = now.toISOString();
    $('last-refresh').textContent = `Updated ${now.toLocaleTimeString()}`;
  }
}

/** One refresh of every section. Sections fail independently; a failed one keeps its last data. */
async function cycle() {
  if (state.running) {
    state.queued = true;
    return;
  }
  state.running = true;
  clearTimeout(state.timer);
  const errors = [];
  const attempt = (promise) => promise.catch((error) => { errors.push(error); return null; });
  try {
    const overview = await attempt(refreshOverview());
    if (overview) state.zone = overview.zone;
    await Promise.all([
      attempt(refreshTop(state.topPeriod, selectUser, drilldown.selectedUser())).then((keys) => {
        if (keys) state.topKeys = keys;
        return attempt(refreshQuotas(state.topKeys)); // wildcard quotas show the top keys' standings
      }),
      attempt(refreshTrends(state.zone)),
      attempt(refreshAlerts()),
      attempt(drilldown.refreshDrilldown(state.zone)).then((failed) => errors.push(...(failed ?? []))),
    ]);
    report(errors, overview);
  } catch (error) {
    report([...errors, error], null);
  } finally {
    state.running = false;
    if (state.queued) {
      state.queued = false;
      cycle();
    } else {
      state.timer = setTimeout(cycle, POLL_MS);
    }
  }
}

function selectUser(key) {
  drilldown.open(key);
  for (const row of document.querySelectorAll('#top-users tbody tr')) {
    row.classList.toggle('selected', row.dataset.key === key);
  }
  cycle();
}

function initTopControls() {
  const buttons = document.querySelectorAll('#top-controls button[data-period]');
  const sync = () => buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.period === state.topPeriod)));
  buttons.forEach((button) => button.addEventListener('click', () => {
    state.topPeriod = button.dataset.period;
    $('who').dataset.period = state.topPeriod;
    sync();
    cycle();
  }));
  sync();
}

function start() {
  setStatus('Loading…', 'loading');
  bindKeyForm(() => {
    state.actionMessage = null;
    setStatus('Loading…', 'loading');
    rerenderAlerts();
    cycle();
  });
  initTopControls();
  initTrends(cycle);
  initAlerts((text) => {
    state.actionMessage = { text, until: Date.now() + ACTION_MESSAGE_MS };
    setStatus(text, 'error');
  });
  drilldown.initDrilldown(() => {
    for (const row of document.querySelectorAll('#top-users tr.selected')) row.classList.remove('selected');
  });
  cycle();
}

start();

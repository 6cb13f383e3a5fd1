// The read key, admin key and alerting URL: entered once in the key form, kept in sessionStorage.

import { $ } from './dom.js';

const STORE = {
  readKey: 'tokenledger.readKey',
  adminKey: 'tokenledger.adminKey',
  alertingUrl: 'tokenledger.alertingUrl',
};
const memory = {}; // used when sessionStorage is unavailable (e.g. blocked by the browser)

function load(name) {
  try {
    return sessionStorage.getItem(STORE[name]) ?? memory[name] ?? '';
  } catch {
    return memory[name] ?? '';
  }
}

function store(name, value) {
  memory[name] = value;
  try {
    if (value) sessionStorage.setItem(STORE[name], value);
    else sessionStorage.removeItem(STORE[name]);
  } catch {
    // memory keeps it for this page
  }
}

/** The alerting app on the same host as this page, port 8083. */
export function defaultAlertingUrl() {
  return `${location.protocol}//${location.hostname}:8083`;
}

function normalizeUrl(value) {
  let url = value.trim().replace(/\/+$/, '');
  if (!url) return '';
  if (!/^https?:\/\//i.test(url)) url = `http://${url}`;
  return url;
}

export function getSettings() {
  return {
    readKey: load('readKey'),
    adminKey: load('adminKey'),
    alertingUrl: load('alertingUrl') || defaultAlertingUrl(),
  };
}

export function hasAdminKey() {
  return Boolean(load('adminKey'));
}

/** Fills the form from storage and calls onSave after each save. */
export function bindKeyForm(onSave) {
  const form = $('key-form');
  const read = $('read-key');
  const admin = $('admin-key');
  const alerting = $('alerting-url');
  const saved = $('keys-saved');
  const current = getSettings();
  read.value = current.readKey;
  admin.value = current.adminKey;
  alerting.value = current.alertingUrl;
  alerting.placeholder = defaultAlertingUrl();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    store('readKey', read.value.trim());
    store('adminKey', admin.value.trim());
    const url = normalizeUrl(alerting.value);
    store('alertingUrl', url === defaultAlertingUrl() ? '' : url);
    alerting.value = getSettings().alertingUrl;
    saved.textContent = 'Saved for this browser session.';
    setTimeout(() => { saved.textContent = ''; }, 3000);
    onSave();
  });
}

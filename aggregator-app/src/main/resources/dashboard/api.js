// fetch with the right key, and the mapping of every failure to a message that says what to do.

import { getSettings } from './settings.js';

const TIMEOUT_MS = 10_000;
const NAMES = { aggregator: 'The aggregator', alerting: 'The alerting app' };

export class ApiError extends Error {
  /** kind: 'unreachable' | 'http'. */
  constructor({ kind, service, base, status = 0, detail = '', admin = false, hasKey = true }) {
    super(detail || `${kind} ${status}`);
    Object.assign(this, { kind, service, base, status, detail, admin, hasKey });
  }
}

function baseUrl(service) {
  return service === 'alerting' ? getSettings().alertingUrl : location.origin;
}

/**
 * service: 'aggregator' (this page's origin) or 'alerting'. With admin: true the admin key is sent;
 * otherwise the read key (or the admin key when no read key is set: admin implies read).
 */
export async function request(service, path, { method = 'GET', admin = false } = {}) {
  const settings = getSettings();
  const key = admin ? settings.adminKey : settings.readKey || settings.adminKey;
  const base = baseUrl(service);
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  const options = { method, headers, cache: 'no-store' };
  if (typeof AbortSignal !== 'undefined' && AbortSignal.timeout) options.signal = AbortSignal.timeout(TIMEOUT_MS);

  let response;
  try {
    response = await fetch(base + path, options);
  } catch {
    throw new ApiError({ kind: 'unreachable', service, base, admin, hasKey: Boolean(key) });
  }
  if (!response.ok) {
    let detail = '';
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || '';
    } catch {
      // not a problem+json body
    }
    throw new ApiError({ kind: 'http', service, base, status: response.status, detail, admin, hasKey: Boolean(key) });
  }
  return response.status === 204 ? null : response.json();
}

export const aggregator = (path) => request('aggregator', path);
export const alerting = (path) => request('alerting', path);
export const alertingAdmin = (path) => request('alerting', path, { method: 'POST', admin: true });

/** Query string from an object; values are URL-encoded ("openai/gpt-4o" → "openai%2Fgpt-4o"). */
export function query(params) {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** Lower is more important: the status line shows the most useful message first. */
export function priority(error) {
  if (!(error instanceof ApiError)) return 9;
  if (error.kind === 'unreachable') return 0;
  return { 401: 1, 403: 2, 503: 3 }[error.status] ?? 5;
}

/** A message that says what is wrong and what to do about it. */
export function messageFor(error) {
  if (!(error instanceof ApiError)) return `Unexpected error: ${error?.message ?? error}`;
  const name = NAMES[error.service] ?? error.service;
  const role = error.admin ? 'admin' : 'read';
  if (error.kind === 'unreachable') return `${name} is not reachable at ${error.base} — is it running?`;
  switch (error.status) {
    case 401:
      return error.hasKey
        ? `Key rejected (401) — check the ${role} key`
        : `Key rejected (401) — check the ${role} key (none entered yet; see .tokenledger/demo.env)`;
    case 403:
      return error.admin
        ? 'Wrong role (403) — this needs an admin key'
        : 'Wrong role (403) — this needs a read key (or an admin key)';
    case 503:
      return 'Starting up (503) — retrying';
    default:
      return `${name} answered ${error.status}${error.detail ? `: ${error.detail}` : ''}`;
  }
}

// Formatting of numbers, money and dates. Money arrives as a decimal string of USD
// ("0.414313140"); sums are done in integer nano-USD with BigInt, never in floats.

const INT = new Intl.NumberFormat('en-US');
const SMALL_USD = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const NANOS_PER_USD = 1_000_000_000n;
const NANOS_PER_CENT = 10_000_000n;

/** 229960 or "229960" → "229,960"; null → "—". */
export function formatInt(value) {
  if (value === null || value === undefined || value === '') return '—';
  try {
    return INT.format(typeof value === 'string' ? BigInt(value) : value);
  } catch {
    return String(value);
  }
}

export function formatCompact(value) {
  return COMPACT.format(value);
}

/** "0.414313140" → 414313140n. Digits past the 9th decimal are dropped; anything unparsable is 0n. */
export function toNanos(usd) {
  const m = /^\s*(-)?(\d*)(?:\.(\d*))?\s*$/.exec(String(usd ?? ''));
  if (!m || (!m[2] && !m[3])) return 0n;
  const whole = BigInt(m[2] || '0');
  const fraction = BigInt(((m[3] || '') + '000000000').slice(0, 9));
  const nanos = whole * NANOS_PER_USD + fraction;
  return m[1] ? -nanos : nanos;
}

/** 414313140n → "0.414313140" (the API's own format). */
export function nanosToUsd(nanos) {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const text = `${abs / NANOS_PER_USD}.${String(abs % NANOS_PER_USD).padStart(9, '0')}`;
  return negative ? `-${text}` : text;
}

/** Exact sum of USD strings, as a USD string. */
export function sumUsd(values) {
  return nanosToUsd(values.reduce((sum, v) => sum + toNanos(v), 0n));
}

/** Exact sum of whole numbers (tokens), as a string. */
export function sumInts(values) {
  return values.reduce((sum, v) => sum + BigInt(v ?? 0), 0n).toString();
}

/** "$1,234.57" from a cent up (rounded half up, exactly); "$0.0004143" (4 significant digits) below a cent. */
export function formatUsd(usd) {
  if (usd === null || usd === undefined || usd === '') return '—';
  const nanos = toNanos(usd);
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  let text;
  if (abs === 0n) {
    text = '$0.00';
  } else if (abs >= NANOS_PER_CENT) {
    const cents = (abs + NANOS_PER_CENT / 2n) / NANOS_PER_CENT;
    text = `$${INT.format(cents / 100n)}.${String(cents % 100n).padStart(2, '0')}`;
  } else {
    // Below a cent the value has at most 7 significant digits: a float shows it exactly enough.
    text = `$${SMALL_USD.format(Number(abs) / 1e9)}`;
  }
  return negative ? `−${text}` : text;
}

/** 0.1234 → "12.3%"; null → "—". */
export function formatPercent(ratio, digits = 1) {
  if (ratio === null || ratio === undefined || ratio === '' || Number.isNaN(Number(ratio))) return '—';
  return `${(Number(ratio) * 100).toFixed(digits)}%`;
}

/** An amount of a quota's metric: tokens as a number, cost as a USD string. */
export function formatAmount(metric, value) {
  return metric === 'cost' ? formatUsd(value) : `${formatInt(value)} tokens`;
}

function formatter(zone, options) {
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: zone || undefined });
  } catch {
    return new Intl.DateTimeFormat('en-US', options); // unknown zone: the browser's own
  }
}

/** "Nov 22, 14:00" in the given IANA zone (the browser's when omitted). */
export function formatDateTime(iso, zone) {
  if (!iso) return '—';
  return formatter(zone, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(iso));
}

/** "Nov 22" in the given zone. */
export function formatDay(iso, zone) {
  return formatter(zone, { month: 'short', day: 'numeric' }).format(new Date(iso));
}

/** "Sun 14:00" in the given zone: short labels for hourly charts. */
export function formatHour(iso, zone) {
  return formatter(zone, { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** "2026-11-22": the calendar date of an instant in a zone. */
export function dateInZone(instant, zone) {
  const parts = formatter(zone, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(instant));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** "2026-11-22" minus n days → "2026-10-24" (pure calendar arithmetic). */
export function minusDays(isoDate, days) {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

/** "in 3 h 12 min", "in 40 s", "2 min ago". */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return '';
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  let text;
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 172_800_000) text = `${Math.floor(abs / 3_600_000)} h ${Math.round((abs % 3_600_000) / 60_000)} min`;
  else text = `${Math.round(abs / 86_400_000)} days`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

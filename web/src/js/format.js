// Formatting of values for display: times (relative and absolute), numbers,
// money, durations, event statuses and JSON payloads. Pure functions, no DOM.

const numberFormat = new Intl.NumberFormat(undefined);
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

export function formatNumber(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return numberFormat.format(n);
}

export function plural(n, one, many = `${one}s`) {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

// "3 min ago", "in 45 s", "just now"; beyond 30 days the date itself.
export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const diff = Math.round((t - now) / 1000);
  const abs = Math.abs(diff);
  if (abs < 5) return diff <= 0 ? 'just now' : 'in a moment';
  let text;
  if (abs < 60) text = `${abs} s`;
  else if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.round(abs / 3600)} h`;
  else if (abs < 86400 * 30) text = plural(Math.round(abs / 86400), 'day');
  else return dateFormat.format(new Date(t));
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

export function absoluteTime(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return dateTimeFormat.format(new Date(t));
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${formatNumber(Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function formatPercent(ratio, digits = 1) {
  if (ratio === null || ratio === undefined) return '—';
  const pct = ratio * 100;
  return `${pct === 100 || pct === 0 ? pct.toFixed(0) : pct.toFixed(digits)}%`;
}

export function formatMoney(cents, currency = 'usd') {
  const code = String(currency || 'usd').toUpperCase();
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${code}`;
  }
}

// "2026-11" → "November 2026" (the month is a UTC calendar month).
export function formatMonth(period) {
  const m = /^(\d{4})-(\d{2})$/.exec(period || '');
  if (!m) return period || '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export function planName(plan) {
  if (!plan) return '';
  return plan.charAt(0).toUpperCase() + plan.slice(1);
}

export const STATUSES = ['QUEUED', 'RETRYING', 'DELIVERED', 'FAILED', 'EXPIRED'];
export const PENDING_STATUSES = new Set(['QUEUED', 'RETRYING']);

export const STATUS_HELP = {
  QUEUED: 'Accepted; the first delivery attempt has not finished yet.',
  RETRYING: 'An attempt failed; another one is scheduled.',
  DELIVERED: 'The endpoint answered with a 2xx status.',
  FAILED: 'Stopped: the endpoint was deleted, the destination was refused, or it answered 410 Gone.',
  EXPIRED: 'Every retry failed; no further attempts will be made. You can replay it.',
};

// Re-indents JSON text without parsing its values, so that large integers,
// number spellings and key order are shown exactly as they were sent.
// Text that is not valid JSON is returned unchanged.
export function prettyJson(raw) {
  if (typeof raw !== 'string') return '';
  try {
    JSON.parse(raw);
  } catch {
    return raw;
  }
  const parts = [];
  let indent = 0;
  let inString = false;
  let escaped = false;
  const newline = () => `\n${'  '.repeat(indent)}`;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      parts.push(c);
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        parts.push(c);
        break;
      case '{':
      case '[': {
        let j = i + 1;
        while (j < raw.length && ' \t\n\r'.includes(raw[j])) j++;
        if (raw[j] === (c === '{' ? '}' : ']')) {
          parts.push(c, raw[j]);
          i = j;
        } else {
          indent++;
          parts.push(c, newline());
        }
        break;
      }
      case '}':
      case ']':
        indent--;
        parts.push(newline(), c);
        break;
      case ',':
        parts.push(',', newline());
        break;
      case ':':
        parts.push(': ');
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      default:
        parts.push(c);
    }
  }
  return parts.join('');
}

// The raw text of the "payload" member of an event document as the API sent
// it: the server embeds the stored payload verbatim as the last member, so it
// runs from the first `"payload":` key (a key of that spelling cannot occur
// inside a JSON string, where quotes are escaped) to the final `}`.
export function extractRawPayload(text) {
  const key = '"payload":';
  const start = text.indexOf(key);
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  return text.slice(start + key.length, end).trim();
}

// datetime-local input value ("2026-11-29T12:00") ↔ RFC 3339 UTC.
export function localInputToIso(value) {
  if (!value) return '';
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? '' : t.toISOString();
}

export function isoToLocalInput(iso) {
  const t = Date.parse(iso || '');
  if (Number.isNaN(t)) return '';
  const d = new Date(t);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

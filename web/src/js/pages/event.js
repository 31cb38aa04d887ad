// /events/{id}: one event — status, details, the payload exactly as sent
// (re-indented, never re-serialised), every delivery attempt with its response
// body, and replay. Refreshes every 2 s while the event is QUEUED or RETRYING.
import { api, enc } from '../api.js';
import { createPoller } from '../poll.js';
import { fetchEndpointUrls } from '../endpoint_names.js';
import {
  alertBox, busy, card, confirmDialog, copyButton, createNotice, emptyState, h, loading,
  pageHeader, pill, statusBadge, table, timeEl,
} from '../ui.js';
import {
  PENDING_STATUSES, STATUS_HELP, absoluteTime, extractRawPayload, formatDuration, prettyJson,
} from '../format.js';

const REPLAYABLE = new Set(['EXPIRED', 'FAILED', 'DELIVERED']);

export async function render(ctx) {
  const id = ctx.params.id;
  const path = `/api/v1/events/${enc(id)}`;
  ctx.setTitle(id);
  const header = pageHeader(h('span', { class: 'mono' }, id), { back: { href: '/events', label: 'Event list' } });
  const notice = createNotice();
  const body = h('div', { class: 'stack' }, loading('Loading the event…'));
  ctx.main.append(header.el, notice.el, body);

  let first;
  try {
    first = await api.get(path, { signal: ctx.signal, raw: true });
  } catch (err) {
    if (err.status === 404) header.h1.replaceChildren('Event not found: ', h('span', { class: 'mono' }, id));
    body.replaceChildren(alertBox(err), h('p', null, h('a', { href: '/events' }, 'See the event log')));
    return;
  }
  let event = first.data;

  // Header: badge, copy, replay.
  const badgeSlot = h('span', { class: 'badge-slot' });
  const replayButton = h('button', { type: 'button', class: 'btn btn-primary' }, 'Replay');
  const actions = h('div', { class: 'page-actions' }, replayButton);
  header.el.querySelector('.page-header-text').append(h('div', { class: 'meta-row' },
    badgeSlot,
    copyButton(id, { label: 'Copy id', ariaLabel: 'Copy event id', target: header.h1, className: 'btn btn-ghost btn-small' })));
  header.el.querySelector('.page-header-row').append(actions);

  // Details.
  const statusHelp = h('dd');
  const nextAttempt = h('dd');
  const nextAttemptTerm = h('dt', null, 'Next attempt');
  const attemptCount = h('dd');
  const endpointCell = h('dd', null, h('code', { class: 'mono' }, event.endpoint_id));
  const details = h('dl', { class: 'details' },
    h('dt', null, 'Status'), statusHelp,
    h('dt', null, 'Endpoint'), endpointCell,
    h('dt', null, 'Event type'), h('dd', null, event.event ? h('code', { class: 'mono break' }, event.event) : h('span', { class: 'muted' }, 'None (no top-level "event" string)')),
    h('dt', null, 'Created'), h('dd', null, timeEl(event.created_at, { withAbsolute: true })),
    nextAttemptTerm, nextAttempt,
    h('dt', null, 'Attempts'), attemptCount);

  fetchEndpointUrls(ctx.signal).then((urls) => {
    const url = urls.get(event.endpoint_id);
    endpointCell.replaceChildren(url
      ? h('a', { href: `/endpoints/${enc(event.endpoint_id)}`, class: 'break' }, url)
      : h('span', null, h('code', { class: 'mono' }, event.endpoint_id), h('span', { class: 'muted' }, ' (deleted)')));
  }).catch(() => { /* keep the id */ });

  // Payload, exactly as stored.
  const raw = extractRawPayload(first.text) ?? JSON.stringify(event.payload);
  const payload = h('pre', { class: 'code payload', 'data-testid': 'payload', tabindex: '0' }, prettyJson(raw));
  const payloadCard = card('Payload',
    h('div', { class: 'card-tools' },
      h('span', { class: 'muted' }, `${new TextEncoder().encode(raw).length.toLocaleString()} bytes, delivered byte for byte`),
      copyButton(raw, { label: 'Copy payload', target: payload, className: 'btn btn-small' })),
    payload);

  // Attempts.
  const attemptsTable = table(['#', 'Time', 'Status code', 'Duration', 'Error', 'Response body'], { className: 'attempts' });
  const attemptsArea = h('div');
  const attemptRows = new Map();
  const attemptsCard = card('Delivery attempts', attemptsArea);

  body.replaceChildren(details, payloadCard, attemptsCard);

  function attemptRow(a) {
    const ok = a.status_code >= 200 && a.status_code < 300;
    const bodyCell = h('td', { class: 'cell-body' });
    if (a.response_body) {
      bodyCell.append(h('pre', { class: 'code response', tabindex: '0' }, a.response_body));
    } else {
      bodyCell.append(h('span', { class: 'muted' }, a.status_code == null ? '—' : '(empty)'));
    }
    if (a.response_truncated) {
      bodyCell.append(h('p', { class: 'hint' }, 'Truncated: only the first 64 KiB of the response is kept.'));
    }
    return h('tr', { 'data-attempt': String(a.attempt) },
      h('td', { class: 'num' }, String(a.attempt)),
      h('td', { class: 'nowrap' }, timeEl(a.started_at), h('div', { class: 'hint' }, absoluteTime(a.started_at))),
      h('td', null, a.status_code == null ? h('span', { class: 'muted' }, '—') : pill(String(a.status_code), ok ? 'ok' : 'bad')),
      h('td', { class: 'nowrap num' }, formatDuration(a.duration_ms)),
      h('td', null, a.error ? pill(a.error, 'bad') : h('span', { class: 'muted' }, '—')),
      bodyCell);
  }

  function show(ev) {
    event = ev;
    if (badgeSlot.dataset.status !== ev.status) {
      badgeSlot.dataset.status = ev.status;
      badgeSlot.replaceChildren(statusBadge(ev.status));
    }
    statusHelp.textContent = STATUS_HELP[ev.status] || ev.status;
    nextAttemptTerm.hidden = !ev.next_attempt_at;
    nextAttempt.hidden = !ev.next_attempt_at;
    nextAttempt.replaceChildren(ev.next_attempt_at ? timeEl(ev.next_attempt_at, { withAbsolute: true }) : '');
    attemptCount.textContent = String(ev.attempt_count ?? (ev.attempts || []).length);
    actions.hidden = !REPLAYABLE.has(ev.status);

    const attempts = ev.attempts || [];
    for (const a of attempts) {
      if (attemptRows.has(a.attempt)) continue;
      const row = attemptRow(a);
      attemptRows.set(a.attempt, row);
      attemptsTable.tbody.append(row);
    }
    if (attempts.length === 0) {
      attemptsArea.replaceChildren(emptyState(
        ev.status === 'QUEUED' ? 'No attempts yet — the first delivery is on its way' : 'No delivery attempts',
        ev.status === 'QUEUED' ? 'This page updates by itself.' : null));
    } else if (attemptsArea.firstChild !== attemptsTable.wrap) {
      attemptsArea.replaceChildren(attemptsTable.wrap);
    }
    if (PENDING_STATUSES.has(ev.status)) poller.start();
    else poller.stop();
  }

  let pollFailed = false;
  const refresh = async () => {
    try {
      const ev = await api.get(path, { signal: ctx.signal });
      show(ev);
      if (pollFailed) notice.clear();
      pollFailed = false;
    } catch (err) {
      if (!pollFailed) notice.error(`Live refresh failed: ${err.message}`);
      pollFailed = true;
    }
  };
  const poller = createPoller(ctx, refresh);
  show(event);

  replayButton.addEventListener('click', async () => {
    const force = event.status === 'DELIVERED';
    if (force) {
      const ok = await confirmDialog({
        title: 'Replay a delivered event?',
        body: h('p', null, 'This event was already delivered. Replaying sends it to the endpoint again, with a fresh cycle of attempts; your receiver will see it twice.'),
        confirmLabel: 'Replay',
      });
      if (!ok || !ctx.alive) return;
    }
    notice.clear();
    try {
      await busy(replayButton, () => api.post(`${path}/replay`, { force }, { signal: ctx.signal }));
      notice.success('Event replayed: it is queued for delivery. This page updates as the attempts come in.');
      await refresh();
    } catch (err) {
      notice.error(err);
    }
  });
}

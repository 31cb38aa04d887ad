// /events: the event log — filters (status, endpoint, type, time range) kept in
// the address, find by id, Newer/Older pages, and statuses refreshed every 2 s
// while the tab is visible.
import { api, enc, withQuery } from '../api.js';
import { navigate, replaceQuery } from '../router.js';
import { createPoller } from '../poll.js';
import { fetchEndpointUrls } from '../endpoint_names.js';
import {
  busy, createNotice, emptyState, field, h, loading, pageHeader, statusBadge, table, timeEl,
} from '../ui.js';
import { STATUSES, formatNumber, isoToLocalInput, localInputToIso } from '../format.js';

const PAGE_SIZE = 50;

export function render(ctx) {
  ctx.setTitle('Events');
  const header = pageHeader('Events', {
    lead: 'Every event you sent, newest first, with its delivery status. Statuses update live.',
  });
  const notice = createNotice();

  // Filters, initialised from the address (so a filtered view can be bookmarked).
  const q = ctx.query;
  const statusSelect = h('select', { name: 'status' },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s }, s)));
  statusSelect.value = STATUSES.includes(q.get('status')) ? q.get('status') : '';
  const endpointSelect = h('select', { name: 'endpoint_id' }, h('option', { value: '' }, 'All endpoints'));
  const initialEndpoint = q.get('endpoint_id') || '';
  if (initialEndpoint) {
    endpointSelect.append(h('option', { value: initialEndpoint }, initialEndpoint));
    endpointSelect.value = initialEndpoint;
  }
  const typeInput = h('input', { type: 'text', name: 'event', autocomplete: 'off', spellcheck: 'false', placeholder: 'order.created', value: q.get('event') || '' });
  const fromInput = h('input', { type: 'datetime-local', name: 'since', value: isoToLocalInput(q.get('since')) });
  const toInput = h('input', { type: 'datetime-local', name: 'until', value: isoToLocalInput(q.get('until')) });
  const applyButton = h('button', { type: 'submit', class: 'btn' }, 'Apply');
  const clearButton = h('button', { type: 'button', class: 'btn btn-ghost' }, 'Clear filters');
  const filters = h('form', { class: 'filters', novalidate: true, 'aria-label': 'Filters' },
    field('Status', statusSelect),
    field('Endpoint', endpointSelect),
    field('Event type', typeInput),
    field('From', fromInput),
    field('To', toInput),
    h('div', { class: 'filter-actions' }, applyButton, clearButton));

  // Find by id.
  const idInput = h('input', { type: 'text', name: 'id', autocomplete: 'off', spellcheck: 'false', placeholder: 'evt_…', class: 'mono' });
  const findButton = h('button', { type: 'submit', class: 'btn' }, 'Find');
  const finder = h('form', { class: 'finder', novalidate: true, role: 'search' },
    field('Event id', idInput), findButton);

  const summary = h('p', { class: 'list-summary muted' });
  const live = h('span', { class: 'live', title: 'Refreshing every 2 seconds while this tab is visible' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Live');
  const newer = h('button', { type: 'button', class: 'btn', disabled: true }, 'Newer');
  const older = h('button', { type: 'button', class: 'btn', disabled: true }, 'Older');
  const pager = h('div', { class: 'pager' }, newer, older);
  const { wrap, tbody } = table(['Event', 'Type', 'Status', 'Endpoint', 'Attempts', 'Created']);
  const listArea = h('div', { class: 'list-area' }, loading('Loading events…'));

  ctx.main.append(header.el,
    h('div', { class: 'card toolbar-card' }, filters, finder),
    notice.el,
    h('div', { class: 'list-head' }, summary, live),
    listArea,
    pager);

  // Endpoint names for the select and the table.
  let endpointUrls = new Map();
  fetchEndpointUrls(ctx.signal).then((urls) => {
    endpointUrls = urls;
    for (const [id, url] of urls) {
      if (id === initialEndpoint) endpointSelect.options[1].textContent = url;
      else endpointSelect.append(h('option', { value: id }, url));
    }
    for (const row of tbody.rows) updateEndpointCell(row);
  }).catch(() => { /* the select keeps "All endpoints"; the list shows ids */ });

  // Paging state: `cursor` of the page shown, and the cursors of the newer pages.
  let cursor = null;
  let nextCursor = null;
  const newerCursors = [];
  let seq = 0;
  let pollError = false;
  const rows = new Map();

  const currentFilters = () => ({
    status: statusSelect.value,
    endpoint_id: endpointSelect.value,
    event: typeInput.value.trim(),
    since: localInputToIso(fromInput.value),
    until: localInputToIso(toInput.value),
  });
  const hasFilters = () => Object.values(currentFilters()).some((v) => v);

  function updateEndpointCell(row) {
    const cell = row.cells[3];
    const epId = row.dataset.endpointId;
    const url = endpointUrls.get(epId);
    cell.replaceChildren(url
      ? h('a', { href: `/endpoints/${enc(epId)}`, class: 'truncate', title: url }, url)
      : h('span', { class: 'truncate mono muted', title: epId }, epId));
  }

  function rowFor(ev) {
    let row = rows.get(ev.id);
    if (!row) {
      row = h('tr', { 'data-event-id': ev.id, dataset: { endpointId: ev.endpoint_id } },
        h('td', null, h('a', { href: `/events/${enc(ev.id)}`, class: 'mono id strong' }, ev.id)),
        h('td', null, ev.event ? h('span', { class: 'mono truncate', title: ev.event }, ev.event) : h('span', { class: 'muted' }, '—')),
        h('td'),
        h('td', { class: 'cell-url' }),
        h('td', { class: 'num' }),
        h('td', { class: 'nowrap' }, timeEl(ev.created_at)));
      updateEndpointCell(row);
      rows.set(ev.id, row);
    }
    if (row.dataset.status !== ev.status) {
      row.dataset.status = ev.status;
      row.cells[2].replaceChildren(statusBadge(ev.status));
    }
    const attempts = String(ev.attempt_count ?? 0);
    if (row.cells[4].textContent !== attempts) row.cells[4].textContent = attempts;
    return row;
  }

  // Draws a page of events, keeping the rows that stay (focus, selection).
  function draw(items) {
    const keep = new Set(items.map((e) => e.id));
    for (const [id, row] of rows) {
      if (!keep.has(id)) {
        row.remove();
        rows.delete(id);
      }
    }
    items.forEach((ev, i) => {
      const row = rowFor(ev);
      if (tbody.rows[i] !== row) tbody.insertBefore(row, tbody.rows[i] || null);
    });
    if (items.length === 0) {
      listArea.replaceChildren(hasFilters()
        ? emptyState('No events match these filters', 'Try another status, endpoint, type or time range.')
        : emptyState('No events yet', 'Send an event to one of your endpoints with your API key, or send a test event from an endpoint\'s page.'));
    } else if (listArea.firstChild !== wrap) {
      listArea.replaceChildren(wrap);
    }
    const pageNumber = newerCursors.length + 1;
    summary.textContent = items.length === 0 ? ''
      : `${pageNumber > 1 ? `Page ${pageNumber} · ` : ''}${formatNumber(items.length)} ${items.length === 1 ? 'event' : 'events'}${pageNumber === 1 ? ', newest first' : ''}`;
  }

  function syncPager() {
    newer.disabled = newerCursors.length === 0;
    older.disabled = !nextCursor;
    pager.hidden = newer.disabled && older.disabled;
  }

  async function load({ fromPoll = false } = {}) {
    const mine = ++seq;
    const path = withQuery('/api/v1/events', { ...currentFilters(), limit: PAGE_SIZE, cursor });
    try {
      const page = await api.get(path, { signal: ctx.signal });
      if (mine !== seq) return;
      nextCursor = page.next_cursor;
      draw(page.data);
      syncPager();
      if (pollError) {
        notice.clear();
        pollError = false;
      }
    } catch (err) {
      if (mine !== seq) return;
      if (fromPoll) {
        if (!pollError) notice.error(`Live refresh failed: ${err.message}`);
        pollError = true;
      } else {
        listArea.replaceChildren();
        summary.textContent = '';
        notice.error(err);
        syncPager();
      }
    }
  }

  const poller = createPoller(ctx, () => load({ fromPoll: true }));

  const syncAddress = () => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(currentFilters())) if (v) params.set(k, v);
    replaceQuery(params);
  };

  const applyFilters = () => {
    clearTimeout(debounce);
    cursor = null;
    nextCursor = null;
    newerCursors.length = 0;
    notice.clear();
    pollError = false;
    syncAddress();
    return load();
  };

  let debounce = 0;
  ctx.onCleanup(() => clearTimeout(debounce));
  const applySoon = () => {
    clearTimeout(debounce);
    debounce = setTimeout(applyFilters, 400);
  };
  statusSelect.addEventListener('change', applyFilters);
  endpointSelect.addEventListener('change', applyFilters);
  fromInput.addEventListener('change', applyFilters);
  toInput.addEventListener('change', applyFilters);
  typeInput.addEventListener('input', applySoon);
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    applyFilters();
  });
  clearButton.addEventListener('click', () => {
    statusSelect.value = '';
    endpointSelect.value = '';
    typeInput.value = '';
    fromInput.value = '';
    toInput.value = '';
    applyFilters();
  });

  const turn = (button) => {
    newer.disabled = true;
    older.disabled = true;
    load().then(() => {
      if (!button.disabled) button.focus();
      else (newer.disabled ? older : newer).focus();
    });
  };
  older.addEventListener('click', () => {
    if (!nextCursor) return;
    newerCursors.push(cursor);
    cursor = nextCursor;
    turn(older);
  });
  newer.addEventListener('click', () => {
    if (newerCursors.length === 0) return;
    cursor = newerCursors.pop();
    turn(newer);
  });

  finder.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = idInput.value.trim();
    notice.clear();
    if (!id) {
      notice.error('Enter an event id, such as evt_…');
      idInput.focus();
      return;
    }
    try {
      const ev = await busy(findButton, () => api.get(`/api/v1/events/${enc(id)}`, { signal: ctx.signal }));
      navigate(`/events/${enc(ev.id)}`);
    } catch (err) {
      notice.error(err);
      idInput.select();
    }
  });

  return load().then(() => poller.start());
}

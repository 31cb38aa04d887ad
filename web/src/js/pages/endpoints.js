// /endpoints: the account's endpoints (URL, description, state, creation) and
// the "New endpoint" form; a created endpoint opens its own page.
import { api, withQuery } from '../api.js';
import { navigate, takeFlash } from '../router.js';
import {
  busy, createNotice, emptyState, field, h, loading, pageHeader, pill, table, timeEl,
} from '../ui.js';

export function render(ctx) {
  ctx.setTitle('Endpoints');
  const notice = createNotice();
  const flash = takeFlash();
  if (flash) notice.success(flash);

  const newButton = h('button', { type: 'button', class: 'btn btn-primary', 'aria-expanded': 'false' }, 'New endpoint');
  const header = pageHeader('Endpoints', {
    lead: 'The URLs PromptJang delivers your events to. Each endpoint signs its deliveries with its own secret.',
    actions: newButton,
  });

  // The create form.
  const url = h('input', { type: 'url', name: 'url', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://example.com/webhooks' });
  const description = h('input', { type: 'text', name: 'description', autocomplete: 'off', placeholder: 'Orders service (production)' });
  const formNotice = createNotice();
  const createButton = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create endpoint');
  const cancelButton = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const form = h('form', { class: 'card form-card', novalidate: true, hidden: true, 'aria-label': 'New endpoint' },
    h('h2', { class: 'card-title' }, 'New endpoint'),
    formNotice.el,
    field('URL', url, 'An absolute http:// or https:// URL that accepts POST requests.'),
    field('Description', description, 'Optional. A note for you and your team.'),
    h('div', { class: 'form-actions' }, createButton, cancelButton));

  const openForm = (open) => {
    form.hidden = !open;
    newButton.setAttribute('aria-expanded', String(open));
    if (open) url.focus();
    else {
      formNotice.clear();
      newButton.focus();
    }
  };
  newButton.addEventListener('click', () => openForm(form.hidden));
  cancelButton.addEventListener('click', () => openForm(false));
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') openForm(false);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (createButton.disabled) return;
    formNotice.clear();
    try {
      const endpoint = await busy(createButton, () => api.post('/api/v1/endpoints', {
        url: url.value.trim(),
        description: description.value.trim(),
      }, { signal: ctx.signal }));
      navigate(`/endpoints/${encodeURIComponent(endpoint.id)}`, {
        flash: 'Endpoint created. Use its signing secret below to verify deliveries.',
      });
    } catch (err) {
      formNotice.error(err);
      url.focus();
    }
  });

  // The list.
  const listArea = h('div', { class: 'list-area' }, loading('Loading endpoints…'));
  ctx.main.append(header.el, notice.el, form, listArea);

  const { wrap, tbody } = table(['URL', 'Description', 'State', 'Created', 'ID']);
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  let cursor = null;
  let count = 0;

  const addRows = (items) => {
    for (const ep of items) {
      tbody.append(h('tr', { 'data-endpoint-id': ep.id },
        h('td', { class: 'cell-url' }, h('a', { href: `/endpoints/${encodeURIComponent(ep.id)}`, class: 'truncate strong', title: ep.url }, ep.url)),
        h('td', { class: 'cell-desc' }, ep.description ? h('span', { class: 'truncate', title: ep.description }, ep.description) : h('span', { class: 'muted' }, '—')),
        h('td', null, ep.enabled ? pill('Enabled', 'enabled') : pill('Disabled', 'disabled')),
        h('td', { class: 'nowrap' }, timeEl(ep.created_at)),
        h('td', null, h('code', { class: 'mono id' }, ep.id))));
    }
    count += items.length;
  };

  const load = async () => {
    const page = await api.get(withQuery('/api/v1/endpoints', { limit: 100, cursor }), { signal: ctx.signal });
    addRows(page.data);
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };

  more.addEventListener('click', async () => {
    try {
      await busy(more, load);
    } catch (err) {
      notice.error(err);
    }
  });

  return (async () => {
    try {
      await load();
    } catch (err) {
      listArea.replaceChildren();
      notice.error(err);
      return;
    }
    if (count === 0) {
      const add = h('button', { type: 'button', class: 'btn btn-primary' }, 'Add your first one');
      add.addEventListener('click', () => openForm(true));
      listArea.replaceChildren(emptyState(
        'No endpoints yet — create one to start receiving webhooks',
        'An endpoint is a URL on your server. PromptJang POSTs each event to it, signed, and retries failures.',
        add));
    } else {
      listArea.replaceChildren(wrap, h('div', { class: 'list-footer' }, more));
    }
  })();
}

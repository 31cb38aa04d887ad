// /api-keys: the account's API keys — create one (its full key shown once,
// with a copy button), list them by prefix, revoke.
import { api, enc } from '../api.js';
import {
  busy, confirmDialog, copyButton, createNotice, emptyState, field, h, loading, pageHeader,
  pill, table, timeEl,
} from '../ui.js';

export function render(ctx) {
  ctx.setTitle('API keys');
  const newButton = h('button', { type: 'button', class: 'btn btn-primary', 'aria-expanded': 'false' }, 'New API key');
  const header = pageHeader('API keys', {
    lead: 'Your backend sends events to PromptJang with an API key, in the Authorization: Bearer header. Keys are stored as hashes: a key is shown only once, when it is created.',
    actions: newButton,
  });
  const notice = createNotice();

  // Create form.
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off', placeholder: 'Production backend', maxlength: '200' });
  const formNotice = createNotice();
  const createButton = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create key');
  const cancelButton = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const form = h('form', { class: 'card form-card', novalidate: true, hidden: true, 'aria-label': 'New API key' },
    h('h2', { class: 'card-title' }, 'New API key'),
    formNotice.el,
    field('Name', name, 'Optional. Where the key is used, so you know which one to revoke.'),
    h('div', { class: 'form-actions' }, createButton, cancelButton));

  const openForm = (open) => {
    form.hidden = !open;
    newButton.setAttribute('aria-expanded', String(open));
    if (open) {
      name.value = '';
      name.focus();
    } else {
      formNotice.clear();
    }
  };
  newButton.addEventListener('click', () => openForm(form.hidden));
  cancelButton.addEventListener('click', () => {
    openForm(false);
    newButton.focus();
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      openForm(false);
      newButton.focus();
    }
  });

  // The new key, shown once.
  const reveal = h('div', { class: 'new-key', hidden: true });
  const showNewKey = (created) => {
    const code = h('code', { class: 'mono secret', 'data-testid': 'new-api-key' }, created.key);
    const done = h('button', { type: 'button', class: 'btn btn-small' }, 'Done');
    done.addEventListener('click', () => {
      reveal.hidden = true;
      reveal.replaceChildren();
      newButton.focus();
    });
    reveal.replaceChildren(
      h('p', { class: 'new-key-title' }, `Your new API key${created.name ? ` “${created.name}”` : ''}`),
      h('p', { class: 'new-key-warning' }, 'Copy it now and keep it somewhere safe: it is shown only once. PromptJang stores only its hash and cannot show it again.'),
      h('div', { class: 'secret-slot' }, code, copyButton(created.key, { label: 'Copy', target: code, className: 'btn btn-primary btn-small' })),
      h('div', { class: 'form-actions' }, done));
    reveal.hidden = false;
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (createButton.disabled) return;
    formNotice.clear();
    notice.clear();
    try {
      const body = name.value.trim() ? { name: name.value.trim() } : {};
      const created = await busy(createButton, () => api.post('/api/v1/api-keys', body, { signal: ctx.signal }));
      openForm(false);
      showNewKey(created);
      await load();
    } catch (err) {
      formNotice.error(err);
      name.focus();
    }
  });

  const listArea = h('div', { class: 'list-area' }, loading('Loading API keys…'));
  ctx.main.append(header.el, notice.el, form, reveal, listArea);

  const revoke = async (key, button) => {
    const ok = await confirmDialog({
      title: 'Revoke this API key?',
      body: [
        h('p', null, 'Requests with ', h('code', { class: 'mono' }, `${key.prefix}…`), key.name ? [' (', h('strong', null, key.name), ')'] : '', ' are refused from now on.'),
        h('p', null, 'This cannot be undone. Create a new key first if something still uses it.'),
      ],
      confirmLabel: 'Revoke key',
      danger: true,
    });
    if (!ok || !ctx.alive) return;
    notice.clear();
    try {
      await busy(button, () => api.del(`/api/v1/api-keys/${enc(key.id)}`, { signal: ctx.signal }));
      notice.success(`API key ${key.prefix}… revoked.`);
      await load();
    } catch (err) {
      notice.error(err);
    }
  };

  async function load() {
    let keys;
    try {
      const res = await api.get('/api/v1/api-keys', { signal: ctx.signal });
      keys = Array.isArray(res) ? res : res.data;
    } catch (err) {
      listArea.replaceChildren();
      notice.error(err);
      return;
    }
    if (keys.length === 0) {
      listArea.replaceChildren(emptyState('No API keys yet', 'Create one to send events to PromptJang from your backend.'));
      return;
    }
    // Active keys first, newest first within each group.
    keys.sort((a, b) => (!!a.revoked_at - !!b.revoked_at) || Date.parse(b.created_at) - Date.parse(a.created_at));
    const { wrap, tbody } = table(['Name', 'Key', 'Created', 'Last used', 'State', '']);
    for (const key of keys) {
      const revoked = !!key.revoked_at;
      const actions = h('td', { class: 'cell-actions' });
      if (!revoked) {
        const button = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline' }, 'Revoke');
        button.addEventListener('click', () => revoke(key, button));
        actions.append(button);
      }
      tbody.append(h('tr', { 'data-key-id': key.id, class: revoked ? 'row-revoked' : null },
        h('td', { class: 'strong' }, key.name ? h('span', { class: 'truncate', title: key.name }, key.name) : h('span', { class: 'muted' }, 'Unnamed')),
        h('td', null, h('code', { class: 'mono' }, `${key.prefix}…`)),
        h('td', { class: 'nowrap' }, timeEl(key.created_at)),
        h('td', { class: 'nowrap' }, timeEl(key.last_used_at, { empty: 'Never' })),
        h('td', null, revoked ? [pill('Revoked', 'disabled'), ' ', timeEl(key.revoked_at)] : pill('Active', 'enabled')),
        actions));
    }
    listArea.replaceChildren(wrap);
  }

  return load();
}

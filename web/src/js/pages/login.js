// /login: the sign-in form. It never asks the API whether a session exists (a
// 401 there would be a console error); it signs in and returns the user to the
// page they wanted.
import { signIn } from '../api.js';
import { navigate, takeFlash, takeNext } from '../router.js';
import { createNotice, field, h } from '../ui.js';

export function render(ctx) {
  ctx.setTitle('Sign in');
  const notice = createNotice();
  const flash = takeFlash();
  if (flash) notice.success(flash);

  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, autofocus: true, spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { class: 'form', novalidate: true },
    field('Email', email),
    field('Password', password),
    submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    notice.clear();
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await signIn(email.value.trim(), password.value);
      if (!ctx.alive) return;
      navigate(takeNext(), { replace: true });
    } catch (err) {
      if (!ctx.alive) return;
      let message = err.message;
      if (err.status === 429 && err.retryAfter) {
        const minutes = Math.ceil(err.retryAfter / 60);
        message += ` Try again in ${err.retryAfter < 90 ? `${err.retryAfter} seconds` : `${minutes} minutes`}.`;
      }
      notice.error(message);
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });

  ctx.main.append(h('div', { class: 'auth-card' },
    h('h1', null, 'Sign in'),
    h('p', { class: 'muted auth-lead' }, 'Sign in to your PromptJang dashboard.'),
    notice.el,
    form));
  email.focus();
}

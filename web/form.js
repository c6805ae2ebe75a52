import { apply, TEXT } from './i18n.js';

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'fr';
const form = document.getElementById('request');
const summary = document.getElementById('summary');
const FIELDS = { type: 'type', email: 'email', name: 'name', orderNumber: 'orderNumber', rectification: 'rectification', objections: 'objections', eraseWarranty: 'eraseWarranty' };

function showOptions() {
  const type = form.querySelector('input[name="type"]:checked')?.value;
  document.getElementById('erasure-options').hidden = type !== 'erasure';
  document.getElementById('rectification-options').hidden = type !== 'rectification';
  document.getElementById('objection-options').hidden = type !== 'objection';
}

function clearErrors() {
  summary.hidden = true;
  for (const el of form.querySelectorAll('.error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** Ties each message to its field (aria-describedby already points at the *-error element). */
function showErrors(issues) {
  const list = document.getElementById('summary-list');
  list.replaceChildren();
  for (const issue of issues) {
    const field = FIELDS[issue.path.split('.')[0]] ?? 'email';
    const box = document.getElementById(`${field}-error`) ?? document.getElementById('email-error');
    box.textContent = issue.message;
    box.hidden = false;
    const input = field === 'type' ? form.querySelector('input[name="type"]') : form.querySelector(`[name^="${field}"]`);
    input?.setAttribute('aria-invalid', 'true');
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#${input?.id || field}`;
    a.textContent = issue.message;
    li.append(a);
    list.append(li);
  }
  summary.hidden = false;
  summary.focus();
}

function body() {
  const type = form.querySelector('input[name="type"]:checked')?.value;
  const b = { type, email: form.email.value.trim(), language: lang };
  if (form.name.value.trim()) b.name = form.name.value.trim();
  if (form.orderNumber.value.trim()) b.orderNumber = form.orderNumber.value.trim();
  if (type === 'erasure' && form.eraseWarranty.checked) b.eraseWarranty = true;
  if (type === 'rectification') b.rectification = { field: form['rectification.field'].value, correction: form['rectification.correction'].value };
  if (type === 'objection') b.objections = [...form.querySelectorAll('input[name="objections"]:checked')].map((c) => c.value);
  return b;
}

form.addEventListener('change', showOptions);
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  let r;
  try {
    r = await fetch('/requests', { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': lang }, body: JSON.stringify(body()) });
  } catch {
    return showErrors([{ path: 'email', message: TEXT[lang].network }]);
  }
  const answer = await r.json().catch(() => ({}));
  if (r.status === 202) {
    form.hidden = true;
    document.getElementById('done-message').textContent = answer.message;
    const done = document.getElementById('done');
    done.hidden = false;
    done.focus();
  } else if (r.status === 429) {
    const minutes = Math.max(1, Math.ceil(Number(r.headers.get('retry-after') || 60) / 60));
    showErrors([{ path: 'email', message: TEXT[lang].tooMany.replace('{n}', String(minutes)) }]);
  } else {
    showErrors(answer.issues ?? [{ path: 'email', message: TEXT[lang].network }]);
  }
});

for (const b of document.querySelectorAll('.lang-switch button')) {
  b.addEventListener('click', () => {
    lang = b.dataset.lang;
    apply(lang);
    clearErrors();
  });
}
apply(lang);
showOptions();

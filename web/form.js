import { apply, loadController, postForm, renderErrors, showController, showSent, TEXT } from './i18n.js';

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'fr';
const form = document.getElementById('request');
const summary = document.getElementById('summary');
const FIELDS = { type: 'type', email: 'email', name: 'name', orderNumber: 'orderNumber', rectification: 'rectification', objections: 'objections', eraseWarranty: 'eraseWarranty', 'agent.name': 'agent-name', 'agent.email': 'agent-email', 'agent.relationship': 'agent-relationship', 'agent.proof': 'agent-proof', agent: 'agent-name' };
/** The errors on show, kept so that the language switch can show them again in the other language. */
let shown = [];

function showOptions() {
  const type = form.querySelector('input[name="type"]:checked')?.value;
  document.getElementById('erasure-options').hidden = type !== 'erasure';
  document.getElementById('rectification-options').hidden = type !== 'rectification';
  document.getElementById('objection-options').hidden = type !== 'objection';
  const agent = form.onBehalf.checked;
  document.getElementById('agent-options').hidden = !agent;
  form.onBehalf.setAttribute('aria-expanded', String(agent));
}

function clearErrors() {
  shown = [];
  summary.hidden = true;
  for (const el of form.querySelectorAll('.error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * An error is `{ path, message, messages }` from the server (its field-level issues carry both
 * languages), or `{ text(lang) }` for one about the whole form (the network, the rate limit).
 */
const textOf = (e) => (e.text ? e.text(lang) : (e.messages?.[lang] ?? e.message));

/** Each error by its field: its box, its input and its place in the page (renderErrors shows them). */
function render(errors, focus) {
  const boxes = [...form.querySelectorAll('.error')];
  const entries = errors.map((e) => {
    if (e.text) return { text: textOf(e), at: -1 };
    // An agent's field has an error box of its own; other nested paths use their top-level field's.
    const field = FIELDS[e.path] ?? FIELDS[e.path.split('.')[0]] ?? 'email';
    const box = document.getElementById(`${field}-error`) ?? document.getElementById('email-error');
    // The input the issue names (rectification.correction), else its field's first (type: the first radio).
    // The summary links to its id, so the first choice of each group has one: a link to a fieldset left the keyboard nowhere.
    const input = field === 'type' ? form.querySelector('input[name="type"]') : (form.querySelector(`[name="${e.path}"]`) ?? form.querySelector(`[name^="${field}"]`) ?? document.getElementById(field));
    return { text: textOf(e), at: boxes.indexOf(box), box, input, href: input?.id || field };
  });
  renderErrors(form, summary, entries, focus);
}

function showErrors(errors) {
  shown = errors;
  render(errors, true);
}

/** "in 45 minutes (after 14:05)": how long to wait, in words and as a time of day. */
function waitText(seconds) {
  const retry = new Date(Date.now() + seconds * 1000);
  return (l) => {
    const rtf = new Intl.RelativeTimeFormat(l, { numeric: 'auto' });
    const span = seconds >= 5400 ? rtf.format(Math.round(seconds / 3600), 'hour') : rtf.format(Math.max(1, Math.ceil(seconds / 60)), 'minute');
    const at = new Intl.DateTimeFormat(l === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(retry);
    return TEXT[l].tooMany.replace('{wait}', span).replace('{at}', at);
  };
}

function body() {
  const type = form.querySelector('input[name="type"]:checked')?.value;
  const b = { type, email: form.email.value.trim(), language: lang };
  if (form.name.value.trim()) b.name = form.name.value.trim();
  if (form.orderNumber.value.trim()) b.orderNumber = form.orderNumber.value.trim();
  if (type === 'erasure' && form.eraseWarranty.checked) b.eraseWarranty = true;
  if (type === 'rectification') b.rectification = { field: form['rectification.field'].value, correction: form['rectification.correction'].value };
  if (type === 'objection') b.objections = [...form.querySelectorAll('input[name="objections"]:checked')].map((c) => c.value);
  // Someone acting for the person: `email` stays the person's own. What is left empty goes as empty, for the server to name the field.
  if (form.onBehalf.checked) {
    b.agent = { name: form['agent.name'].value.trim(), email: form['agent.email'].value.trim(), relationship: form.querySelector('input[name="agent.relationship"]:checked')?.value ?? '', proof: form['agent.proof'].value };
  }
  return b;
}

form.addEventListener('change', showOptions);
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const failed = await postForm(form, '/requests', body(), lang);
  if (!failed) return;
  // A wait or a size is about the form, not a field: nothing the person typed is wrong.
  if (failed.waitSeconds) showErrors([{ text: waitText(failed.waitSeconds) }]);
  else if (failed.tooLarge) showErrors([{ text: (l) => TEXT[l].tooLarge }]);
  else showErrors(failed.issues ?? [{ text: (l) => TEXT[l][failed.message] }]);
});

for (const b of document.querySelectorAll('.lang-switch button')) {
  b.addEventListener('click', () => {
    lang = b.dataset.lang;
    apply(lang);
    render(shown, false);
    showSent(lang);
    showController(lang);
  });
}
apply(lang);
showOptions();
loadController(() => lang);

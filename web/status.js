import { apply, TEXT } from './i18n.js';

const q = new URLSearchParams(location.search);
const longDate = (d, lang) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));

async function load() {
  const r = await fetch(`/requests/${encodeURIComponent(q.get('id') ?? '')}/status`, { headers: { authorization: `Bearer ${q.get('token') ?? ''}` } });
  if (!r.ok) {
    apply('fr');
    const e = document.getElementById('error');
    e.textContent = `${TEXT.fr.notFound} / ${TEXT.en.notFound}`;
    e.hidden = false;
    return;
  }
  const s = await r.json();
  const t = TEXT[s.language];
  apply(s.language);
  document.getElementById('status').textContent = t.statuses[s.status] ?? s.status;
  document.getElementById('status').dataset.status = s.status;
  document.getElementById('due').textContent = s.dueDate ? longDate(s.dueDate, s.language) : '—';
  document.getElementById('summary').hidden = false;
  const rows = s.categories.map((c) => {
    const tr = document.createElement('tr');
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = t.categories[c.category] ?? c.category;
    const state = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = `badge ${c.state}`;
    // Warranty records are kept because the customer chose to keep their warranty, not by law.
    badge.textContent = (c.state === 'retained' && t.retained[c.reason]) || (t.states[c.state] ?? c.state);
    state.append(badge);
    tr.append(name, state);
    return tr;
  });
  document.getElementById('progress').replaceChildren(...rows);
  document.getElementById('progress-section').hidden = rows.length === 0;
  document.getElementById('paused').hidden = !s.paused;
  // How to complain (Art. 12(4)), as the API words it in the requester's language.
  for (const k of ['title', 'us', 'ico', 'court']) document.getElementById(`complain-${k}`).textContent = s.complain[k];
  document.getElementById('complain').hidden = false;
  if (!['completed', 'denied', 'cancelled', 'expired'].includes(s.status)) setTimeout(load, 3000);
}
load();

import { apply, aroundLink, loadController, showController, TEXT } from './i18n.js';
import { pollDelay } from './poll.js';

const q = new URLSearchParams(location.search);
const LOCALE = { fr: 'fr-FR', en: 'en-GB' };
// French writes the first of a month "1er mars" (Intl gives "1 mars"), as the emails do.
const words = (lang, text) => (lang === 'fr' ? text.replace(/^1 /, '1er ') : text);
const longDate = (d, lang) => words(lang, new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`)));
// Instants are dated where the shop is, as the deadline is.
const dayOf = (instant, lang) => words(lang, new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'long', timeZone: 'Europe/London' }).format(new Date(instant)));
const CLOSED = ['completed', 'denied', 'cancelled', 'expired'];

/** The language switch's choice, else the request's. */
let chosen = q.get('lang') === 'en' || q.get('lang') === 'fr' ? q.get('lang') : undefined;
let last;

function render(s) {
  const lang = chosen ?? s.language;
  const t = TEXT[lang];
  apply(lang);
  const set = (id, text) => {
    document.getElementById(id).textContent = text;
  };
  set('type', t.types[s.type] ?? s.type);
  set('reference', s.id);
  set('status', t.statuses[s.status] ?? s.status);
  document.getElementById('status').dataset.status = s.status;
  set('received', dayOf(s.receivedAt, lang));
  document.getElementById('verified-label').hidden = !s.verifiedAt;
  document.getElementById('verified').hidden = !s.verifiedAt;
  set('verified', s.verifiedAt ? dayOf(s.verifiedAt, lang) : '');
  // A closed request shows when it closed, not a deadline that no longer matters.
  if (s.closedAt) {
    set('due-label', s.status === 'completed' ? t.completedOn : t.closedOn);
    set('due', dayOf(s.closedAt, lang));
  } else {
    set('due-label', t.due);
    set('due', s.dueDate ? longDate(s.dueDate, lang) : s.paused ? t.dueOnRestart : t.afterConfirmation);
  }
  document.getElementById('summary').hidden = false;
  const rows = s.categories.map((c) => {
    const tr = document.createElement('tr');
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = t.categories[c.category] ?? c.category;
    const state = document.createElement('td');
    const badge = (className, text) => Object.assign(document.createElement('span'), { className: `badge ${className}`, textContent: text });
    // Each ground a processor of the category kept records on, with its end, as the outcome email words it;
    // warranty records are kept because the customer chose to keep their warranty, not by law.
    const kept = (k) => `${t.retained[k.basis]}, ${k.until ? `${t.keptUntil} ${longDate(k.until, lang)}` : (t.keptOpen[k.basis] ?? t.keptNoEnd)}`;
    const badges = c.state === 'retained' && c.kept?.length ? c.kept.map((k) => badge('retained', kept(k))) : [badge(c.state, t.states[c.state] ?? c.state)];
    // Kept by one processor and erased by another: "kept" alone would hide the erasure.
    if (c.someDone) badges.push(badge('done', t.someDone));
    state.append(...badges);
    tr.append(name, state);
    return tr;
  });
  document.getElementById('progress').replaceChildren(...rows);
  document.getElementById('progress-section').hidden = rows.length === 0;
  document.getElementById('paused').hidden = !s.paused;
  // Art. 18(3): a restriction an officer lifts says from when, as the email told the requester.
  const lifted = s.restrictionLiftedOn;
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
  set('lifted', lifted ? (lifted <= today ? t.lifted : t.lifting).replace('{date}', longDate(lifted, lang)) : '');
  document.getElementById('lifted').hidden = !lifted;
  // How to complain (Art. 12(4)), as the API words it, in the page's language (the request's until the switch).
  const complain = s.complainIn?.[lang] ?? s.complain;
  for (const k of ['title', 'us', 'court']) document.getElementById(`complain-${k}`).textContent = complain[k];
  // The ICO's address a link; the page's address holds the status secret, which no referrer may carry away.
  const [before, href, after] = aroundLink(complain.ico, complain.icoWeb);
  const ico = href ? [before, Object.assign(document.createElement('a'), { href, rel: 'noreferrer', textContent: href }), after] : [before];
  document.getElementById('complain-ico').replaceChildren(...ico);
  // The shop's own complaint form first (DPA 2018 s.164A), tied to this request.
  document.getElementById('complain-form').href = `/complaint.html?${new URLSearchParams({ ref: s.id, lang })}`;
  document.getElementById('complain').hidden = false;
}

/**
 * The API found no request for this link: a wrong or cut token, an unknown id, or a link past the end
 * of its requester's contact data, which it answers alike, so that the page cannot say which, nor
 * whether there ever was a request. The link is dead for good: the page says so and how to ask again.
 */
let gone = false;
/** No answer yet, the API out of reach or failing: the page says so, and keeps asking. */
let unavailable = false;

function renderUnavailable() {
  unavailable = true;
  const lang = chosen ?? 'fr';
  apply(lang);
  const e = document.getElementById('error');
  if (chosen) e.textContent = TEXT[chosen].unavailable;
  else e.replaceChildren(...['fr', 'en'].flatMap((l, i) => [...(i ? [' / '] : []), Object.assign(document.createElement('span'), { lang: l, textContent: TEXT[l].unavailable })]));
  e.hidden = false;
}

function renderGone() {
  const lang = chosen ?? 'fr';
  apply(lang);
  const e = document.getElementById('error');
  if (chosen) e.textContent = TEXT[chosen].notFound;
  else {
    // No language chosen: both, in a page marked French, so each half says its own language to a screen reader.
    const half = (l) => Object.assign(document.createElement('span'), { lang: l, textContent: TEXT[l].notFound });
    e.replaceChildren(half('fr'), ' / ', half('en'));
  }
  e.hidden = false;
  const p = (text) => Object.assign(document.createElement('p'), { textContent: text });
  const way = (l) => {
    const form = document.createElement('p');
    form.append(Object.assign(document.createElement('a'), { className: 'button', href: `/?lang=${l}`, textContent: TEXT[l].newRequest }));
    const part = Object.assign(document.createElement('div'), { lang: l });
    part.append(p(TEXT[l].goneWhy), p(TEXT[l].goneAsk), form);
    return part;
  };
  const help = document.getElementById('gone');
  help.replaceChildren(...(chosen ? [chosen] : ['fr', 'en']).map(way));
  help.hidden = false;
  showController(lang);
}

/** When the answer last changed; the page asks less often the longer it has not. */
let changedAt = Date.now();
let timer;
/** The next ask, unless the tab is hidden: it asks again as soon as it is shown (below). */
function later(ms) {
  clearTimeout(timer);
  if (document.visibilityState !== 'hidden') timer = setTimeout(load, ms);
}

async function load() {
  const r = await fetch(`/requests/${encodeURIComponent(q.get('id') ?? '')}/status`, { headers: { authorization: `Bearer ${q.get('token') ?? ''}` } }).catch(() => undefined);
  // Out of reach, busy (429) or failing (5xx) for a moment: that says nothing of the link, so ask again.
  if (!r || r.status === 429 || r.status >= 500) {
    // Nothing drawn yet: until November 29, 2026 the page stayed its heading alone, saying nothing, while it tried again.
    if (!last) renderUnavailable();
    later(pollDelay(Date.now() - changedAt));
    return;
  }
  if (!r.ok) {
    gone = true;
    renderGone();
    // How to reach the shop, from the deployment's configuration, in the page's language when it comes.
    loadController(() => chosen ?? 'fr');
    return;
  }
  const next = await r.json();
  // Only when shown: setting `hidden` again is a change under <main>, a live region, read out at every poll.
  if (unavailable) {
    unavailable = false;
    document.getElementById('error').hidden = true;
  }
  // <main> is a live region: redrawn, all of it is read out again, so an answer that brings nothing new leaves it as it is.
  if (JSON.stringify(next) !== JSON.stringify(last)) {
    last = next;
    changedAt = Date.now();
    render(last);
  }
  if (!CLOSED.includes(last.status)) later(pollDelay(Date.now() - changedAt));
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !gone && !(last && CLOSED.includes(last.status))) later(0);
});

for (const b of document.querySelectorAll('.lang-switch button')) {
  b.addEventListener('click', () => {
    chosen = b.dataset.lang;
    if (last) render(last);
    else if (gone) renderGone();
    else if (unavailable) renderUnavailable();
    else apply(chosen);
  });
}
load();

// The compliance console: no framework, the admin API, and the same look as the form.
const T = {
  en: {
    console: 'Compliance console', signIn: 'Sign in', signOut: 'Sign out', dashboard: 'Dashboard',
    signInHelp: 'Sign in with your compliance team account and the code from your authenticator app.', signInFailed: 'Sign-in did not complete. Try again.', signedInAs: (u) => `Signed in as ${u}`,
    overdue: 'Overdue', dueSoon: 'Due in the next 7 days', escalated: 'Escalated tasks waiting for a human', open: 'Open requests', scorecard: 'Processors',
    back: '← Dashboard', request: 'Request', tasks: 'Processors', timeline: 'Execution timeline', audit: 'Audit trail', confirm: 'Confirm', cancel: 'Cancel',
    none: 'Nothing here.', days: (n) => (n < 0 ? `${-n} days late` : n === 0 ? 'due today' : `${n} days left`),
    cols: { id: 'Request', type: 'Type', status: 'Status', due: 'Due', left: 'Countdown', processor: 'Processor', category: 'Category', action: 'Action', open: 'Open', median: 'Median callback', failures: 'Failures', timeouts: 'Time-outs' },
    act: { extend: 'Extend deadline', deny: 'Deny', cancel: 'Cancel request', resolve: 'Resolve', retry: 'Retry' },
    ask: { extend: 'Extend the deadline by two months? The requester is told, with your reason. This can be done once.', deny: 'Deny this request? The workflow stops; the requester is told why and how to complain.', cancel: 'Cancel this request? The workflow stops; the requester is told why and how to complain.', resolve: 'Record how this task was handled. The workflow then continues.', retry: 'Send the webhook to this processor again?' },
    reason: 'Reason', outcome: 'Outcome', note: 'Note',
  },
  fr: {
    console: 'Console de conformité', signIn: 'Se connecter', signOut: 'Se déconnecter', dashboard: 'Tableau de bord',
    signInHelp: 'Connectez-vous avec votre compte de l’équipe conformité et le code de votre application d’authentification.', signInFailed: 'La connexion n’a pas abouti. Réessayez.', signedInAs: (u) => `Connecté : ${u}`,
    overdue: 'En retard', dueSoon: 'Échéance dans les 7 jours', escalated: 'Tâches escaladées en attente d’une personne', open: 'Demandes ouvertes', scorecard: 'Prestataires',
    back: '← Tableau de bord', request: 'Demande', tasks: 'Prestataires', timeline: 'Chronologie de l’exécution', audit: 'Journal d’audit', confirm: 'Confirmer', cancel: 'Annuler',
    none: 'Rien ici.', days: (n) => (n < 0 ? `${-n} jours de retard` : n === 0 ? 'échéance aujourd’hui' : `${n} jours restants`),
    cols: { id: 'Demande', type: 'Type', status: 'État', due: 'Échéance', left: 'Compte à rebours', processor: 'Prestataire', category: 'Catégorie', action: 'Action', open: 'Ouvertes', median: 'Délai médian', failures: 'Échecs', timeouts: 'Expirations' },
    act: { extend: 'Prolonger le délai', deny: 'Refuser', cancel: 'Annuler la demande', resolve: 'Résoudre', retry: 'Relancer' },
    ask: { extend: 'Prolonger le délai de deux mois ? Le demandeur est prévenu, avec votre raison. Possible une seule fois.', deny: 'Refuser cette demande ? Le traitement s’arrête ; le demandeur est informé de la raison et de ses recours.', cancel: 'Annuler cette demande ? Le traitement s’arrête ; le demandeur est informé de la raison et de ses recours.', resolve: 'Indiquez comment cette tâche a été traitée. Le traitement reprend ensuite.', retry: 'Renvoyer le webhook à ce prestataire ?' },
    reason: 'Raison', outcome: 'Résultat', note: 'Note',
  },
};
let lang = localStorage.getItem('lethe-lang') === 'fr' ? 'fr' : 'en';
let token = sessionStorage.getItem('lethe-token');
/** The sign-in settings the deployment publishes: Cognito's endpoints on AWS, the local stand-in's under npm start. */
let auth;
const $ = (id) => document.getElementById(id);
const h = (tag, props = {}, ...children) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children.filter((c) => c !== undefined && c !== null));
  return el;
};

// Sign-in: OAuth 2.0 authorization code with PKCE (RFC 7636) against the user pool's managed login.
// The access token stays in this tab (sessionStorage) and goes to the admin API as a bearer token.
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const randomString = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

async function signIn() {
  const verifier = randomString();
  const state = randomString();
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('lethe-signin', JSON.stringify({ state, verifier, hash: location.hash }));
  const q = new URLSearchParams({ response_type: 'code', client_id: auth.clientId, redirect_uri: auth.redirectUri, scope: auth.scope, state, code_challenge: challenge, code_challenge_method: 'S256' });
  location.assign(`${auth.authorizationEndpoint}?${q}`);
}

/** Back from the sign-in pages with ?code=…&state=…: the code, with the PKCE verifier, buys the tokens. */
async function completeSignIn() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return;
  const pending = JSON.parse(sessionStorage.getItem('lethe-signin') ?? 'null');
  sessionStorage.removeItem('lethe-signin');
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (!q.has('code') || !pending || q.get('state') !== pending.state) throw new Error(q.get('error') ?? 'state mismatch');
  const r = await fetch(auth.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: auth.clientId, code: q.get('code'), redirect_uri: auth.redirectUri, code_verifier: pending.verifier }),
  });
  if (!r.ok) throw new Error(`token endpoint: HTTP ${r.status}`);
  token = (await r.json()).access_token;
  sessionStorage.setItem('lethe-token', token);
}

/** Who the access token names (Cognito puts the user in `username`); display only, the API verifies the token. */
function username() {
  try {
    return JSON.parse(atob(token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/'))).username ?? '';
  } catch {
    return '';
  }
}

async function api(path, body) {
  const r = await fetch(`/admin${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  if (r.status === 401) return forget();
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.message ?? `HTTP ${r.status}`);
  return data;
}

function table(cols, rows, rowClass) {
  if (!rows.length) return h('p', { className: 'empty' }, T[lang].none);
  return h('table', {}, h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, T[lang].cols[c] ?? c)))), h('tbody', {}, ...rows.map((r) => h('tr', { className: rowClass?.(r) ?? '' }, ...r.cells.map((c) => h('td', {}, c))))));
}

const link = (id) => h('a', { href: `#/requests/${id}` }, h('code', {}, id));
const countdown = (r) => (r.daysLeft === null ? '—' : h('span', { className: r.daysLeft < 0 ? 'overdue' : '' }, T[lang].days(r.daysLeft)));
const reqRows = (items) => items.map((r) => ({ r, cells: [link(r.id), r.type, r.status, r.dueDate ?? '—', countdown(r)] }));

async function showDashboard() {
  const [d, list] = await Promise.all([api('/dashboard'), api('/requests')]);
  $('counts').replaceChildren(...Object.entries(d.counts).map(([k, v]) => h('div', { className: `tile${k === 'awaiting_manual' && v ? ' alert' : ''}` }, h('strong', {}, String(v)), k)), h('div', { className: `tile${d.overdue.length ? ' alert' : ''}` }, h('strong', {}, String(d.overdue.length)), T[lang].overdue));
  $('overdue').replaceChildren(table(['id', 'type', 'status', 'due', 'left'], reqRows(d.overdue), () => 'overdue'));
  $('due-soon').replaceChildren(table(['id', 'type', 'status', 'due', 'left'], reqRows(d.dueSoon)));
  $('escalated').replaceChildren(table(['id', 'processor', 'category', 'status'], d.escalated.map((e) => ({ cells: [link(e.requestId), e.processorId, e.category, e.status] }))));
  $('requests').replaceChildren(table(['id', 'type', 'status', 'due', 'left'], reqRows(list.items), ({ r }) => (r.daysLeft !== null && r.daysLeft < 0 ? 'overdue' : '')));
  $('scorecard').replaceChildren(table(['processor', 'open', 'median', 'failures', 'timeouts'], d.processors.map((p) => ({ cells: [p.id, String(p.open), p.medianCallbackMs === null ? '—' : `${p.medianCallbackMs} ms`, String(p.failures), String(p.timeouts)] }))));
  show('dashboard');
}

/** Every action asks first; the ones the law ties to a reason ask for it. */
function ask(kind, fields) {
  return new Promise((resolve) => {
    const dlg = $('confirm');
    $('confirm-title').textContent = T[lang].act[kind];
    $('confirm-text').textContent = T[lang].ask[kind];
    $('confirm-error').hidden = true;
    $('confirm-fields').replaceChildren(...fields);
    dlg.onclose = () => resolve(dlg.returnValue === 'ok' ? Object.fromEntries(new FormData($('confirm-form'))) : undefined);
    dlg.showModal();
  });
}
const field = (name, label, input) => h('div', {}, h('label', { htmlFor: `f-${name}` }, label), Object.assign(input, { id: `f-${name}`, name, required: true }));
const select = (options) => h('select', {}, ...options.map((o) => h('option', { value: o }, o)));

async function act(kind, path, fields, toBody) {
  const values = await ask(kind, fields);
  if (!values) return;
  try {
    await api(path, toBody(values));
  } catch (e) {
    alert(e.message);
  }
  route();
}

async function showDetail(id) {
  const d = await api(`/requests/${id}`);
  const r = d.request;
  $('detail-id').textContent = r.id;
  $('detail-summary').replaceChildren(...[[T[lang].cols.type, r.type], [T[lang].cols.status, r.status], [T[lang].cols.due, r.dueDate ?? '—'], [T[lang].cols.left, countdown(r)]].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const open = ['verified', 'in_progress', 'awaiting_manual'].includes(r.status);
  $('request-actions').replaceChildren(
    ...(open
      ? [
          h('button', { type: 'button', onclick: () => act('extend', `/requests/${id}/extend`, [field('reason', T[lang].reason, h('textarea', { rows: 3, minLength: 3 }))], (v) => ({ reason: v.reason })) }, T[lang].act.extend),
          h('button', { type: 'button', className: 'danger', onclick: () => act('deny', `/requests/${id}/deny`, [field('reason', T[lang].reason, select(['identity_not_verified', 'manifestly_unfounded', 'excessive']))], (v) => ({ reason: v.reason })) }, T[lang].act.deny),
          h('button', { type: 'button', className: 'secondary', onclick: () => act('cancel', `/requests/${id}/cancel`, [field('reason', T[lang].reason, select(['withdrawn_by_requester', 'duplicate_request']))], (v) => ({ reason: v.reason })) }, T[lang].act.cancel),
        ]
      : []),
  );
  $('tasks').replaceChildren(
    table(['processor', 'category', 'action', 'status', ''], d.tasks.map((t) => ({
      cells: [
        t.processorId,
        t.category,
        t.action,
        h('span', { className: `badge ${['failed', 'timed_out'].includes(t.status) ? 'overdue' : ''}` }, t.status),
        h('span', { className: 'actions' },
          ['failed', 'timed_out', 'sent', 'in_progress', 'pending'].includes(t.status) && open
            ? h('button', { type: 'button', className: 'small', onclick: () => act('resolve', `/requests/${id}/tasks/${t.processorId}/resolve`, [field('outcome', T[lang].outcome, select(['completed', 'not_found', 'retained'])), field('note', T[lang].note, h('textarea', { rows: 3, minLength: 3 }))], (v) => ({ outcome: v.outcome, note: v.note })) }, `${T[lang].act.resolve} ${t.processorId}`)
            : null,
          ['failed', 'timed_out'].includes(t.status) && open ? h('button', { type: 'button', className: 'small secondary', onclick: () => act('retry', `/requests/${id}/tasks/${t.processorId}/retry`, [], () => ({})) }, T[lang].act.retry) : null),
      ],
    }))),
  );
  $('timeline').replaceChildren(...d.timeline.map((e) => h('li', {}, `${e.state ?? e.type} `, h('code', {}, e.at ?? ''))));
  $('audit').replaceChildren(...d.audit.map((e) => h('li', {}, `${e.action} — ${e.actor} `, h('code', {}, `${e.at} #${e.hash.slice(0, 10)}`))));
  show('detail');
}

function show(id) {
  for (const s of ['login', 'dashboard', 'detail']) $(s).hidden = s !== id;
  $('signout').hidden = id === 'login';
  $('who').hidden = id === 'login';
  $('who').textContent = id === 'login' ? '' : T[lang].signedInAs(username());
  $('app').focus();
}

/** The token is no longer good (expired, refused): back to the sign-in button. */
function forget() {
  token = null;
  sessionStorage.removeItem('lethe-token');
  show('login');
}

/** Ends the managed login session too, or the next sign-in would not ask for the password. */
function signOut() {
  forget();
  location.assign(`${auth.logoutEndpoint}?${new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri })}`);
}

function route() {
  if (!token) return show('login');
  const m = /^#\/requests\/(\w{26})$/.exec(location.hash);
  (m ? showDetail(m[1]) : showDashboard()).catch((e) => console.error(e));
}

function applyLang() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-c]')) el.textContent = T[lang][el.dataset.c];
  for (const b of document.querySelectorAll('.lang-switch button[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

$('signin').addEventListener('click', () => signIn().catch((e) => console.error(e)));
$('signout').addEventListener('click', signOut);
for (const b of document.querySelectorAll('.lang-switch button[data-lang]')) {
  b.addEventListener('click', () => {
    lang = b.dataset.lang;
    localStorage.setItem('lethe-lang', lang);
    applyLang();
    route();
  });
}
window.addEventListener('hashchange', route);
applyLang();
auth = await (await fetch('/config.json')).json();
try {
  await completeSignIn();
} catch (e) {
  console.error(e);
  $('login-error').textContent = T[lang].signInFailed;
  $('login-error').hidden = false;
}
route();

import type { Controller } from './controller.ts';
import { londonDate } from './deadline.ts';
import { ACCOUNTING, longDate, WARRANTY } from './holds.ts';
import type { Category, Language, ProcessorEntry, TransferSafeguard } from './model.ts';
import { howToComplain, ICO } from './notices.ts';
import type { StoredRequest } from './ports.ts';
import { csvLines, escapeHtml as esc } from './text.ts';

type Row = Record<string, unknown>;

/** What one processor sent for the export: named tables of flat records, or `unreadable` when its answer broke the shape. */
export type ProcessorExport = { processor: ProcessorEntry; tables: Record<string, Row[]>; unreadable?: boolean };

/** The version of data.json's layout (docs/export-package.md). */
export const EXPORT_FORMAT = 'lethe-export/1';

const count = (e: ProcessorExport) => Object.values(e.tables).reduce((n, t) => n + t.length, 0);

/** Flattens records into one CSV: a column per key seen, values JSON-encoded when not scalar. */
export function toCsv(records: unknown[]): string {
  const rows = records.map((r) => (r && typeof r === 'object' ? (r as Row) : { value: r }));
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return csvLines([cols, ...rows.map((r) => cols.map((c) => r[c]))]);
}

/** A record's key as a person reads it: `cookieId`, `cookie_id` → "Cookie id". */
export const columnName = (key: string) => {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Where a provider keeps the data, in words (the registry names AWS-style regions). */
const PLACES: Record<string, Record<Language, string>> = {
  'eu-west-1': { en: 'Ireland (EU)', fr: 'Irlande (UE)' },
  'eu-west-2': { en: 'London (United Kingdom)', fr: 'Londres (Royaume-Uni)' },
  'eu-west-3': { en: 'Paris (EU)', fr: 'Paris (UE)' },
  'eu-central-1': { en: 'Frankfurt, Germany (EU)', fr: 'Francfort, Allemagne (UE)' },
  'eu-north-1': { en: 'Stockholm, Sweden (EU)', fr: 'Stockholm, Suède (UE)' },
  'eu-south-1': { en: 'Milan, Italy (EU)', fr: 'Milan, Italie (UE)' },
  'us-east-1': { en: 'United States (Virginia)', fr: 'États-Unis (Virginie)' },
  'us-east-2': { en: 'United States (Ohio)', fr: 'États-Unis (Ohio)' },
  'us-west-1': { en: 'United States (California)', fr: 'États-Unis (Californie)' },
  'us-west-2': { en: 'United States (Oregon)', fr: 'États-Unis (Oregon)' },
  'ca-central-1': { en: 'Canada', fr: 'Canada' },
  'ap-southeast-2': { en: 'Sydney, Australia', fr: 'Sydney, Australie' },
};
export const placeOf = (region: string, lang: Language) => PLACES[region]?.[lang] ?? region;

/** The UK GDPR transfer mechanism (Art. 45–46 as the UK applies them), in words. */
const SAFEGUARD: Record<Language, Record<TransferSafeguard, string>> = {
  en: {
    none: 'no transfer: the data stays in the United Kingdom',
    adequacy: 'UK adequacy regulations',
    idta: 'International Data Transfer Agreement (IDTA)',
    uk_addendum: 'EU standard contractual clauses with the UK Addendum',
    uk_us_data_bridge: 'UK–US data bridge (the provider is certified)',
  },
  fr: {
    none: 'aucun transfert : les données restent au Royaume-Uni',
    adequacy: "règlement d’adéquation du Royaume-Uni",
    idta: 'accord de transfert international de données (IDTA)',
    uk_addendum: "clauses contractuelles types de l’UE avec l’avenant britannique (UK Addendum)",
    uk_us_data_bridge: 'passerelle de données Royaume-Uni – États-Unis (prestataire certifié)',
  },
};
const WHY: Record<Language, Record<Category, string>> = {
  en: { shop: 'to run your account and your orders, invoice you and answer your messages', payments: 'to take your payments', delivery: 'to deliver your orders', analytics: 'to measure our website and advertise', email: 'to send newsletters and review invitations', collections: 'to recover unpaid amounts', social: 'for social sign-in and sharing' },
  fr: { shop: 'pour gérer votre compte et vos commandes, vous facturer et répondre à vos messages', payments: 'pour encaisser vos paiements', delivery: 'pour livrer vos commandes', analytics: 'pour mesurer notre site et faire de la publicité', email: "pour envoyer la lettre d’information et les invitations à donner votre avis", collections: 'pour recouvrer les sommes impayées', social: 'pour la connexion et le partage via les réseaux sociaux' },
};

/** Where each holder's data came from (Art. 15(1)(g)), as the shop's policy says it collects it. */
const SOURCE: Record<Language, Record<Category, string>> = {
  en: {
    shop: 'from you: when you registered, ordered, filled in our forms or contacted us by phone, email or live chat',
    payments: 'from you, when you paid for an order on our website',
    delivery: 'from us: the name, address and phone number of your order',
    analytics: 'collected automatically when you used our website (IP address, device and event data, location)',
    email: 'from us: your email address if you subscribed to our newsletter, and your name, email address and order number for review invitations',
    collections: 'from us: your unpaid invoices and your contact details',
    social: 'from the social network you signed in or shared with, and from you',
  },
  fr: {
    shop: 'de vous : lors de votre inscription, de vos commandes, de nos formulaires ou de vos contacts par téléphone, e-mail ou chat en direct',
    payments: "de vous, lors du paiement d’une commande sur notre site",
    delivery: 'de nous : le nom, l’adresse et le téléphone de votre commande',
    analytics: 'recueillies automatiquement lors de votre utilisation de notre site (adresse IP, données de votre appareil et d’événements, localisation)',
    email: "de nous : votre adresse e-mail si vous êtes abonné à notre lettre d’information, et vos nom, adresse e-mail et numéro de commande pour les invitations à donner votre avis",
    collections: 'de nous : vos factures impayées et vos coordonnées',
    social: 'du réseau social avec lequel vous vous êtes connecté ou avez partagé, et de vous',
  },
};

/**
 * How long each holder keeps it (Art. 15(1)(d)): the policy's rule for everyone, then the two
 * retention exceptions of functions/core/holds.ts where that category holds the records concerned.
 */
function kept(category: Category, lang: Language): string {
  const parts =
    lang === 'fr'
      ? [
          'tant que vous êtes client, puis seulement aussi longtemps que la loi le demande',
          ACCOUNTING.includes(category) ? 'les documents de commande et de comptabilité jusqu’à sept ans après la fermeture de votre compte, pour notre obligation légale de tenir une comptabilité' : '',
          WARRANTY.includes(category) ? 'la preuve d’achat d’un produit garanti à vie sans limite de durée, pour honorer la garantie, sauf si vous avez demandé son effacement' : '',
        ]
      : [
          'while you are a customer, then only as long as the law requires',
          ACCOUNTING.includes(category) ? 'order and accounting records up to seven years after your account is closed, to meet our legal duty to keep accounting records' : '',
          WARRANTY.includes(category) ? 'the proof of purchase of a lifetime-warranty product with no end date, so the warranty can be honoured, unless you asked us to erase it' : '',
        ];
  return parts.filter(Boolean).join('; ');
}

/** Profiling (Art. 15(1)(h)): only the analytics and advertising providers build a profile, for advertising. */
const PROFILING: Record<Language, { yes: string; no: string }> = {
  en: { yes: 'Yes: your visits are used to build an advertising profile. You can object to it at any time. No decision with legal or similar effect on you is made from it.', no: 'No profiling.' },
  fr: { yes: 'Oui : vos visites servent à établir un profil publicitaire. Vous pouvez vous y opposer à tout moment. Aucune décision produisant des effets juridiques ou similaires à votre égard n’en est tirée.', no: 'Aucun profilage.' },
};

const TEXT = {
  en: {
    title: 'Your data at Offtek and its providers',
    intro: (id: string, day: string) => `This is the copy of your personal data you asked for (request ${id}), prepared on ${day}. First a summary of who holds what, then each holder's records. The same data is in data.json (for another service) and in one CSV file per table (for a spreadsheet).`,
    summary: 'Summary',
    who: 'Who holds it',
    where: 'Where',
    safeguard: 'Protection when it leaves the UK',
    why: 'Why',
    n: 'Records',
    none: 'no data about you',
    unreadable: 'answer unreadable: our team has been told',
    empty: 'No records.',
    source: 'Where it came from',
    keptFor: 'How long it is kept',
    profiling: 'Profiling',
    rights: 'Your rights',
    rightsIntro: 'You can ask us at any time, free of charge, to correct your data, to erase it, to restrict its use (we then only store it), to stop using it (including for direct marketing and profiling, which stops at once), and for another copy; data.json is the copy to move to another service.',
  },
  fr: {
    title: 'Vos données chez Offtek et ses prestataires',
    intro: (id: string, day: string) => `Voici la copie de vos données personnelles que vous avez demandée (demande ${id}), préparée le ${day}. D’abord un résumé de qui détient quoi, puis les enregistrements de chacun. Les mêmes données figurent dans data.json (pour un autre service) et dans un fichier CSV par tableau (pour un tableur).`,
    summary: 'Résumé',
    who: 'Qui les détient',
    where: 'Où',
    safeguard: 'Protection hors du Royaume-Uni',
    why: 'Pourquoi',
    n: 'Enregistrements',
    none: 'aucune donnée vous concernant',
    unreadable: 'réponse illisible : notre équipe en est informée',
    empty: 'Aucun enregistrement.',
    source: 'Provenance',
    keptFor: 'Durée de conservation',
    profiling: 'Profilage',
    rights: 'Vos droits',
    rightsIntro: "Vous pouvez à tout moment et gratuitement nous demander de corriger vos données, de les effacer, d’en limiter l’utilisation (nous ne faisons alors que les conserver), de cesser de les utiliser (y compris pour la prospection et le profilage, ce qui prend effet immédiatement), et une nouvelle copie ; data.json est la copie à transmettre à un autre service.",
  },
};

/**
 * How to make a request other than with the form: the controller's postal address, and a call only
 * where the shop has configured a number (the policy invites calls but gives none). Without the
 * controller's details, the form alone: "write or call us" with neither told the person nothing.
 */
function otherWays(lang: Language, c?: Controller): string {
  const form = lang === 'fr' ? 'Faites une demande avec notre formulaire de confidentialité' : 'Make a request with our privacy form';
  if (!c) return `${form}.`;
  const post = `${c.name}, ${[...c.address, c.country[lang]].join(', ')}`;
  const call = c.phone ? (lang === 'fr' ? `, appelez-nous au ${c.phone}` : `, call us on ${c.phone}`) : '';
  return lang === 'fr' ? `${form}${call}, ou écrivez-nous : ${post}.` : `${form}${call}, or write to us: ${post}.`;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}.scroll{overflow-x:auto}p{overflow-wrap:break-word}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}`;

function htmlTable(rows: Row[], empty: string): string {
  if (!rows.length) return `<p>${esc(empty)}</p>`;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => esc(v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return `<div class="scroll"><table><thead><tr>${cols.map((c) => `<th scope="col">${esc(columnName(c))}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c])}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A sentence as HTML, the web address in it a link (the shop's complaint form, the ICO's page), as the status page makes it one; the rest escaped as text. */
function linked(line: string, href: string): string {
  const at = line.indexOf(href);
  if (at < 0) return esc(line);
  return `${esc(line.slice(0, at))}<a href="${esc(href)}">${esc(href)}</a>${esc(line.slice(at + href.length))}`;
}

/**
 * The export package's files, in the requester's language: `index.html` (a summary of who holds
 * what, where, under which safeguard and why, then a table per holder with readable column names),
 * `data.json` (everything, in the documented layout EXPORT_FORMAT), and one CSV per table with a
 * header row. The shop's own systems are a holder like the others (category `shop`, its registry entry
 * first), their account, orders, invoices and correspondence sent by their signed callback.
 */
export function exportFiles(req: StoredRequest, exports: readonly ProcessorExport[], generatedAt: string, complaintForm?: string, controller?: Controller): Record<string, string> {
  const lang = req.language;
  const t = TEXT[lang];
  const data = {
    format: EXPORT_FORMAT,
    request: { id: req.id, type: req.type, receivedAt: req.receivedAt, verifiedAt: req.verifiedAt, generatedAt },
    processors: exports.map((e) => ({
      id: e.processor.id,
      name: e.processor.name,
      category: e.processor.category,
      region: e.processor.region,
      transferSafeguard: e.processor.transferSafeguard,
      tables: e.tables,
      ...(e.unreadable ? { unreadable: true } : {}),
    })),
  };
  const files: Record<string, string> = { 'data.json': `${JSON.stringify(data, null, 2)}\n` };
  // One CSV per table with rows (`shop-orders.csv`, `payments.csv`, `payments-orders.csv`), a column naming the provider.
  const csv = new Map<string, unknown[]>();
  for (const e of exports) {
    for (const [table, records] of Object.entries(e.tables)) {
      if (!records.length) continue;
      const name = table === 'records' ? e.processor.category : `${e.processor.category}-${table}`;
      // The provider's column names the provider: a record's own `processor` (a card processor, say) is kept beside it, not over it.
      csv.set(name, [...(csv.get(name) ?? []), ...records.map(({ processor: own, ...r }) => ({ processor: e.processor.id, ...(own === undefined ? {} : { record_processor: own }), ...r }))]);
    }
  }
  for (const [name, records] of csv) files[`${name}.csv`] = toCsv(records);

  const summary = [
    ...exports.map(
      (e) =>
        `<tr><th scope="row">${esc(e.processor.name)}</th><td>${esc(placeOf(e.processor.region, lang))}</td><td>${esc(SAFEGUARD[lang][e.processor.transferSafeguard])}</td><td>${esc(WHY[lang][e.processor.category])}</td><td>${e.unreadable ? esc(t.unreadable) : count(e) || esc(t.none)}</td></tr>`,
    ),
  ].join('\n');
  const sections = [
    ...exports.map((e) => {
      const tables = Object.entries(e.tables);
      const body = e.unreadable ? `<p>${esc(t.unreadable)}</p>` : !count(e) ? `<p>${esc(t.none)}</p>` : tables.map(([name, rows]) => `${name === 'records' ? '' : `<h3>${esc(columnName(name))}</h3>`}${htmlTable(rows, t.empty)}`).join('\n');
      const c = e.processor.category;
      const about = [
        [t.why, WHY[lang][c]],
        [t.where, placeOf(e.processor.region, lang)],
        [t.source, SOURCE[lang][c]],
        [t.keptFor, kept(c, lang)],
        [t.profiling, c === 'analytics' ? PROFILING[lang].yes : PROFILING[lang].no],
      ];
      return `<h2>${esc(e.processor.name)}</h2><dl>${about.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>${body}`;
    }),
  ].join('\n');
  // The rights and how to complain (Art. 15(1)(e)-(f)): the shop's form first, then the ICO and the court.
  const complain = howToComplain(lang, complaintForm);
  files['index.html'] = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(t.title)}</title><style>${STYLE}</style></head><body><main>
<h1>${esc(t.title)}</h1><p>${esc(t.intro(req.id, longDate(londonDate(generatedAt), lang)))}</p>
<h2>${esc(t.summary)}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${esc(t.who)}</th><th scope="col">${esc(t.where)}</th><th scope="col">${esc(t.safeguard)}</th><th scope="col">${esc(t.why)}</th><th scope="col">${esc(t.n)}</th></tr></thead><tbody>
${summary}
</tbody></table></div>
${sections}
<h2>${esc(t.rights)}</h2><p>${esc(`${t.rightsIntro} ${otherWays(lang, controller)}`)}</p>
${[complaintForm ? linked(complain.us, complaintForm) : esc(complain.us), linked(complain.ico, ICO.web), esc(complain.court)].map((line) => `<p>${line}</p>`).join('\n')}
</main></body></html>
`;
  return files;
}

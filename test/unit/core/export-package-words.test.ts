import { describe, expect, it } from 'vitest';
import { type ProcessorExport, exportFiles, placeOf } from '../../../functions/core/export-package.ts';
import type { Category, Language, TransferSafeguard } from '../../../functions/core/model.ts';
import { howToComplain, ICO } from '../../../functions/core/notices.ts';
import { escapeHtml } from '../../../functions/core/text.ts';
import { processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

/**
 * The export package's words, written out in both languages: what the copy tells the person about
 * each holder (Art. 15(1)-(2)) is its point, so every sentence is checked as the person reads it.
 */
const AT = '2026-03-20T12:00:00.000Z';
/** The controller as config/controller.json gives it, without a telephone number. */
const CONTROLLER = { name: 'Offtek', companyNumber: '03148866', address: ['Claremont House', 'Broad Lane', 'Tanworth in Arden', 'B94 5DY'], country: { en: 'United Kingdom', fr: 'Royaume-Uni' } };
const text = (html: string) => html.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
const page = (lang: Language, exports: ProcessorExport[], form?: string) => text(exportFiles(storedRequest({ type: 'access', language: lang }), exports, AT, form)['index.html']);

/** Each holder's section: its name, then its `<dl>` as pairs, then what follows up to the next heading. */
const sections = (html: string) =>
  [...html.matchAll(/<h2>([^<]+)<\/h2><dl>(.*?)<\/dl>(.*?)(?=\n<h2>)/gs)].map(([, name, dl, body]) => ({
    name,
    about: Object.fromEntries([...dl.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => [m[1], m[2]])),
    body,
  }));
const summaryRows = (html: string) => [...html.matchAll(/<tr><th scope="row">([^<]+)<\/th><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><\/tr>/g)].map((m) => m.slice(1));

const CATEGORIES: Category[] = ['shop', 'payments', 'delivery', 'analytics', 'email', 'collections', 'social'];
const oneOfEach = CATEGORIES.map((category) => ({ processor: processor({ id: category, name: `Holder ${category}`, category }), tables: { records: [{ id: 1 }] } }));

const EN_BASE = 'while you are a customer, then only as long as the law requires';
const EN_ACCOUNTING = 'order and accounting records up to seven years after your account is closed, to meet our legal duty to keep accounting records';
const EN_WARRANTY = 'the proof of purchase of a lifetime-warranty product with no end date, so the warranty can be honoured, unless you asked us to erase it';
const FR_BASE = 'tant que vous êtes client, puis seulement aussi longtemps que la loi le demande';
const FR_ACCOUNTING = 'les documents de commande et de comptabilité jusqu’à sept ans après la fermeture de votre compte, pour notre obligation légale de tenir une comptabilité';
const FR_WARRANTY = 'la preuve d’achat d’un produit garanti à vie sans limite de durée, pour honorer la garantie, sauf si vous avez demandé son effacement';
const EN_PROFILED = 'Yes: your visits are used to build an advertising profile. You can object to it at any time. No decision with legal or similar effect on you is made from it.';
const FR_PROFILED = 'Oui : vos visites servent à établir un profil publicitaire. Vous pouvez vous y opposer à tout moment. Aucune décision produisant des effets juridiques ou similaires à votre égard n’en est tirée.';

describe('the export package’s words', () => {
  it('names each region the registry may give in words, in English and in French, and any other by its code', () => {
    const places: [string, string, string][] = [
      ['eu-west-1', 'Ireland (EU)', 'Irlande (UE)'],
      ['eu-west-2', 'London (United Kingdom)', 'Londres (Royaume-Uni)'],
      ['eu-west-3', 'Paris (EU)', 'Paris (UE)'],
      ['eu-central-1', 'Frankfurt, Germany (EU)', 'Francfort, Allemagne (UE)'],
      ['eu-north-1', 'Stockholm, Sweden (EU)', 'Stockholm, Suède (UE)'],
      ['eu-south-1', 'Milan, Italy (EU)', 'Milan, Italie (UE)'],
      ['us-east-1', 'United States (Virginia)', 'États-Unis (Virginie)'],
      ['us-east-2', 'United States (Ohio)', 'États-Unis (Ohio)'],
      ['us-west-1', 'United States (California)', 'États-Unis (Californie)'],
      ['us-west-2', 'United States (Oregon)', 'États-Unis (Oregon)'],
      ['ca-central-1', 'Canada', 'Canada'],
      ['ap-southeast-2', 'Sydney, Australia', 'Sydney, Australie'],
      ['af-south-1', 'af-south-1', 'af-south-1'],
    ];
    expect(places.map(([region]) => [region, placeOf(region, 'en'), placeOf(region, 'fr')])).toEqual(places);
  });

  it('states each UK transfer safeguard in the summary, in English and in French', () => {
    const safeguards: TransferSafeguard[] = ['none', 'adequacy', 'idta', 'uk_addendum', 'uk_us_data_bridge'];
    const exports = safeguards.map((s) => ({ processor: processor({ id: s, name: `Holder ${s}`, category: 'payments', transferSafeguard: s }), tables: { records: [{ id: 1 }] } }));
    expect(summaryRows(page('en', exports)).map((r) => r[2])).toEqual([
      'no transfer: the data stays in the United Kingdom',
      'UK adequacy regulations',
      'International Data Transfer Agreement (IDTA)',
      'EU standard contractual clauses with the UK Addendum',
      'UK–US data bridge (the provider is certified)',
    ]);
    expect(summaryRows(page('fr', exports)).map((r) => r[2])).toEqual([
      'aucun transfert : les données restent au Royaume-Uni',
      "règlement d’adéquation du Royaume-Uni",
      'accord de transfert international de données (IDTA)',
      "clauses contractuelles types de l’UE avec l’avenant britannique (UK Addendum)",
      'passerelle de données Royaume-Uni – États-Unis (prestataire certifié)',
    ]);
  });

  it('tells, in English, why each category of holder has the data, where it came from, how long it is kept and whether it profiles', () => {
    const about = sections(page('en', oneOfEach)).map((s) => [s.name, s.about]);
    const entry = (why: string, source: string, kept: string[], profiling = 'No profiling.') => ({
      Why: why,
      Where: 'London (United Kingdom)',
      'Where it came from': source,
      'How long it is kept': [EN_BASE, ...kept].join('; '),
      Profiling: profiling,
    });
    expect(about).toEqual([
      ['Holder shop', entry('to run your account and your orders, invoice you and answer your messages', 'from you: when you registered, ordered, filled in our forms or contacted us by phone, email or live chat', [EN_ACCOUNTING, EN_WARRANTY])],
      ['Holder payments', entry('to take your payments', 'from you, when you paid for an order on our website', [EN_ACCOUNTING, EN_WARRANTY])],
      ['Holder delivery', entry('to deliver your orders', 'from us: the name, address and phone number of your order', [EN_WARRANTY])],
      ['Holder analytics', entry('to measure our website and advertise', 'collected automatically when you used our website (IP address, device and event data, location)', [], EN_PROFILED)],
      ['Holder email', entry('to send newsletters and review invitations', 'from us: your email address if you subscribed to our newsletter, and your name, email address and order number for review invitations', [])],
      ['Holder collections', entry('to recover unpaid amounts', 'from us: your unpaid invoices and your contact details', [EN_ACCOUNTING])],
      ['Holder social', entry('for social sign-in and sharing', 'from the social network you signed in or shared with, and from you', [])],
    ]);
  });

  it('tells the same in French', () => {
    const about = sections(page('fr', oneOfEach)).map((s) => [s.name, s.about]);
    const entry = (why: string, source: string, kept: string[], profiling = 'Aucun profilage.') => ({
      Pourquoi: why,
      Où: 'Londres (Royaume-Uni)',
      Provenance: source,
      'Durée de conservation': [FR_BASE, ...kept].join('; '),
      Profilage: profiling,
    });
    expect(about).toEqual([
      ['Holder shop', entry('pour gérer votre compte et vos commandes, vous facturer et répondre à vos messages', 'de vous : lors de votre inscription, de vos commandes, de nos formulaires ou de vos contacts par téléphone, e-mail ou chat en direct', [FR_ACCOUNTING, FR_WARRANTY])],
      ['Holder payments', entry('pour encaisser vos paiements', "de vous, lors du paiement d’une commande sur notre site", [FR_ACCOUNTING, FR_WARRANTY])],
      ['Holder delivery', entry('pour livrer vos commandes', 'de nous : le nom, l’adresse et le téléphone de votre commande', [FR_WARRANTY])],
      ['Holder analytics', entry('pour mesurer notre site et faire de la publicité', 'recueillies automatiquement lors de votre utilisation de notre site (adresse IP, données de votre appareil et d’événements, localisation)', [], FR_PROFILED)],
      ['Holder email', entry("pour envoyer la lettre d’information et les invitations à donner votre avis", "de nous : votre adresse e-mail si vous êtes abonné à notre lettre d’information, et vos nom, adresse e-mail et numéro de commande pour les invitations à donner votre avis", [])],
      ['Holder collections', entry('pour recouvrer les sommes impayées', 'de nous : vos factures impayées et vos coordonnées', [FR_ACCOUNTING])],
      ['Holder social', entry('pour la connexion et le partage via les réseaux sociaux', 'du réseau social avec lequel vous vous êtes connecté ou avez partagé, et de vous', [])],
    ]);
  });

  it('titles the page, dates it and heads the summary in each language', () => {
    const en = page('en', oneOfEach.slice(0, 1));
    expect(en).toContain('<title>Your data at Offtek and its providers</title>');
    expect(en).toContain(
      `<h1>Your data at Offtek and its providers</h1><p>This is the copy of your personal data you asked for (request ${REQUEST_ID}), prepared on 20 March 2026. First a summary of who holds what, then each holder's records. The same data is in data.json (for another service) and in one CSV file per table (for a spreadsheet).</p>`,
    );
    expect(en).toContain('<h2>Summary</h2>');
    expect(en).toContain('<th scope="col">Who holds it</th><th scope="col">Where</th><th scope="col">Protection when it leaves the UK</th><th scope="col">Why</th><th scope="col">Records</th>');
    const fr = page('fr', oneOfEach.slice(0, 1));
    expect(fr).toContain('<title>Vos données chez Offtek et ses prestataires</title>');
    expect(fr).toContain(
      `<h1>Vos données chez Offtek et ses prestataires</h1><p>Voici la copie de vos données personnelles que vous avez demandée (demande ${REQUEST_ID}), préparée le 20 mars 2026. D’abord un résumé de qui détient quoi, puis les enregistrements de chacun. Les mêmes données figurent dans data.json (pour un autre service) et dans un fichier CSV par tableau (pour un tableur).</p>`,
    );
    expect(fr).toContain('<h2>Résumé</h2>');
    expect(fr).toContain('<th scope="col">Qui les détient</th><th scope="col">Où</th><th scope="col">Protection hors du Royaume-Uni</th><th scope="col">Pourquoi</th><th scope="col">Enregistrements</th>');
  });

  it('ends with the person’s rights and how to complain, the shop’s form first, without repeating the complaint section’s title', () => {
    const form = 'https://privacy.shop.example/complaint.html?ref=X&lang=fr';
    const fr = page('fr', [], form);
    const ending = fr.slice(fr.indexOf('<h2>Vos droits</h2>'), fr.indexOf('</main>'));
    expect(ending).toBe(
      [
        "<h2>Vos droits</h2><p>Vous pouvez à tout moment et gratuitement nous demander de corriger vos données, de les effacer, d’en limiter l’utilisation (nous ne faisons alors que les conserver), de cesser de les utiliser (y compris pour la prospection et le profilage, ce qui prend effet immédiatement), et une nouvelle copie ; data.json est la copie à transmettre à un autre service. Faites une demande avec notre formulaire de confidentialité.</p>",
        `<p>Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation avec notre formulaire : <a href="${form}">${form}</a> (ou en répondant à l’un de nos e-mails concernant cette demande).</p>`,
        '<p>Vous avez le droit de déposer une plainte auprès de l’autorité de contrôle du Royaume-Uni, l’Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, <a href="https://ico.org.uk/make-a-complaint">https://ico.org.uk/make-a-complaint</a>.</p>',
        '<p>Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.</p>',
        '',
      ].join('\n'),
    );
    expect(page('en', [])).toContain(
      '<h2>Your rights</h2><p>You can ask us at any time, free of charge, to correct your data, to erase it, to restrict its use (we then only store it), to stop using it (including for direct marketing and profiling, which stops at once), and for another copy; data.json is the copy to move to another service. Make a request with our privacy form.</p>',
    );
  });

  it.each([
    ['en', 'prepared on 2 July 2026.'],
    ['fr', 'préparée le 2 juillet 2026.'],
  ] as const)('dates the copy in words, on the London day it was made, as the requester’s other pages date things (%s)', (lang, words) => {
    // 00:30 in London on 2 July is still 1 July in UTC.
    const html = text(exportFiles(storedRequest({ type: 'access', language: lang }), [], '2026-07-01T23:30:00.000Z')['index.html']);
    expect(html).toContain(words);
  });

  it.each([
    ['en', undefined, 'Make a request with our privacy form.'],
    ['en', 'none', 'Make a request with our privacy form, or write to us: Offtek, Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, United Kingdom.'],
    ['en', '+44 121 496 0000', 'Make a request with our privacy form, call us on +44 121 496 0000, or write to us: Offtek, Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, United Kingdom.'],
    ['fr', undefined, 'Faites une demande avec notre formulaire de confidentialité.'],
    ['fr', 'none', 'Faites une demande avec notre formulaire de confidentialité, ou écrivez-nous : Offtek, Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni.'],
    ['fr', '+44 121 496 0000', 'Faites une demande avec notre formulaire de confidentialité, appelez-nous au +44 121 496 0000, ou écrivez-nous : Offtek, Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni.'],
  ] as const)('says where to write to the shop, and offers a call only with a number to call (%s, phone %s)', (lang, phone, ways) => {
    // Until November 28, 2026 the copy said "write or call us" with neither an address nor a number anywhere in it.
    const controller = phone === undefined ? undefined : { ...CONTROLLER, ...(phone === 'none' ? {} : { phone }) };
    const html = text(exportFiles(storedRequest({ type: 'access', language: lang }), [], AT, undefined, controller)['index.html']);
    const rights = html.slice(html.indexOf(lang === 'fr' ? '<h2>Vos droits</h2>' : '<h2>Your rights</h2>'));
    expect(rights.slice(0, rights.indexOf('</p>'))).toMatch(new RegExp(`service\\. ${ways.replace(/[.+]/g, '\\$&')}$`));
  });

  it('links the ICO’s complaint page in each language, the address escaped and the sentence around it kept as text', () => {
    for (const lang of ['en', 'fr'] as const) {
      const html = exportFiles(storedRequest({ type: 'access', language: lang }), [], AT)['index.html'];
      const ending = html.slice(html.indexOf('</table></div>'));
      // The one link of the ending, its text the address it goes to, as the status page shows it.
      expect([...ending.matchAll(/<a [^>]*>[^<]*<\/a>/g)].map((m) => m[0]), lang).toEqual([`<a href="${ICO.web}">${ICO.web}</a>`]);
      const line = ending.split('\n').find((l) => l.includes('<a '));
      expect(line?.replace(/<a [^>]*>([^<]*)<\/a>/, '$1'), lang).toBe(`<p>${escapeHtml(howToComplain(lang).ico)}</p>`);
    }
  });

  it('links the shop’s own complaint form, where there is one, before the ICO’s page, in each language', () => {
    const form = 'https://privacy.example.com/complaint.html?ref=R1&lang=x';
    for (const lang of ['en', 'fr'] as const) {
      const html = exportFiles(storedRequest({ type: 'access', language: lang }), [], AT, form)['index.html'];
      const ending = html.slice(html.indexOf('</table></div>'));
      expect([...ending.matchAll(/<a href="([^"]*)">/g)].map((m) => m[1]), lang).toEqual([escapeHtml(form), ICO.web]);
      const line = ending.split('\n').find((l) => l.includes(escapeHtml(form)));
      expect(line?.replace(/<a [^>]*>([^<]*)<\/a>/, '$1'), lang).toBe(`<p>${escapeHtml(howToComplain(lang, form).us)}</p>`);
    }
  });

  it('says in French when a holder has nothing, could not be read, or has an empty table', () => {
    const paynow = processor({ id: 'paynow', name: 'PayNow', category: 'payments' });
    const html = page('fr', [
      { processor: paynow, tables: { records: [] } },
      { processor: { ...paynow, name: 'Illisible' }, tables: {}, unreadable: true },
      { processor: { ...paynow, name: 'Deux tables' }, tables: { orders: [{ id: 1 }], refunds: [] } },
    ]);
    expect(summaryRows(html).map((r) => [r[0], r[4]])).toEqual([
      ['PayNow', 'aucune donnée vous concernant'],
      ['Illisible', 'réponse illisible : notre équipe en est informée'],
      ['Deux tables', '1'],
    ]);
    expect(sections(html).map((s) => [s.name, s.body])).toEqual([
      ['PayNow', '<p>aucune donnée vous concernant</p>'],
      ['Illisible', '<p>réponse illisible : notre équipe en est informée</p>'],
      [
        'Deux tables',
        '<h3>Orders</h3><div class="scroll"><table><thead><tr><th scope="col">Id</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table></div>\n<h3>Refunds</h3><p>Aucun enregistrement.</p>',
      ],
    ]);
    expect(page('en', [{ processor: paynow, tables: { orders: [{ id: 1 }], refunds: [] } }])).toContain('<h3>Refunds</h3><p>No records.</p>');
  });

  it('shows a missing or null value as an empty cell, a nested one as JSON, and names each column in words', () => {
    const paynow = processor({ id: 'paynow', name: 'PayNow', category: 'payments' });
    const html = page('en', [{ processor: paynow, tables: { records: [{ order__number: 'OT-1', card: { last4: '4242' }, paid: true, refund_due: null }, { order__number: 'OT-2', 'gift-wrap': 0 }] } }]);
    const table = html.slice(html.indexOf('<h2>PayNow</h2>'));
    expect(table).toContain(
      '<thead><tr><th scope="col">Order number</th><th scope="col">Card</th><th scope="col">Paid</th><th scope="col">Refund due</th><th scope="col">Gift wrap</th></tr></thead><tbody><tr><td>OT-1</td><td>{"last4":"4242"}</td><td>true</td><td></td><td></td></tr><tr><td>OT-2</td><td></td><td></td><td></td><td>0</td></tr></tbody>',
    );
  });
});

import type { Category, Language, ProcessorEntry } from './model.ts';
import type { StoredRequest } from './ports.ts';
import { csvLines, escapeHtml as esc } from './text.ts';

export type ProcessorExport = { processor: ProcessorEntry; records: unknown[] };

/** Flattens records into one CSV: a column per key seen, values JSON-encoded when not scalar. */
export function toCsv(records: unknown[]): string {
  const rows = records.map((r) => (r && typeof r === 'object' ? (r as Record<string, unknown>) : { value: r }));
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return csvLines([cols, ...rows.map((r) => cols.map((c) => r[c]))]);
}

const SAFEGUARD: Record<Language, Record<string, string>> = {
  en: { adequacy: 'adequacy decision', sccs: 'standard contractual clauses', none: 'none' },
  fr: { adequacy: "décision d'adéquation", sccs: 'clauses contractuelles types', none: 'aucune' },
};
const WHY: Record<Language, Record<Category, string>> = {
  en: { payments: 'to take your payments', delivery: 'to deliver your orders', analytics: 'to measure our website and advertise', email: 'to send newsletters and review invitations', collections: 'to recover unpaid amounts', social: 'for social sign-in and sharing' },
  fr: { payments: 'pour encaisser vos paiements', delivery: 'pour livrer vos commandes', analytics: 'pour mesurer notre site et faire de la publicité', email: "pour envoyer la lettre d'information et les invitations à donner votre avis", collections: 'pour recouvrer les sommes impayées', social: 'pour la connexion et le partage via les réseaux sociaux' },
};

/**
 * The export package's files: everything as JSON, one CSV per category, and a readable report in
 * the requester's language saying who holds what, where, under which safeguard, and why.
 */
export function exportFiles(req: StoredRequest, exports: readonly ProcessorExport[], generatedAt: string): Record<string, string> {
  const lang = req.language;
  const data = {
    request: { id: req.id, type: req.type, receivedAt: req.receivedAt, verifiedAt: req.verifiedAt, generatedAt },
    processors: exports.map((e) => ({ id: e.processor.id, name: e.processor.name, category: e.processor.category, region: e.processor.region, transferSafeguard: e.processor.transferSafeguard, records: e.records })),
  };
  const files: Record<string, string> = { 'data.json': `${JSON.stringify(data, null, 2)}\n` };
  const byCategory = new Map<Category, unknown[]>();
  for (const e of exports) byCategory.set(e.processor.category, [...(byCategory.get(e.processor.category) ?? []), ...e.records.map((r) => ({ processor: e.processor.id, ...(r as object) }))]);
  for (const [category, records] of byCategory) files[`${category}.csv`] = toCsv(records);
  const t = lang === 'fr'
    ? { title: 'Vos données chez Offtek et ses prestataires', intro: `Demande ${req.id}, préparée le ${generatedAt.slice(0, 10)}.`, who: 'Prestataire', where: 'Où', safeguard: 'Garantie de transfert', why: 'Pourquoi', n: 'Enregistrements', none: 'aucune donnée' }
    : { title: 'Your data at Offtek and its providers', intro: `Request ${req.id}, prepared on ${generatedAt.slice(0, 10)}.`, who: 'Provider', where: 'Where', safeguard: 'Transfer safeguard', why: 'Why', n: 'Records', none: 'no data' };
  const rows = exports
    .map((e) => `<tr><td>${esc(e.processor.name)}</td><td>${esc(e.processor.region)}</td><td>${esc(SAFEGUARD[lang][e.processor.transferSafeguard])}</td><td>${esc(WHY[lang][e.processor.category])}</td><td>${e.records.length || esc(t.none)}</td></tr>`)
    .join('\n');
  files['index.html'] = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${esc(t.title)}</title></head><body>
<h1>${esc(t.title)}</h1><p>${esc(t.intro)}</p>
<table border="1" cellpadding="6"><thead><tr><th>${t.who}</th><th>${t.where}</th><th>${t.safeguard}</th><th>${t.why}</th><th>${t.n}</th></tr></thead><tbody>
${rows}
</tbody></table>
${exports.map((e) => `<h2>${esc(e.processor.name)}</h2><pre>${esc(JSON.stringify(e.records, null, 2))}</pre>`).join('\n')}
</body></html>
`;
  return files;
}

import type { Category, Language, LegalHold } from './model.ts';

/**
 * Art. 17(3) retention exceptions from the shop's policy, as typed holds:
 * - accounting: order and accounting records are kept up to 7 years after the account closes
 *   (legal obligation); payments and collections hold those records.
 * - lifetime_warranty: purchase records of lifetime-warranty products are kept indefinitely so a
 *   claim can be honoured, unless the requester explicitly asks to erase them too. Payments and
 *   delivery hold the proof of purchase.
 */
const ACCOUNTING: readonly Category[] = ['payments', 'collections'];
const WARRANTY: readonly Category[] = ['payments', 'delivery'];

export function accountingUntil(accountClosedOn: string | null): string | null {
  if (!accountClosedOn) return null;
  const [y, m, d] = accountClosedOn.split('-').map(Number);
  const last = new Date(Date.UTC(y + 7, m, 0)).getUTCDate(); // 29 Feb → 28 Feb
  return `${y + 7}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

export function holdsFor(category: Category, o: { eraseWarranty: boolean; accountClosedOn: string | null }): LegalHold[] {
  const holds: LegalHold[] = [];
  if (ACCOUNTING.includes(category)) {
    holds.push({ basis: 'accounting', until: accountingUntil(o.accountClosedOn), rule: 'account_closure_plus_7_years' });
  }
  if (WARRANTY.includes(category) && !o.eraseWarranty) {
    holds.push({ basis: 'lifetime_warranty', until: null, rule: 'indefinite' });
  }
  return holds;
}

/** A date as people write it, in the requester's language: "15 March 2031", "15 mars 2031". */
export const longDate = (date: string, lang: Language) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/** One plain sentence per hold, for the outcome email and the status page. */
export function describeHold(hold: Pick<LegalHold, 'basis' | 'until'>, lang: Language): string {
  if (hold.basis === 'accounting') {
    if (lang === 'fr') {
      return hold.until
        ? `Nous conservons vos commandes et factures jusqu'au ${longDate(hold.until, lang)}, car la loi nous oblige à garder les documents comptables 7 ans après la fermeture d'un compte.`
        : `Nous conservons vos commandes et factures tant que votre compte est ouvert, puis 7 ans après sa fermeture, car la loi nous oblige à garder les documents comptables.`;
    }
    return hold.until
      ? `We keep your order and invoice records until ${longDate(hold.until, lang)}, because the law requires us to keep accounting records for 7 years after an account is closed.`
      : 'We keep your order and invoice records while your account is open and for 7 years after it closes, because the law requires us to keep accounting records.';
  }
  return lang === 'fr'
    ? 'Nous conservons la preuve d’achat de vos produits garantis à vie, pour pouvoir honorer la garantie.'
    : 'We keep the proof of purchase of your lifetime-warranty products, so that we can honour the warranty.';
}

export const warrantyWarning = (lang: Language) =>
  lang === 'fr'
    ? 'Comme vous l’avez demandé, nous avons aussi effacé vos achats garantis à vie : nous ne pourrons plus honorer de réclamation au titre de cette garantie.'
    : 'As you asked, we also erased your lifetime-warranty purchase records: we can no longer honour warranty claims for those products.';

import type { Issue } from './errors.ts';
import type { Category, Language, LegalHold, RequestDetails, RetentionBasis } from './model.ts';

/**
 * Art. 17(3) retention exceptions from the shop's policy, as typed holds, sent only where something
 * is owed (the shop's directory says what the person bought, docs/customer-directory.md):
 * - accounting: the shop's policy keeps order and accounting records up to 7 years after the account
 *   closes, to meet its legal duty to keep accounting records. Only for someone with such records;
 *   an erasure closes an open account, so the 7 years then run from the erasure. The shop's own
 *   systems, payments and collections hold them. A hold whose until-date has passed is not sent.
 * - lifetime_warranty: purchase records of lifetime-warranty products are kept indefinitely so a
 *   claim can be honoured, only for someone who bought one and did not ask to erase them too. The
 *   shop's own systems, payments and delivery hold the proof of purchase.
 */
export const ACCOUNTING: readonly Category[] = ['shop', 'payments', 'collections'];
export const WARRANTY: readonly Category[] = ['shop', 'payments', 'delivery'];

/** What the shop's directory says of the person that a hold depends on; undefined when it has no record of them. */
export type HoldFacts = { closedOn: string | null; accountingRecords: boolean; lifetimeWarranty: boolean };

export function accountingUntil(accountClosedOn: string | null): string | null {
  if (!accountClosedOn) return null;
  const [y, m, d] = accountClosedOn.split('-').map(Number);
  const last = new Date(Date.UTC(y + 7, m, 0)).getUTCDate(); // 29 Feb → 28 Feb
  return `${y + 7}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** `today` is the London date the erasure is planned on: it closes an open account, and an accounting hold that ended before it is not sent. */
export function holdsFor(category: Category, o: { eraseWarranty: boolean; customer: HoldFacts | undefined; today: string }): LegalHold[] {
  const holds: LegalHold[] = [];
  const until = accountingUntil(o.customer?.closedOn ?? o.today);
  if (ACCOUNTING.includes(category) && o.customer?.accountingRecords && !(until && until < o.today)) {
    holds.push({ basis: 'accounting', until, rule: 'account_closure_plus_7_years' });
  }
  if (WARRANTY.includes(category) && o.customer?.lifetimeWarranty && !o.eraseWarranty) {
    holds.push({ basis: 'lifetime_warranty', until: null, rule: 'indefinite' });
  }
  return holds;
}

/**
 * The policy keeps lifetime-warranty purchase records "unless you ask us to delete them": once the
 * requester has ticked that, nothing may be kept for the warranty, whoever says so (a processor's
 * `retained`, an officer's resolution), or they would be told both that the records were erased
 * and that they were kept at their choice.
 */
export const WARRANTY_ERASED = 'the requester asked to erase their lifetime-warranty purchase records too: they cannot be kept for the warranty';
export const keptAgainstWarrantyChoice = (details: Pick<RequestDetails, 'eraseWarranty'>, basis: RetentionBasis) => details.eraseWarranty && basis === 'lifetime_warranty';

/** A hold a processor's `retained` names: where in its body, on what basis, until when. */
export type KeptHold = { path: string; basis: RetentionBasis; until: string | null };

/**
 * What a processor's `retained` keeps beyond the holds its task was sent (Art. 17(3) keeps only
 * what an exception owes): a basis Lethe did not send, an end after the hold's (or none where the
 * hold has one), or an end already past (the hold is over: the records go). Each would tell the
 * requester the policy keeps what it does not ("until 31 December 2099", the warranty to someone
 * who bought none). An end before the hold's is taken: keeping less is allowed.
 */
export function keptBeyondHolds(sent: readonly LegalHold[], kept: readonly KeptHold[], today: string): (Issue & { basis: RetentionBasis })[] {
  return kept.flatMap(({ path, basis, until }) => {
    const hold = sent.find((h) => h.basis === basis);
    const untilPath = path.replace('legal_basis', 'retained_until');
    const message = !hold
      ? [path, `no ${basis} hold was sent with this task: its records are to be erased`]
      : until !== null && until < today
        ? [untilPath, 'a day already past: records whose hold has ended are to be erased']
        : hold.until !== null && (until === null || until > hold.until)
          ? [untilPath, `the ${basis} hold sent with this task ends on ${hold.until}`]
          : undefined;
    return message ? [{ path: message[0], message: message[1], basis }] : [];
  });
}

/** A date as people write it, in the requester's language: "15 March 2031", "15 mars 2031", and "1er mars 2031", as French writes the first of a month (Intl gives "1 mars"). */
export const longDate = (date: string, lang: Language) => {
  const words = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
  return lang === 'fr' ? words.replace(/^1 /, '1er ') : words;
};

/** One plain sentence per hold, for the outcome email and the status page. */
export function describeHold(hold: Pick<LegalHold, 'basis' | 'until'>, lang: Language): string {
  if (hold.basis === 'accounting') {
    if (lang === 'fr') {
      return hold.until
        ? `Notre politique conserve vos commandes et factures jusqu’au ${longDate(hold.until, lang)}, pour respecter notre obligation légale de conserver les documents comptables.`
        : `Notre politique conserve vos commandes et factures tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture, pour respecter notre obligation légale de conserver les documents comptables.`;
    }
    return hold.until
      ? `Our policy keeps your order and invoice records until ${longDate(hold.until, lang)}, to meet our legal duty to keep accounting records.`
      : 'Our policy keeps your order and invoice records while your account is open and up to 7 years after it closes, to meet our legal duty to keep accounting records.';
  }
  // Not a legal obligation: the customer chose to keep their lifetime warranty (they could have ticked its erasure).
  return lang === 'fr'
    ? 'Comme vous avez choisi de garder votre garantie à vie, nous conservons la preuve d’achat de ces produits pour pouvoir l’honorer. Vous pouvez nous demander de l’effacer aussi.'
    : 'As you chose to keep your lifetime warranty, we keep the proof of purchase of those products so that we can honour it. You can ask us to erase it too.';
}

/** The same choice, made by someone the shop's directory knew of no lifetime-warranty purchase: there was nothing of the kind to erase. */
export const noWarrantyPurchases = (lang: Language) =>
  lang === 'fr'
    ? 'Nous n’avons trouvé aucun achat garanti à vie à votre nom : il n’y avait donc pas de tels documents à effacer.'
    : 'We found no lifetime-warranty purchase of yours, so there were no such records to erase.';

export const warrantyWarning = (lang: Language) =>
  lang === 'fr'
    ? 'Comme vous l’avez demandé, nous avons aussi effacé vos achats garantis à vie : nous ne pourrons plus honorer de réclamation au titre de cette garantie.'
    : 'As you asked, we also erased your lifetime-warranty purchase records: we can no longer honour warranty claims for those products.';

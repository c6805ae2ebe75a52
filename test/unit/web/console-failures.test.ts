import { describe, expect, it } from 'vitest';

type Lang = 'en' | 'fr';
type Failure = { at: string; error: string; who: string; many: boolean };
type Remake = Failure & { tries: number; since: string };
// The console's words for why a copy could not be made (web/failures.js, plain browser JavaScript), as the browser loads them.
const { FAILURES, notAssembledWords, remakeFailedWords } = (await import('../../../web/failures.js' as string)) as {
  FAILURES: Record<Lang, Record<string, string>>;
  notAssembledWords: (lang: Lang, f: Failure) => string;
  remakeFailedWords: (lang: Lang, f: Remake) => string;
};

const AT = '27 Nov 2026, 15:00:00';
const SINCE = '26 Nov 2026, 14:00:00';
const alone = { at: AT, who: '', many: false };
const byPayNow = { at: AT, who: 'PayNow Payments', many: false };

describe('the console’s words for a copy that could not be assembled', () => {
  it('says a failure it knows in its own words, as it always has', () => {
    expect(notAssembledWords('en', { ...byPayNow, error: 'ResultsUnavailable' })).toBe(
      `The results held by PayNow Payments could not be fetched, even after the retries: the provider’s address answered with a server error (${AT}). Nothing is sent to the requester: retry the copy once the provider can give them, or deny or cancel the request.`,
    );
    expect(notAssembledWords('fr', { ...alone, error: 'States.Timeout' })).toBe(
      `Les résultats d’un prestataire n’ont pas pu être récupérés, même après les nouvelles tentatives : la préparation a manqué de temps (${AT}). Rien n’est envoyé au demandeur : relancez la copie quand le prestataire peut les fournir, ou refusez ou annulez la demande.`,
    );
  });

  it('says a failure it has no words for (S3’s SlowDown) as a service error, its name kept for support, and blames no provider', () => {
    expect(notAssembledWords('en', { ...alone, error: 'SlowDown' })).toBe(
      `The copy could not be made (${AT}), even after the retries: a service error (SlowDown). Nothing is sent to the requester: retry the copy, or deny or cancel the request.`,
    );
    expect(notAssembledWords('fr', { ...alone, error: 'SlowDown' })).toBe(
      `La copie n’a pas pu être préparée (${AT}), même après les nouvelles tentatives : une erreur de service (SlowDown). Rien n’est envoyé au demandeur : relancez la copie, ou refusez ou annulez la demande.`,
    );
  });

  it('names the providers whose results could not be fetched, whatever the failure’s name', () => {
    expect(notAssembledWords('en', { at: AT, who: 'Parcelway Delivery, PayNow Payments', many: true, error: 'TypeError' })).toBe(
      `The results held by Parcelway Delivery, PayNow Payments could not be fetched (${AT}), even after the retries: a service error (TypeError). Nothing is sent to the requester: retry the copy once the providers can give them, or deny or cancel the request.`,
    );
    expect(notAssembledWords('fr', { ...byPayNow, error: 'TypeError' })).toBe(
      `Les résultats détenus par PayNow Payments n’ont pas pu être récupérés (${AT}), même après les nouvelles tentatives : une erreur de service (TypeError). Rien n’est envoyé au demandeur : relancez la copie quand le prestataire peut les fournir, ou refusez ou annulez la demande.`,
    );
  });
});

describe('the console’s words for a held copy’s package the sweeper could not make again', () => {
  it('says a failure it knows in its own words, as it always has', () => {
    expect(remakeFailedWords('en', { ...byPayNow, error: 'Error', tries: 2, since: SINCE })).toBe(
      `Could not be made again (${AT}): the results held by PayNow Payments could not be fetched (the provider’s address could not be reached), in 2 tries since it was asked (${SINCE}). Nothing is sent to the requester: make the copy again once the provider can give them, or tell the requester their copy is delayed, and why.`,
    );
    expect(remakeFailedWords('fr', { ...alone, error: 'Interrupted', tries: 8, since: SINCE })).toBe(
      `N’a pas pu être refaite (${AT}) : la vérification planifiée n’a pas pu la préparer (la vérification planifiée s’est arrêtée chaque fois avant d’avoir fini), en 8 essais depuis la demande (${SINCE}). Rien n’est envoyé au demandeur : refaites la copie, ou prévenez le demandeur que sa copie est retardée, et pourquoi.`,
    );
  });

  it('says a failure it has no words for (S3’s SlowDown putting the package) as a service error, its name kept for support', () => {
    expect(remakeFailedWords('en', { ...alone, error: 'SlowDown', tries: 1, since: SINCE })).toBe(
      `Could not be made again (${AT}), in 1 try since it was asked (${SINCE}): a service error (SlowDown). Nothing is sent to the requester: make the copy again, or tell the requester their copy is delayed, and why.`,
    );
    expect(remakeFailedWords('fr', { ...alone, error: 'SlowDown', tries: 3, since: SINCE })).toBe(
      `N’a pas pu être refaite (${AT}), en 3 essais depuis la demande (${SINCE}) : une erreur de service (SlowDown). Rien n’est envoyé au demandeur : refaites la copie, ou prévenez le demandeur que sa copie est retardée, et pourquoi.`,
    );
    expect(remakeFailedWords('en', { ...byPayNow, error: 'TypeError', tries: 2, since: SINCE })).toBe(
      `Could not be made again (${AT}), in 2 tries since it was asked (${SINCE}): the results held by PayNow Payments could not be fetched, a service error (TypeError). Nothing is sent to the requester: make the copy again once the provider can give them, or tell the requester their copy is delayed, and why.`,
    );
  });
});

describe('the names of what went wrong', () => {
  it('has words in English and in French for the same names', () => {
    expect(Object.keys(FAILURES.fr).sort()).toEqual(Object.keys(FAILURES.en).sort());
  });

  it('takes a name that is a key of every object (constructor) for one it has no words for', () => {
    expect(notAssembledWords('en', { ...alone, error: 'constructor' })).toContain('a service error (constructor)');
    expect(remakeFailedWords('fr', { ...alone, error: 'toString', tries: 2, since: SINCE })).toContain('une erreur de service (toString)');
  });
});

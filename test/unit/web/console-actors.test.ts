import { describe, expect, it } from 'vitest';

type Lang = 'en' | 'fr';
// Who acted on an audit trail, in the console's words (web/actors.js, plain browser JavaScript), as the browser loads them.
const { ACTORS, actorWords } = (await import('../../../web/actors.js' as string)) as {
  ACTORS: Record<Lang, Record<string, string>>;
  actorWords: (lang: Lang, actor: string, processorName: (id: string) => string) => string;
};

const names: Record<string, string> = { paynow: 'PayNow Payments' };
const byRegistry = (id: string) => names[id] ?? id;

describe('the console’s words for who acted on an audit trail', () => {
  it('names every actor the server writes without a name of its own in English and French, the complaint’s automatic acknowledgement (system) among them', () => {
    // Each actor a function writes on a request's or a complaint's trail (functions/, actor: '…'), and the admin function's own delivery.
    const kinds = ['requester', 'workflow', 'sweeper', 'system', 'complainant', 'admin'];
    for (const lang of ['en', 'fr'] as const) expect(kinds.filter((k) => !ACTORS[lang][k])).toEqual([]);
    expect(kinds.map((k) => actorWords('en', k, byRegistry))).toEqual(['requester', 'workflow', 'scheduled check', 'system (automatic)', 'complainant', 'compliance console']);
    expect(kinds.map((k) => actorWords('fr', k, byRegistry))).toEqual(['demandeur', 'traitement', 'vérification planifiée', 'système (automatique)', 'réclamant', 'console de conformité']);
  });

  it('names a processor by its registry name and an officer by their user name, in either language', () => {
    for (const lang of ['en', 'fr'] as const) {
      expect(actorWords(lang, 'processor:paynow', byRegistry)).toBe('PayNow Payments');
      expect(actorWords(lang, 'processor:gone', byRegistry)).toBe('gone');
      expect(actorWords(lang, 'officer:alice', byRegistry)).toBe('alice');
    }
  });
});

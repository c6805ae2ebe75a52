import { describe, expect, it } from 'vitest';
import { outcomeMessage } from '../../../functions/core/completion.ts';
import { requesterView } from '../../../functions/core/requester-status.ts';
import { REQUEST_ID, storedRequest } from '../processors/fakes.ts';

describe('how to complain (Art. 12(4), DPA 2018 s.164A)', () => {
  it('ends every outcome email with the complaint to us, to the ICO with its contact details, and the court', () => {
    const { text } = outcomeMessage(storedRequest({ status: 'completed' }), [], []);
    expect(text).toContain(
      [
        'How to complain:',
        'If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.',
        "You have the right to complain to the UK's supervisory authority, the Information Commissioner's Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
        'You also have the right to go to court to enforce your rights.',
      ].join('\n'),
    );
  });

  it('gives the status page the same, in the requester’s language, and says when the clock is paused', () => {
    const view = requesterView(storedRequest({ id: REQUEST_ID, language: 'fr', type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }), []);
    expect(view.paused).toBe(true);
    expect(view.complain).toEqual({
      title: 'Comment se plaindre',
      us: "Si notre réponse ne vous satisfait pas, vous pouvez d'abord nous adresser une réclamation : répondez à l'un de nos e-mails concernant cette demande.",
      ico: "Vous avez le droit de déposer une plainte auprès de l'autorité de contrôle du Royaume-Uni, l'Information Commissioner's Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
      court: 'Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { CancelReason, cancellationNotice, clarificationNotice, DenyReason, extensionNotice, plainText, refusalNotice } from '../../../functions/core/notices.ts';

const reasonLine = (text: string) => text.split('\n')[2];
const lastLine = (text: string) => text.split('\n').at(-1);

describe('the notices a requester is sent, word for word', () => {
  it('knows the five grounds of a refusal and the two of a cancellation', () => {
    expect(DenyReason.options).toEqual(['identity_not_verified', 'manifestly_unfounded', 'excessive', 'authority_not_shown', 'data_accurate']);
    expect(CancelReason.options).toEqual(['withdrawn_by_requester', 'duplicate_request']);
  });

  it('gives each refusal ground in English, signed by the privacy team', () => {
    const en = (r: DenyReason) => refusalNotice('en', 'R1', r);
    expect(en('identity_not_verified').subject).toBe('Your privacy request has been refused');
    expect(reasonLine(en('identity_not_verified').text)).toBe(
      'We will not act on your request (reference R1), for this reason: we could not confirm that the request comes from the person the data is about, so giving out or changing the data could harm them.',
    );
    expect(reasonLine(en('manifestly_unfounded').text)).toBe('We will not act on your request (reference R1), for this reason: the request is manifestly unfounded: it does not seek to exercise a data protection right.');
    expect(reasonLine(en('excessive').text)).toBe('We will not act on your request (reference R1), for this reason: the request is manifestly excessive: it repeats or overlaps requests we have already answered.');
    expect(reasonLine(en('authority_not_shown').text)).toBe(
      'We will not act on your request (reference R1), for this reason: it was made on your behalf by someone who has not shown us satisfactory proof that they may act for you; you, or they with that proof, may ask again.',
    );
    expect(reasonLine(en('data_accurate').text)).toBe(
      'We will not act on your request (reference R1), for this reason: we checked the data you asked us to correct and we believe it is accurate, so we will not change it.',
    );
    expect(lastLine(en('excessive').text)).toBe('The Offtek privacy team');
  });

  it('gives each refusal ground in French, signed by the privacy team', () => {
    const fr = (r: DenyReason) => refusalNotice('fr', 'R1', r);
    expect(fr('excessive').subject).toBe('Votre demande de confidentialité est refusée');
    expect(reasonLine(fr('identity_not_verified').text)).toBe(
      "Nous ne donnerons pas suite à votre demande (référence R1), pour la raison suivante : nous n’avons pas pu confirmer que la demande vient de la personne concernée ; communiquer ou modifier ses données pourrait lui nuire.",
    );
    expect(reasonLine(fr('manifestly_unfounded').text)).toBe('Nous ne donnerons pas suite à votre demande (référence R1), pour la raison suivante : la demande est manifestement infondée : elle ne vise pas à exercer un droit sur vos données.');
    expect(reasonLine(fr('excessive').text)).toBe('Nous ne donnerons pas suite à votre demande (référence R1), pour la raison suivante : la demande est manifestement excessive : elle répète des demandes auxquelles nous avons déjà répondu.');
    expect(reasonLine(fr('authority_not_shown').text)).toBe(
      "Nous ne donnerons pas suite à votre demande (référence R1), pour la raison suivante : elle a été faite en votre nom par une personne qui ne nous a pas montré de preuve satisfaisante qu’elle peut agir pour vous ; vous, ou elle avec cette preuve, pouvez la refaire.",
    );
    expect(reasonLine(fr('data_accurate').text)).toBe(
      'Nous ne donnerons pas suite à votre demande (référence R1), pour la raison suivante : nous avons vérifié les données que vous nous demandiez de rectifier et nous les pensons exactes ; nous ne les modifierons donc pas.',
    );
    expect(lastLine(fr('excessive').text)).toBe("L’équipe confidentialité d’Offtek");
  });

  it('adds no heading for an officer’s note that is only blanks', () => {
    expect(refusalNotice('en', 'R1', 'excessive', '   ').text).not.toContain('In our team’s words:');
  });

  it.each([
    ['en', undefined],
    ['en', ' \u0000 '],
    ['fr', undefined],
  ] as const)('in %s, with no note (%j), goes from the reason straight to the blank line before the complaint lines', (lang, note) => {
    const lines = refusalNotice(lang, 'R1', 'excessive', note).text.split('\n');
    expect(lines.slice(3, 5)).toEqual(['', lang === 'en' ? 'How to complain:' : 'Comment se plaindre :']);
  });

  it('gives each cancellation ground in each language, and says a new request can be made', () => {
    expect(cancellationNotice('en', 'R1', 'withdrawn_by_requester').subject).toBe('Your privacy request has been cancelled');
    expect(cancellationNotice('en', 'R1', 'withdrawn_by_requester').text.split('\n').slice(2, 4)).toEqual(['We have cancelled your request (reference R1), for this reason: you told us you no longer want it.', 'You can make a new request at any time.']);
    expect(reasonLine(cancellationNotice('en', 'R1', 'duplicate_request').text)).toBe('We have cancelled your request (reference R1), for this reason: it repeats another request of yours that is still open; we are answering that one.');
    expect(cancellationNotice('fr', 'R1', 'withdrawn_by_requester').subject).toBe('Votre demande de confidentialité est annulée');
    expect(cancellationNotice('fr', 'R1', 'withdrawn_by_requester').text.split('\n').slice(2, 4)).toEqual(['Nous avons annulé votre demande (référence R1), pour la raison suivante : vous nous avez dit ne plus la souhaiter.', 'Vous pouvez faire une nouvelle demande à tout moment.']);
    expect(reasonLine(cancellationNotice('fr', 'R1', 'duplicate_request').text)).toBe('Nous avons annulé votre demande (référence R1), pour la raison suivante : elle répète une autre de vos demandes encore ouverte, à laquelle nous répondons.');
    expect(lastLine(cancellationNotice('fr', 'R1', 'duplicate_request').text)).toBe("L’équipe confidentialité d’Offtek");
  });

  it('asks for a clarification in each language, quoting what is needed', () => {
    expect(clarificationNotice('en', 'R1', 'Which orders?').subject).toBe('Your request: we need a clarification');
    expect(clarificationNotice('en', 'R1', 'Which orders?').text.split('\n').slice(0, 4)).toEqual(['Hello,', '', 'To answer your request (reference R1), we need you to tell us:', 'Which orders?']);
    expect(clarificationNotice('fr', 'R1', 'Quelles commandes ?').subject).toBe('Votre demande : nous avons besoin d’une précision');
    expect(clarificationNotice('fr', 'R1', 'Quelles commandes ?').text.split('\n').slice(0, 4)).toEqual(['Bonjour,', '', 'Pour répondre à votre demande (référence R1), nous avons besoin de la précision suivante :', 'Quelles commandes ?']);
    expect(clarificationNotice('fr', 'R1', 'x').text).toContain("Le délai de réponse d’un mois est suspendu jusqu’à ce que nous recevions votre réponse ; il reprend le jour où nous la recevons.");
    expect(clarificationNotice('fr', 'R1', 'x').text).toContain("Répondez simplement à cet e-mail pour nous indiquer quoi chercher. N’y joignez aucun document ni mot de passe : nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.");
    expect(clarificationNotice('en', 'R1', 'x').text).toContain('Just reply to this email to tell us what to look for. Do not attach documents or passwords: we will never ask you to send personal data by email.');
  });

  it('says which time limit a clarification pauses: one month, or the three months of an extended request, in each language', () => {
    const paused = (lang: 'en' | 'fr', extended?: boolean) => clarificationNotice(lang, 'R1', 'x', undefined, extended === undefined ? undefined : { extended }).text.split('\n')[5];
    expect(paused('en')).toBe('The one-month time limit is paused until we receive your answer; it starts again on the day we receive it.');
    expect(paused('en', false)).toBe('The one-month time limit is paused until we receive your answer; it starts again on the day we receive it.');
    expect(paused('en', true)).toBe('The time limit, extended to three months, is paused until we receive your answer; it starts again on the day we receive it.');
    expect(paused('fr')).toBe("Le délai de réponse d’un mois est suspendu jusqu’à ce que nous recevions votre réponse ; il reprend le jour où nous la recevons.");
    expect(paused('fr', true)).toBe("Le délai de réponse, prolongé à trois mois, est suspendu jusqu’à ce que nous recevions votre réponse ; il reprend le jour où nous la recevons.");
    for (const lang of ['en', 'fr'] as const) expect(clarificationNotice(lang, 'R1', 'x', undefined, { extended: true }).text).not.toMatch(/one-month|d’un mois/);
  });
});

describe('each notice, whole, as the requester reads it', () => {
  const FORM = 'https://x/complaint.html';
  const ICO_EN = "You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.";
  const ICO_FR = "Vous avez le droit de déposer une plainte auprès de l’autorité de contrôle du Royaume-Uni, l’Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.";
  /** How to complain, and the signature: the shop's form first where there is one, then the ICO, then the courts. */
  const ending = {
    en: (first: string) => ['How to complain:', first, ICO_EN, 'You also have the right to go to court to enforce your rights.', '', 'The Offtek privacy team'],
    fr: (first: string) => ['Comment se plaindre :', first, ICO_FR, 'Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.', '', "L’équipe confidentialité d’Offtek"],
  };
  const withForm = {
    en: ending.en(`If you are not satisfied with our answer, you can first complain to us with our complaint form: ${FORM} (or by replying to any of our emails about this request).`),
    fr: ending.fr(`Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation avec notre formulaire : ${FORM} (ou en répondant à l’un de nos e-mails concernant cette demande).`),
  };
  const byReply = {
    en: ending.en('If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.'),
    fr: ending.fr("Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation : répondez à l’un de nos e-mails concernant cette demande."),
  };

  it('refusal, with the officer’s note, in English and in French', () => {
    expect(refusalNotice('en', 'R1', 'manifestly_unfounded', 'Line one\r\nline two', FORM)).toEqual({
      subject: 'Your privacy request has been refused',
      text: ['Hello,', '', 'We will not act on your request (reference R1), for this reason: the request is manifestly unfounded: it does not seek to exercise a data protection right.', '', 'In our team’s words:', 'Line one', 'line two', '', ...withForm.en].join('\n'),
    });
    expect(refusalNotice('fr', 'R1', 'manifestly_unfounded', 'Line one\r\nline two', FORM)).toEqual({
      subject: 'Votre demande de confidentialité est refusée',
      text: [
        'Bonjour,',
        '',
        'Nous ne donnerons pas suite à votre demande (référence R1), pour la raison suivante : la demande est manifestement infondée : elle ne vise pas à exercer un droit sur vos données.',
        '',
        'Précisions de notre équipe :',
        'Line one',
        'line two',
        '',
        ...withForm.fr,
      ].join('\n'),
    });
  });

  it('cancellation, without a form, in English and in French', () => {
    expect(cancellationNotice('en', 'R1', 'withdrawn_by_requester')).toEqual({
      subject: 'Your privacy request has been cancelled',
      text: ['Hello,', '', 'We have cancelled your request (reference R1), for this reason: you told us you no longer want it.', 'You can make a new request at any time.', '', ...byReply.en].join('\n'),
    });
    expect(cancellationNotice('fr', 'R1', 'withdrawn_by_requester')).toEqual({
      subject: 'Votre demande de confidentialité est annulée',
      text: ['Bonjour,', '', 'Nous avons annulé votre demande (référence R1), pour la raison suivante : vous nous avez dit ne plus la souhaiter.', 'Vous pouvez faire une nouvelle demande à tout moment.', '', ...byReply.fr].join('\n'),
    });
  });

  it('extension, with its date, while the clock is stopped (no date yet), and once it restarts (the date), in English and in French', () => {
    const law = { en: 'The law allows us two more months when a request is complex.', fr: 'La loi nous permet de prolonger le délai de deux mois lorsque la demande est complexe.' };
    expect(extensionNotice('en', 'R1', { reason: 'Several processors', dueDate: '2026-06-01' }, FORM)).toEqual({
      subject: 'Your request: more time needed',
      text: ['Hello,', '', 'We need more time to complete your request (reference R1).', 'Reason: Several processors', 'New deadline: 1 June 2026.', '', law.en, '', ...withForm.en].join('\n'),
    });
    expect(extensionNotice('fr', 'R1', { reason: 'Plusieurs prestataires', dueDate: '2026-06-01' }, FORM)).toEqual({
      subject: 'Votre demande : délai prolongé',
      text: ['Bonjour,', '', 'Nous avons besoin de plus de temps pour traiter votre demande (référence R1).', 'Raison : Plusieurs prestataires', 'Nouvelle date limite : 1er juin 2026.', '', law.fr, '', ...withForm.fr].join('\n'),
    });
    expect(extensionNotice('en', 'R1', { reason: 'Several processors' }, FORM)).toEqual({
      subject: 'Your request: more time needed',
      text: [
        'Hello,',
        '',
        'We need more time to complete your request (reference R1).',
        'Reason: Several processors',
        'The time limit becomes three months instead of one, not counting the days it is paused. It is paused now, until we receive your answer to our question: we will write to tell you the new deadline once it starts again.',
        '',
        law.en,
        '',
        ...withForm.en,
      ].join('\n'),
    });
    expect(extensionNotice('fr', 'R1', { reason: 'Plusieurs prestataires' }, FORM)).toEqual({
      subject: 'Votre demande : délai prolongé',
      text: [
        'Bonjour,',
        '',
        'Nous avons besoin de plus de temps pour traiter votre demande (référence R1).',
        'Raison : Plusieurs prestataires',
        "Le délai passe d’un mois à trois mois, sans compter les jours où il est suspendu. Il est suspendu en ce moment, jusqu’à ce que nous recevions votre réponse à notre question : nous vous écrirons pour vous indiquer la nouvelle date limite dès qu’il reprendra.",
        '',
        law.fr,
        '',
        ...withForm.fr,
      ].join('\n'),
    });
    expect(extensionNotice('en', 'R1', { reason: 'Several processors', dueDate: '2026-06-08', restarted: true }, FORM)).toEqual({
      subject: 'Your request: the new deadline',
      text: ['Hello,', '', 'The time limit for your request (reference R1) has started again.', 'As we told you, we need more time to complete it.', 'Reason: Several processors', 'New deadline: 8 June 2026.', '', law.en, '', ...withForm.en].join('\n'),
    });
    expect(extensionNotice('fr', 'R1', { reason: 'Plusieurs prestataires', dueDate: '2026-06-08', restarted: true }, FORM)).toEqual({
      subject: 'Votre demande : la nouvelle date limite',
      text: [
        'Bonjour,',
        '',
        'Le délai de traitement de votre demande (référence R1) a repris.',
        "Comme nous vous l’avons indiqué, nous avons besoin de plus de temps pour la traiter.",
        'Raison : Plusieurs prestataires',
        'Nouvelle date limite : 8 juin 2026.',
        '',
        law.fr,
        '',
        ...withForm.fr,
      ].join('\n'),
    });
  });

  it('extension whose date the requester was told, moved by restarting the clock: the new date and the one it replaces, in English and in French', () => {
    const en = extensionNotice('en', 'R1', { reason: 'Several processors', dueDate: '2026-06-08', restarted: true, previousDueDate: '2026-06-01' }, FORM);
    expect(en.subject).toBe('Your request: the new deadline');
    expect(en.text).toContain(
      'The time limit for your request (reference R1) has started again.\nAs we told you, we need more time to complete it.\nReason: Several processors\nNew deadline: 8 June 2026.\nIt replaces the deadline of 1 June 2026 that we gave you: the days the time limit was paused, waiting for your answer, do not count.\n\nThe law allows us two more months',
    );
    const fr = extensionNotice('fr', 'R1', { reason: 'Plusieurs prestataires', dueDate: '2026-06-08', restarted: true, previousDueDate: '2026-06-01' }, FORM);
    expect(fr.subject).toBe('Votre demande : la nouvelle date limite');
    expect(fr.text).toContain(
      "Nouvelle date limite : 8 juin 2026.\nElle remplace la date limite du 1er juin 2026 que nous vous avions indiquée : les jours où le délai était suspendu, dans l’attente de votre réponse, ne sont pas comptés.\n\nLa loi nous permet",
    );
  });

  it('clarification, in English and in French', () => {
    expect(clarificationNotice('en', 'R1', 'Which orders?', FORM)).toEqual({
      subject: 'Your request: we need a clarification',
      text: [
        'Hello,',
        '',
        'To answer your request (reference R1), we need you to tell us:',
        'Which orders?',
        '',
        'The one-month time limit is paused until we receive your answer; it starts again on the day we receive it.',
        'Just reply to this email to tell us what to look for. Do not attach documents or passwords: we will never ask you to send personal data by email.',
        '',
        ...withForm.en,
      ].join('\n'),
    });
    expect(clarificationNotice('fr', 'R1', 'Which orders?', FORM)).toEqual({
      subject: 'Votre demande : nous avons besoin d’une précision',
      text: [
        'Bonjour,',
        '',
        'Pour répondre à votre demande (référence R1), nous avons besoin de la précision suivante :',
        'Which orders?',
        '',
        "Le délai de réponse d’un mois est suspendu jusqu’à ce que nous recevions votre réponse ; il reprend le jour où nous la recevons.",
        "Répondez simplement à cet e-mail pour nous indiquer quoi chercher. N’y joignez aucun document ni mot de passe : nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.",
        '',
        ...withForm.fr,
      ].join('\n'),
    });
  });
});

describe('an officer’s words made plain text', () => {
  it('keeps every kind of line break as a line break', () => {
    expect(plainText('one\r\ntwo\rthree\nfour', 100)).toBe('one\ntwo\nthree\nfour');
  });

  it('turns tabs, escapes, C1 controls and Unicode line separators into spaces, and trims', () => {
    expect(plainText(' \ta\u0000b\u001b[1mc\u007fd\u0085e\u009ff\u2028g\u2029h\u000bi\u000cj ', 100)).toBe('a b [1mc d e f g h i j');
  });

  it('cuts at its bound after cleaning', () => {
    expect(plainText('\u0000\u0000abcdef', 3)).toBe('abc');
  });
});

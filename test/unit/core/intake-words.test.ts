import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../functions/core/errors.ts';
import { validateSubmission } from '../../../functions/core/intake.ts';

/** The error validateSubmission refuses `raw` with, or a failed test if it takes it. */
const refusal = (raw: unknown, lang: 'fr' | 'en'): InvalidInput => {
  try {
    validateSubmission(raw, lang);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    return e as InvalidInput;
  }
  return expect.unreachable('the request was taken');
};
/** Each issue's field and its message in the form's language. */
const shown = (raw: unknown, lang: 'fr' | 'en') => refusal(raw, lang).issues.map((i) => [i.path, i.message]);

describe('the privacy form’s messages in French, word for word', () => {
  it('names each top-level field at fault', () => {
    expect(shown({ type: 'teleport', email: 'not-an-address', language: 'de', name: 'N'.repeat(201), orderNumber: 'OT 1!', agent: 'me' }, 'fr')).toEqual([
      ['type', 'Choisissez ce que vous souhaitez que nous fassions.'],
      ['email', "Saisissez l’adresse e-mail de votre compte client, par exemple nom@exemple.fr."],
      ['language', 'Choisissez le français ou l’anglais.'],
      ['name', 'Votre nom peut compter jusqu’à 200 caractères.'],
      ['orderNumber', 'Un numéro de commande ne contient que des lettres, des chiffres et des tirets.'],
      ['agent', 'Dites-nous qui vous êtes, votre lien avec la personne et la preuve dont vous disposez.'],
    ]);
  });

  it('asks for the correction, the objections, and an erasure for the warranty choice', () => {
    expect(shown({ type: 'rectification', email: 'ann@example.com' }, 'fr')).toEqual([['rectification', 'Indiquez ce qui est inexact et ce qu’il faudrait mettre à la place.']]);
    expect(shown({ type: 'objection', email: 'ann@example.com' }, 'fr')).toEqual([['objections', 'Choisissez au moins un usage auquel vous vous opposez.']]);
    expect(shown({ type: 'access', email: 'ann@example.com', eraseWarranty: true }, 'fr')).toEqual([['eraseWarranty', 'Ce choix ne concerne que les demandes d’effacement.']]);
  });

  it('names each of an agent’s fields at fault', () => {
    expect(shown({ type: 'erasure', email: 'ann@example.com', agent: { name: '', email: 'not-an-address', relationship: 'cousin', proof: 'a feeling' } }, 'fr')).toEqual([
      ['agent.name', 'Saisissez votre propre nom, jusqu’à 200 caractères.'],
      ['agent.email', 'Saisissez votre propre adresse e-mail, par exemple nom@exemple.fr.'],
      ['agent.relationship', 'Choisissez votre lien avec la personne.'],
      ['agent.proof', 'Choisissez la preuve de votre mandat dont vous disposez.'],
    ]);
  });
});

describe('the privacy form’s other words', () => {
  it('says in English what an agent must tell us when the agent field is not an object', () => {
    expect(shown({ type: 'erasure', email: 'ann@example.com', agent: 'me' }, 'en')).toEqual([['agent', 'Tell us who you are, how you are related to the person and what proof you hold.']]);
  });

  it('refuses with “invalid body”, for a field that would send the data elsewhere as for any other fault', () => {
    expect(refusal({ type: 'access', email: 'ann@example.com', sendTo: 'eve@example.com' }, 'en').message).toBe('invalid body');
    expect(refusal({ type: 'teleport', email: 'ann@example.com' }, 'en').message).toBe('invalid body');
  });
});

describe('an agent who gives the person’s own address as theirs', () => {
  const SAME = 'Saisissez ici votre propre adresse e-mail. L’adresse ci-dessus est celle de la personne : c’est là que nous envoyons le lien de confirmation.';
  const agent = (email: string) => ({ name: 'Bo Lawson', email, relationship: 'solicitor', proof: 'signed_authority' });

  it('is told so, whatever the case of either address', () => {
    expect(shown({ type: 'erasure', email: 'ann@example.com', agent: agent('Ann@Example.COM') }, 'fr')).toEqual([['agent.email', SAME]]);
    expect(shown({ type: 'erasure', email: 'Ann@Example.com', agent: agent('ann@example.com') }, 'fr')).toEqual([['agent.email', SAME]]);
  });

  it('is told so even with spaces around the address, besides that the address is not valid as typed', () => {
    expect(shown({ type: 'erasure', email: 'ann@example.com', agent: agent(' ann@example.com') }, 'fr')).toEqual([
      ['agent.email', 'Saisissez votre propre adresse e-mail, par exemple nom@exemple.fr.'],
      ['agent.email', SAME],
    ]);
  });
});

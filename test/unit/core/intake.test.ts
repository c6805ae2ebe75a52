import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../functions/core/errors.ts';
import { normaliseEmail } from '../../../functions/core/edge.ts';
import { asksTheSame, pickLanguage, validateSubmission } from '../../../functions/core/intake.ts';
import { rateLimitAddress } from '../../../functions/core/ip.ts';

const issuesOf = (raw: unknown, lang: 'fr' | 'en' = 'en') => {
  try {
    validateSubmission(raw, lang);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    // The message in the requester's language; both languages ride along for the form's switch (checked below).
    return (e as InvalidInput).issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('accepted');
};

describe('the privacy form', () => {
  it('accepts an erasure with only an email, in French by default', () => {
    expect(validateSubmission({ type: 'erasure', email: 'a@example.com' }, 'fr')).toEqual({ type: 'erasure', email: 'a@example.com', language: 'fr' });
  });

  it('trims a name and an order number', () => {
    expect(validateSubmission({ type: 'access', email: 'a@example.com', language: 'en', name: '  Ann Lee ', orderNumber: ' OT-123 ' }, 'en')).toEqual({
      type: 'access',
      email: 'a@example.com',
      language: 'en',
      name: 'Ann Lee',
      orderNumber: 'OT-123',
    });
  });

  it.each([
    [{ type: 'forget-me', email: 'a@example.com' }, [{ path: 'type', message: 'Choose what you would like us to do.' }]],
    [{ type: 'erasure', email: 'not-an-email' }, [{ path: 'email', message: 'Enter the email address of your shop account, like name@example.com.' }]],
    [{ type: 'erasure', email: `${'a'.repeat(250)}@example.com` }, [{ path: 'email', message: 'Enter the email address of your shop account, like name@example.com.' }]],
    [{ type: 'erasure', email: 'a@example.com', language: 'de' }, [{ path: 'language', message: 'Choose French or English.' }]],
    [{ type: 'erasure', email: 'a@example.com', name: 'x'.repeat(201) }, [{ path: 'name', message: 'Your name can be up to 200 characters.' }]],
    [{ type: 'erasure', email: 'a@example.com', name: '   ' }, [{ path: 'name', message: 'Your name can be up to 200 characters.' }]],
    [{ type: 'erasure', email: 'a@example.com', orderNumber: 'OT 1' }, [{ path: 'orderNumber', message: 'An order number has only letters, digits and dashes.' }]],
    [{ type: 'erasure', email: 'a@example.com', orderNumber: 'x'.repeat(41) }, [{ path: 'orderNumber', message: 'An order number has only letters, digits and dashes.' }]],
    [{ type: 'rectification', email: 'a@example.com' }, [{ path: 'rectification', message: 'Tell us what is wrong and what it should be.' }]],
    [{ type: 'rectification', email: 'a@example.com', rectification: { field: 'name', correction: '' } }, [{ path: 'rectification.correction', message: 'Tell us what is wrong and what it should be.' }]],
    [{ type: 'objection', email: 'a@example.com' }, [{ path: 'objections', message: 'Choose at least one thing you object to.' }]],
    // Too short for the schema and missing for the form's rule: the same message twice.
    [
      { type: 'objection', email: 'a@example.com', objections: [] },
      [
        { path: 'objections', message: 'Choose at least one thing you object to.' },
        { path: 'objections', message: 'Choose at least one thing you object to.' },
      ],
    ],
    [{ type: 'access', email: 'a@example.com', eraseWarranty: true }, [{ path: 'eraseWarranty', message: 'This choice only applies to an erasure request.' }]],
    [{ type: 'erasure', email: 'a@example.com', colour: 'blue' }, [{ path: 'colour', message: 'This field is not part of the form.' }]],
    ['not an object', [{ path: '(body)', message: 'The form could not be read.' }]],
  ])('refuses %j with a message on its field', (raw, issues) => {
    expect(issuesOf(raw)).toEqual(issues);
  });

  describe('someone acting for the person (an authorised agent)', () => {
    const agent = { name: 'Sam Solicitor', email: 'sam@lawfirm.example', relationship: 'solicitor', proof: 'signed_authority' };

    it('accepts the agent’s name, email, relationship and kind of proof, with the person’s own email for the link', () => {
      expect(validateSubmission({ type: 'erasure', email: 'ann@example.com', language: 'en', agent: { ...agent, name: ' Sam Solicitor ' } }, 'en')).toEqual({ type: 'erasure', email: 'ann@example.com', language: 'en', agent });
    });

    it.each([
      [{ ...agent, email: 'ANN@Example.com' }, [{ path: 'agent.email', message: 'Enter your own email address here. The address above is the person’s own: we send the confirmation link there.' }]],
      [{ ...agent, name: '' }, [{ path: 'agent.name', message: 'Enter your own name, up to 200 characters.' }]],
      [{ ...agent, email: 'sam' }, [{ path: 'agent.email', message: 'Enter your own email address, like name@example.com.' }]],
      [{ ...agent, relationship: '' }, [{ path: 'agent.relationship', message: 'Choose how you are related to the person.' }]],
      [{ ...agent, relationship: 'neighbour' }, [{ path: 'agent.relationship', message: 'Choose how you are related to the person.' }]],
      [{ ...agent, proof: '' }, [{ path: 'agent.proof', message: 'Choose the proof of authority you hold.' }]],
      [{ ...agent, phone: '0121 000 0000' }, [{ path: 'agent.phone', message: 'This field is not part of the form.' }]],
    ])('refuses the agent %j with a message on its own field', (a, issues) => {
      expect(issuesOf({ type: 'erasure', email: 'ann@example.com', agent: a })).toEqual(issues);
    });

    it('says it in French too', () => {
      expect(issuesOf({ type: 'erasure', email: 'ann@example.com', agent: { ...agent, proof: 'a letter' } }, 'fr')).toEqual([{ path: 'agent.proof', message: 'Choisissez la preuve de votre mandat dont vous disposez.' }]);
    });
  });

  it('accepts the three objections and an erasure of warranty records', () => {
    expect(validateSubmission({ type: 'objection', email: 'a@example.com', objections: ['marketing', 'reviews', 'profiling'] }, 'en').objections).toEqual(['marketing', 'reviews', 'profiling']);
    expect(validateSubmission({ type: 'erasure', email: 'a@example.com', eraseWarranty: true }, 'en').eraseWarranty).toBe(true);
  });

  it('refuses a use objected to twice, in the requester’s language, where it was taken and read twice in the emails', () => {
    const twice = { type: 'objection', email: 'a@example.com', objections: ['marketing', 'marketing'] };
    expect(issuesOf(twice)).toEqual([{ path: 'objections', message: 'Choose each use once.' }]);
    expect(issuesOf(twice, 'fr')).toEqual([{ path: 'objections', message: 'Choisissez chaque usage une seule fois.' }]);
  });

  it('refuses any field that would send the data elsewhere than the confirmed mailbox, before anything else', () => {
    for (const field of ['exportDestination', 'deliverTo', 'sendTo', 'destination', 'webhook', 'url']) {
      expect(issuesOf({ type: 'access', email: 'not-an-email', [field]: 'https://evil.example' })).toEqual([
        { path: field, message: 'For your safety we only ever send your data to the email address you confirm. Remove this field.' },
      ]);
    }
    expect(issuesOf({ type: 'access', email: 'a@example.com', url: 'x' }, 'fr')).toEqual([
      { path: 'url', message: 'Pour votre sécurité, nous n’envoyons vos données qu’à l’adresse e-mail que vous confirmez. Retirez ce champ.' },
    ]);
  });

  it('refuses a name or a correction holding a lone UTF-16 surrogate, naming the field, and keeps an emoji', () => {
    const lone = 'Ann \uD800 Lee';
    expect(issuesOf({ type: 'erasure', email: 'a@example.com', name: lone })).toEqual([{ path: 'name', message: 'This field holds a character we cannot read. Please type it again.' }]);
    expect(issuesOf({ type: 'rectification', email: 'a@example.com', rectification: { field: 'address', correction: '\uDC00 Rue X' } }, 'fr')).toEqual([
      { path: 'rectification.correction', message: 'Ce champ contient un caractère illisible. Merci de le saisir à nouveau.' },
    ]);
    // A surrogate pair is one character (an emoji here): well formed, accepted.
    expect(validateSubmission({ type: 'erasure', email: 'a@example.com', name: 'Ann \uD83D\uDE00' }, 'en').name).toBe('Ann 😀');
  });

  it('words its messages in French for a French requester', () => {
    expect(issuesOf({ type: 'erasure', email: 'a@example.com', colour: 'blue' }, 'fr')).toEqual([{ path: 'colour', message: 'Ce champ ne fait pas partie du formulaire.' }]);
    expect(issuesOf(null, 'fr')).toEqual([{ path: '(body)', message: 'Le formulaire n’a pas pu être lu.' }]);
  });
});

describe('a submission with a field of another request type', () => {
  it('refuses a correction or objections sent with another type, naming the field, in the requester’s language', () => {
    const issues = (raw: unknown, lang: 'en' | 'fr') => {
      try {
        validateSubmission(raw, lang);
        return [];
      } catch (e) {
        return (e as { issues: { path: string; message: string }[] }).issues.map(({ path, message }) => ({ path, message }));
      }
    };
    expect(issues({ type: 'erasure', email: 'a@example.com', rectification: { field: 'name', correction: 'Ann Lee' } }, 'en')).toEqual([{ path: 'rectification', message: 'A correction goes with a correction request only.' }]);
    expect(issues({ type: 'access', email: 'a@example.com', objections: ['marketing'] }, 'fr')).toEqual([{ path: 'objections', message: 'Ces choix ne concernent que les demandes d’opposition.' }]);
  });
});

describe('a submission that repeats an open request of its type', () => {
  const open = { eraseWarranty: false, objections: ['reviews' as const], rectification: { field: 'name', correction: 'Ann Lee' } };
  it('joins it when it asks the same: the same objections in any order, the same correction, the warranty kept alike', () => {
    expect(asksTheSame(open, { objections: ['reviews'], rectification: { field: 'name', correction: 'Ann Lee' } })).toBe(true);
    expect(asksTheSame({ ...open, objections: ['marketing', 'reviews'] }, { objections: ['reviews', 'marketing'], rectification: open.rectification })).toBe(true);
    // No scope ticked objects to every use.
    expect(asksTheSame({ ...open, objections: [] }, { objections: ['marketing', 'reviews', 'profiling'], rectification: open.rectification })).toBe(true);
  });

  it('does not when it asks more: another objection, the warranty purchases erased too, another correction', () => {
    expect(asksTheSame(open, { objections: ['reviews', 'marketing'], rectification: open.rectification })).toBe(false);
    expect(asksTheSame(open, { objections: ['reviews'], eraseWarranty: true, rectification: open.rectification })).toBe(false);
    expect(asksTheSame(open, { objections: ['reviews'], rectification: { field: 'name', correction: 'Anne Lee' } })).toBe(false);
    expect(asksTheSame(open, { objections: ['reviews'], rectification: { field: 'surname', correction: 'Ann Lee' } })).toBe(false);
  });

  it('does not when it asks less, which a stranger’s broader request would otherwise have the person confirm: the warranty kept, fewer objections', () => {
    expect(asksTheSame({ ...open, eraseWarranty: true }, { objections: ['reviews'], eraseWarranty: false, rectification: open.rectification })).toBe(false);
    expect(asksTheSame({ ...open, objections: [] }, { objections: ['marketing'], rectification: open.rectification })).toBe(false);
  });
});

describe('the requester’s language', () => {
  it.each([
    [{ language: 'en' }, undefined, 'en'],
    [{ language: 'fr' }, 'en-GB,en;q=0.9', 'fr'],
    [{}, 'en-GB,en;q=0.9', 'en'],
    [{}, '  en', 'en'],
    [{}, 'fr-FR,en;q=0.5', 'fr'],
    [{}, 'english', 'fr'],
    [{ language: 'de' }, undefined, 'fr'],
    [null, undefined, 'fr'],
  ])('is taken from %j, else from Accept-Language %j: %s', (body, accept, lang) => {
    expect(pickLanguage(body, accept)).toBe(lang);
  });
});

describe('email addresses', () => {
  it('are compared trimmed and in lower case', () => {
    expect(normaliseEmail('  Dave@Example.COM ')).toBe('dave@example.com');
  });

  it('carries each message in both languages, so that the form can switch language and keep it', () => {
    try {
      validateSubmission({ type: 'erasure', email: 'not-an-email' }, 'fr');
      throw new Error('accepted');
    } catch (e) {
      expect((e as InvalidInput).issues).toEqual([
        {
          path: 'email',
          message: "Saisissez l’adresse e-mail de votre compte client, par exemple nom@exemple.fr.",
          messages: { en: 'Enter the email address of your shop account, like name@example.com.', fr: "Saisissez l’adresse e-mail de votre compte client, par exemple nom@exemple.fr." },
        },
      ]);
    }
  });
});

describe('the client address the hourly limits count', () => {
  it('is an IPv4 address itself', () => {
    expect(rateLimitAddress('203.0.113.7')).toBe('203.0.113.7');
  });

  it('is an IPv6 address’s /64, however it is written', () => {
    for (const a of ['2001:db8:1:2::a', '2001:0DB8:0001:0002:0000:0000:0000:000b', '2001:db8:1:2:ffff:ffff:ffff:ffff', '[2001:db8:1:2::1]', '2001:db8:1:2::1%eth0']) {
      expect(rateLimitAddress(a)).toBe('2001:db8:1:2::/64');
    }
    expect(rateLimitAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitAddress('2001:db8:1:3::1')).not.toBe(rateLimitAddress('2001:db8:1:2::1'));
  });

  it('is the IPv4 address of an IPv4-mapped IPv6 address, and of no other IPv6 address', () => {
    expect(rateLimitAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(rateLimitAddress('0:0:0:0:0:ffff:192.0.2.1')).toBe('192.0.2.1');
    // Neither is mapped: the first has a group before ffff, the second no ffff at all.
    expect(rateLimitAddress('1::ffff:c000:201')).toBe('1:0:0:0::/64');
    expect(rateLimitAddress('::1')).toBe('0:0:0:0::/64');
  });

  it('is an IPv6 address’s /64 with the spaces around it taken off', () => {
    expect(rateLimitAddress(' 2001:db8:1:2::a ')).toBe('2001:db8:1:2::/64');
  });

  it('is what was given when it cannot be read', () => {
    for (const a of ['1::2::3', '2001:db8:1:2:3:4:5', 'not:an:address']) expect(rateLimitAddress(a)).toBe(a);
  });
});

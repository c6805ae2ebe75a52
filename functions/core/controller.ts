import type { Language } from './model.ts';
import * as z from './zod.ts';

/**
 * Who the controller is (Art. 13(1)(a), 15: the person must know whom they deal with): the
 * company's name, registered number and postal address, from `config/controller.json`, checked at
 * synth and again when a function that mails starts. The policy gives them ("Qui est Offtek ?").
 */
export const Controller = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  companyNumber: z.string().check(z.regex(/^[A-Z0-9]{8}$/, 'a Companies House number has 8 letters or digits')),
  address: z.array(z.string().check(z.minLength(1), z.maxLength(100))).check(z.minLength(2), z.maxLength(6)),
  country: z.strictObject({ en: z.string().check(z.minLength(1)), fr: z.string().check(z.minLength(1)) }),
  /** A number the public may call about their data, if the shop has one to give: the form offers a call only then. */
  phone: z.optional(z.string().check(z.regex(/^\+?[0-9][0-9 ]{5,18}[0-9]$/, 'a telephone number: digits and spaces, with an optional leading +'))),
});
export type Controller = z.infer<typeof Controller>;

/** The closing lines of every email to a requester: the company, its number and its postal address. */
export function identityLines(c: Controller, lang: Language): string[] {
  const address = [...c.address, c.country[lang]].join(', ');
  return lang === 'fr'
    ? ['--', `${c.name}, société immatriculée au Royaume-Uni sous le numéro ${c.companyNumber}`, `Siège social : ${address}`]
    : ['--', `${c.name}, a company registered in the United Kingdom, number ${c.companyNumber}`, `Registered office: ${address}`];
}

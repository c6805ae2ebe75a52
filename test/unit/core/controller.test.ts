import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Controller, identityLines } from '../../../functions/core/controller.ts';
import { loadController } from '../../../infra/lethe-stack.ts';

const offtek = Controller.parse(JSON.parse(readFileSync('config/controller.json', 'utf8')));

describe('the controller’s identity (config/controller.json)', () => {
  it('is the policy’s: Offtek, company 03148866, Claremont House, Tanworth in Arden', () => {
    expect(loadController()).toEqual({ name: 'Offtek', companyNumber: '03148866', address: ['Claremont House', 'Broad Lane', 'Tanworth in Arden', 'B94 5DY'], country: { en: 'United Kingdom', fr: 'Royaume-Uni' } });
  });

  it('closes every email to a requester, in their language', () => {
    expect(identityLines(offtek, 'en')).toEqual(['--', 'Offtek, a company registered in the United Kingdom, number 03148866', 'Registered office: Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, United Kingdom']);
    expect(identityLines(offtek, 'fr')).toEqual(['--', 'Offtek, société immatriculée au Royaume-Uni sous le numéro 03148866', 'Siège social : Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni']);
  });

  it('refuses a configuration without a company number or an address, which would fail the synth', () => {
    expect(Controller.safeParse({ ...offtek, companyNumber: '' }).success).toBe(false);
    expect(Controller.safeParse({ ...offtek, address: [] }).success).toBe(false);
  });

  it('takes a telephone number the shop may give, and refuses one that is not a number', () => {
    expect(offtek.phone).toBeUndefined();
    expect(Controller.parse({ ...offtek, phone: '+44 121 496 0000' }).phone).toBe('+44 121 496 0000');
    expect(Controller.parse({ ...offtek, phone: '0121 496 0000' }).phone).toBe('0121 496 0000');
    for (const phone of ['', 'call us', '+44 121 496 0000 ext. 2', '12']) expect(Controller.safeParse({ ...offtek, phone }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { apiDomainCheck } from '../../../local/dns-check.ts';

const TARGET = 'd-abc123.execute-api.eu-west-2.amazonaws.com';
const answering = (names: string[]) => async (name: string) => (name === 'api.privacy.offtek.example' ? names : []);

describe('preflight: the API domain is a CNAME of its API Gateway target', () => {
  it('passes when the name points at the target, whatever the case and the trailing dot', async () => {
    expect(await apiDomainCheck('api.privacy.offtek.example', TARGET, answering(['D-ABC123.execute-api.eu-west-2.amazonaws.com.']))).toEqual({
      ok: true,
      text: 'API domain api.privacy.offtek.example is a CNAME of d-abc123.execute-api.eu-west-2.amazonaws.com',
    });
  });

  it('fails and names both ends when the CNAME points elsewhere', async () => {
    const r = await apiDomainCheck('api.privacy.offtek.example', TARGET, answering(['old-api.example.net']));
    expect(r.ok).toBe(false);
    expect(r.text).toBe('API domain api.privacy.offtek.example points at old-api.example.net, not at d-abc123.execute-api.eu-west-2.amazonaws.com: change its CNAME, or CloudFront answers 502 on the API paths');
  });

  it('fails with the record to add when the name has no CNAME yet', async () => {
    const missing = async () => {
      throw Object.assign(new Error('queryCname ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await apiDomainCheck('api.privacy.offtek.example', TARGET, missing)).toEqual({
      ok: false,
      text: 'API domain api.privacy.offtek.example has no CNAME yet (ENOTFOUND): add "api.privacy.offtek.example CNAME d-abc123.execute-api.eu-west-2.amazonaws.com" in its DNS, or CloudFront answers 502 on the API paths',
    });
  });

  it('says it did not check when the domain or the target is not given, without failing the run', async () => {
    expect((await apiDomainCheck(undefined, TARGET)).ok).toBe('info');
    expect((await apiDomainCheck('api.privacy.offtek.example', undefined)).ok).toBe('info');
  });
});

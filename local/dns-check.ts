import { resolveCname } from 'node:dns/promises';

export type CheckResult = { ok: boolean | 'info'; text: string };

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * The API answers only on its own domain, which CloudFront calls as its origin: until that name is
 * a CNAME of the API Gateway domain (the stack's ApiDomainTarget output), the site's API paths
 * answer 502. DNS names compare without case and without the root's trailing dot.
 */
export async function apiDomainCheck(domain: string | undefined, target: string | undefined, resolve: (name: string) => Promise<string[]> = resolveCname): Promise<CheckResult> {
  if (!domain || !target) return { ok: 'info', text: 'API domain: not checked (pass --api-domain and --api-target, the stack\'s ApiUrl host and ApiDomainTarget output)' };
  try {
    const names = (await resolve(domain)).map(bare);
    if (names.includes(bare(target))) return { ok: true, text: `API domain ${domain} is a CNAME of ${target}` };
    return { ok: false, text: `API domain ${domain} points at ${names.join(', ')}, not at ${target}: change its CNAME, or CloudFront answers 502 on the API paths` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).name;
    return { ok: false, text: `API domain ${domain} has no CNAME yet (${code}): add "${domain} CNAME ${target}" in its DNS, or CloudFront answers 502 on the API paths` };
  }
}

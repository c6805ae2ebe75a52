import { S3Blobs } from '../adapters/blobs.ts';
import { NotFound, retryOnRace } from '../core/errors.ts';
import type { StoredRequest } from '../core/ports.ts';
import { sameHash, sha256 } from '../shared/crypto.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { html, type HttpResult } from '../shared/http.ts';

const blobs = new S3Blobs();
/** The S3 link itself lives minutes: the 72 hours belong to the emailed page, which checks the secret. */
const PRESIGN_SECONDS = 300;

type Downloadable = StoredRequest & { exportKey?: string; downloadTokenHash?: string; downloadExpiresAt?: string };

async function check(id: string, token: string): Promise<Downloadable> {
  const req = (await repo.getRequest(id)) as Downloadable | undefined;
  const ok = req?.exportKey && req.downloadTokenHash && req.downloadExpiresAt && Date.parse(req.downloadExpiresAt) > systemClock.now().getTime() && sameHash(req.downloadTokenHash, sha256(token));
  if (!req || !ok) throw new NotFound('no export for this link');
  return req;
}

const page = (lang: 'fr' | 'en', id: string, token: string) => {
  const t = lang === 'fr' ? { title: 'Télécharger vos données', go: 'Télécharger (zip)' } : { title: 'Download your data', go: 'Download (zip)' };
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${t.title}</title><link rel="stylesheet" href="/styles.css"></head>
<body><main><h1>${t.title}</h1><form method="post" action="/exports/${id}"><input type="hidden" name="token" value="${token.replace(/[^\w-]/g, '')}"><button type="submit">${t.go}</button></form></main></body></html>`;
};

/** GET shows the page and changes nothing; POST is the download, and every one is audited. */
export async function exportPage(id: string, token: string): Promise<HttpResult> {
  const req = await check(id, token);
  // The download answers 303 to the bucket, another origin, which the page's CSP must allow.
  // Presigning is a local computation, so this link is made only to learn that origin and is never shown.
  const bucket = new URL(await blobs.presign(req.exportKey as string, PRESIGN_SECONDS)).origin;
  return html(200, page(req.language, id, token), {}, [bucket]);
}

export async function download(id: string, token: string): Promise<HttpResult> {
  const req = await check(id, token);
  const at = systemClock.now().toISOString();
  await retryOnRace(async () => {
    const fresh = (await repo.getRequest(id)) as Downloadable;
    await repo.transitionRequest(fresh, fresh.status, {}, { at, actor: 'requester', action: 'download', subject: id, data: { key: req.exportKey ?? '' } });
  });
  return { statusCode: 303, headers: { location: await blobs.presign(req.exportKey as string, PRESIGN_SECONDS), 'cache-control': 'no-store' }, body: '' };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as fetchFrom } from 'undici';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../local/runtime.ts';
import { quickAnswersAssembly } from '../support/assembly.ts';
import type { CfnTemplate } from '../support/cfn-resolve.ts';
import { type CallRecord, checkCalls } from '../support/iam-check.ts';
import { signIn } from '../support/sign-in.ts';

export type Mail = { messageId: string; from: string; replyTo: string[]; destination: { to: string[] }; subject: string; body: { text?: string; html?: string }; at: number };

/** Checks the calls the runtime recorded against a template (by default, the one it runs). */
export function checkRuntimeCalls(rt: Runtime, template: CfnTemplate = rt.assembly.template as CfnTemplate) {
  return checkCalls(template, rt.lambdas.calls as CallRecord[], { region: rt.placement.region, account: rt.placement.account, partition: 'aws', stateMachineArn: rt.stateMachineArn, resolve: rt.resolve });
}

const agents = new Map<string, Agent>();
/**
 * A request from a given loopback address (127.0.0.0/8 is all loopback), as a different client
 * would send it: the intake's per-address limit sees each address apart, as on AWS.
 */
export function from(address: string) {
  let agent = agents.get(address);
  if (!agent) {
    agent = new Agent({ localAddress: address });
    agents.set(address, agent);
  }
  return (url: string, init?: RequestInit) => fetchFrom(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
}

/**
 * Boots the embedded runtime on random ports with a throwaway data dir; the same harness for every suite.
 * It runs the checkout's assembly with a 1 ms answer floor (`quickAnswersAssembly`, test/support/assembly.ts)
 * unless given `assemblyDir`.
 */
export async function boot(opts: Partial<RuntimeOptions> & { clientAddress?: string } = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lethe-it-'));
  const assemblyDir = opts.assemblyDir ?? quickAnswersAssembly();
  const rt = await startRuntime({ dataDir, port: 0, recordCalls: true, ...opts, assemblyDir });
  const send = opts.clientAddress ? from(opts.clientAddress) : fetch;
  const api = (path: string, init?: RequestInit) => send(`${rt.urls.api}${path}`, init);
  return {
    ...rt,
    dataDir,
    api,
    /** Every AWS call the functions made so far, checked against their roles in the template. */
    iam: () => checkRuntimeCalls(rt),
    async stopAndClean() {
      await rt.stop();
      const { denied, checked } = await checkRuntimeCalls(rt);
      // Every suite that boots the runtime ends by proving its functions did only what IAM allows.
      if (denied.length) throw new Error(`${denied.length} AWS call(s) of ${checked} not allowed by the template's IAM policies:\n${denied.map((d) => `  ${d.fn}: ${d.action} on ${d.resource} (${d.reason})`).join('\n')}`);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    submit: (body: Record<string, unknown>, headers: Record<string, string> = {}, address?: string) =>
      (address ? from(address) : send)(`${rt.urls.api}/requests`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
    async mails(to?: string): Promise<Mail[]> {
      const all = ((await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] }).emails;
      return to ? all.filter((m) => m.destination.to.includes(to)) : all;
    },
    /** Reads the latest confirmation email to `to`, as the requester would. */
    async links(to: string) {
      const m = (await this.mails(to)).filter((x) => /verify\?token=/.test(x.body.text ?? '')).at(-1);
      if (!m) throw new Error(`no confirmation email to ${to}`);
      const text = m.body.text ?? '';
      const verify = /https?:\/\/\S+\/verify\?token=[\w-]+/.exec(text)?.[0] ?? '';
      const status = /https?:\/\/\S+\/status\.html\?id=\w+&token=[\w-]+/.exec(text)?.[0];
      const s = status ? new URL(status) : undefined;
      return { verify, token: new URL(verify).searchParams.get('token') ?? '', requestId: s?.searchParams.get('id') ?? '', statusToken: s?.searchParams.get('token') ?? '' };
    },
    /**
     * Signs a console user (officer, viewer) in through the sign-in stand-in with the console's own
     * flow (authorization code + PKCE, password, TOTP), and returns their access token.
     */
    async signIn(username: string) {
      const u = rt.auth.users[username];
      return (await signIn(rt.urls.web.replace(/\/$/, ''), { username, password: u.password, totpSecret: u.totpSecret })).access_token;
    },
    /**
     * The admin API as the console calls it, with a console user's access token (from signIn; none,
     * as someone not signed in): a GET without a body, a POST with its JSON.
     */
    admin: (token: string | undefined, path: string, body?: unknown) =>
      api(`/admin${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    confirm: (token: string, extra: Record<string, string> = {}) =>
      api('/verify', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, ...extra }).toString() }),
    async status(requestId: string, token: string) {
      const r = await api(`/requests/${requestId}/status?token=${token}`);
      return (await r.json()) as { status: string; categories: { category: string; state: string }[]; dueDate: string };
    },
  };
}

export type Booted = Awaited<ReturnType<typeof boot>>;

export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A loopback port nobody listens on: a connection to it is refused at once (a processor's results_url that cannot be reached). */
export async function closedPort() {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A confirmed erasure of its own, open with only the analytics task still out (the tests that use it
 * set the analytics processor never to answer): the sweeper's tests' request with a deadline to act on.
 */
export async function openErasure(rt: Booted, email: string) {
  await rt.submit({ type: 'erasure', email, language: 'en' });
  const links = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(links.token);
  const s = await until(async () => {
    const x = await rt.status(links.requestId, links.statusToken);
    return x.categories.length === 7 && x.categories.filter((c) => c.state !== 'done').map((c) => c.category).join() === 'analytics' && x;
  }, 30_000, 'all but analytics answered');
  return { requestId: links.requestId, due: s.dueDate as string };
}

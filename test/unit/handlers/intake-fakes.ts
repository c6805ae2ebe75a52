import { inboxOf } from '../../../functions/core/edge.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import type { Delivery } from '../../../functions/core/outbox.ts';
import type { Pii, StoredRequest } from '../../../functions/core/ports.ts';
import type { Window } from '../../../functions/core/rate-limit.ts';
import { complaintAcks, FakeMailer, FakeRepo, Shares } from '../processors/fakes.ts';

/** FakeRepo with intake's writes: the (email, type) claim, the hourly shares, the create, and the complaint form's. */
export class IntakeRepo extends FakeRepo {
  claims = new Map<string, { requestId: string; expiresAt: string }>();
  claimCalls: { requestId: string; replacing?: string }[] = [];
  shares = new Shares();
  created: { req: StoredRequest; pii: Pii; expires: Date }[] = [];
  failClaims = 0;
  createFails = false;
  complaints = new Map<string, StoredComplaint>();
  async getDedupe(eh: string, type: string) {
    return this.claims.get(`${eh}|${type}`);
  }
  async claimDedupe(eh: string, type: string, requestId: string, now: Date, expires: Date, replacing?: string) {
    this.claimCalls.push({ requestId, replacing });
    if (this.failClaims > 0) {
      this.failClaims--;
      return false;
    }
    const cur = this.claims.get(`${eh}|${type}`);
    if (cur && Date.parse(cur.expiresAt) > now.getTime() && cur.requestId !== replacing) return false;
    this.claims.set(`${eh}|${type}`, { requestId, expiresAt: expires.toISOString() });
    return true;
  }
  override async takeShare(scope: string, hash: string, windows: readonly Window[], now: Date) {
    return this.shares.takeShare(scope, hash, windows, now);
  }
  async createRequest(req: StoredRequest, pii: Pii, expires: Date) {
    if (this.createFails || this.requests.has(req.id)) return false;
    this.created.push({ req: structuredClone(req), pii, expires });
    this.requests.set(req.id, structuredClone(req));
    this.pii.set(req.id, pii);
    return true;
  }
  async createComplaint(c: StoredComplaint) {
    if (this.complaints.has(c.id)) return false;
    this.complaints.set(c.id, structuredClone(c));
    return true;
  }
  async claimComplaintAck(id: string, next: Delivery, now: Date) {
    return complaintAcks.claim(this.complaints, id, next, now);
  }
  async deferComplaintAck(id: string, seq: number, until: string) {
    return complaintAcks.defer(this.complaints, id, seq, until);
  }
  async countComplaintAck(id: string, seq: number) {
    return complaintAcks.count(this.complaints, id, seq);
  }
  async clearComplaintAck(id: string, seq: number) {
    return complaintAcks.clear(this.complaints, id, seq);
  }
  async transitionComplaint(prev: StoredComplaint, to: StoredComplaint['status'], changes: Partial<StoredComplaint>) {
    const next = { ...(this.complaints.get(prev.id) as StoredComplaint), ...changes, status: to, version: prev.version + 1 };
    delete next.outboxAck;
    this.complaints.set(prev.id, next);
    return structuredClone(next);
  }
}

export class Tokens {
  links = new Map<string, { requestId: string; expiresAt: string; attempts: number }>();
  /** As VerificationTokens records a link mailed: its expiry from this mail, its count of wrong passwords kept. */
  async issue(hash: string, rec: { requestId: string; expiresAt: string }) {
    this.links.set(hash, { ...rec, attempts: this.links.get(hash)?.attempts ?? 0 });
  }
}

/** Hashes and link secrets come from the app key in Secrets Manager; in these tests they say what they hash. */
export const sayingCrypto = {
  emailHash: async (e: string) => `email:${e.trim().toLowerCase()}`,
  inboxHash: async (e: string) => `inbox:${inboxOf(e)}`,
  orderHash: async (o: string) => `order:${o}`,
  hmac: async (v: string) => `hmac:${v}`,
  derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}`,
};

/**
 * The module factories of a test through intake's handler, which builds its dependencies at import:
 * each keeps in `h` the fake it made, for the test to read. `vi.mock` itself stays in each test file
 * (vitest hoists it there); only the factories are shared.
 */
export function intakeHandlerFakes(h: { repo: unknown; mailer: unknown }) {
  return {
    deps: async (orig: () => Promise<object>) => {
      h.repo = new IntakeRepo();
      return { ...(await orig()), repo: h.repo, edgeRepo: h.repo };
    },
    mailer: async () => ({
      SesMailer: class extends FakeMailer {
        constructor() {
          super();
          h.mailer = this;
        }
      },
    }),
  };
}

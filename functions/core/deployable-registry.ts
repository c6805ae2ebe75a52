import { PersonalField } from './model.ts';
import { OBJECTION_CATEGORIES, objectionCategories } from './plan.ts';
import { Registry } from './registry-schema.ts';
import * as z from './zod.ts';

const CORRECTABLE: readonly string[] = PersonalField.options;
/** The categories some objection reaches (the broadest one reaches them all). */
const OBJECTED = objectionCategories([]);
/**
 * The registry as it may be deployed, checked at synth (infra/lethe-stack.ts, and `npm start`):
 * every recipient must be told of an erasure (Art. 17(2), 19) and of a restriction (Art. 18, 19), and
 * every recipient holding a field a correction changes must be told of the correction (Art. 19), and
 * every processor in a category an objection reaches (the newsletter and the review provider among
 * the email ones) must be told of an objection (Art. 21(2)-(3)), every recipient's part is in a copy
 * (Art. 15), and every webhook names the request's verified email. Planning skips a processor that
 * does not support a request's type, so an entry that cannot receive one would be left out in
 * silence; it is refused here, naming the processor. The fields are those `heldFields` (core/plan.ts)
 * reads: `fields`, or else the identities it receives. A function loading the deployed layer checks
 * the shape only (`Registry`).
 */
export const DeployableRegistry = Registry.check(
  z.superRefine((r, ctx) => {
    r.processors.forEach((p, i) => {
      const path = ['processors', i, 'supports'];
      // Until November 29, 2026 an entry could be without these two: left out of every copy in silence, or sent a
      // webhook naming nobody (no email, and no order number the directory had confirmed), answered not_found.
      if (!p.supports.includes('access')) ctx.addIssue({ code: 'custom', path, message: `processor ${p.id} must support access: a copy of someone's data includes every recipient's part (Art. 15)` });
      if (!p.identities.includes('email')) {
        ctx.addIssue({ code: 'custom', path: ['processors', i, 'identities'], message: `processor ${p.id} must receive email: a request's verified email is the one identity every task can name` });
      }
      if (!p.supports.includes('erasure')) ctx.addIssue({ code: 'custom', path, message: `processor ${p.id} must support erasure: every recipient is told of an erasure (Art. 17(2), 19)` });
      if (!p.supports.includes('restrict')) ctx.addIssue({ code: 'custom', path, message: `processor ${p.id} must support restrict: every recipient is told of a restriction (Art. 18, 19)` });
      if (OBJECTED.has(p.category) && !p.supports.includes('objection')) {
        ctx.addIssue({ code: 'custom', path, message: `processor ${p.id} is in the ${p.category} category, which an objection reaches, and must support objection (Art. 21(2)-(3))` });
      }
      for (const use of p.uses ?? []) {
        if (!OBJECTION_CATEGORIES[use].includes(p.category)) {
          ctx.addIssue({ code: 'custom', path: ['processors', i, 'uses'], message: `processor ${p.id} is in the ${p.category} category, which no objection to ${use} reaches` });
        }
      }
      const held = p.fields ?? p.identities.filter((f) => CORRECTABLE.includes(f));
      if (held.length && !p.supports.includes('rectification')) {
        ctx.addIssue({ code: 'custom', path, message: `processor ${p.id} holds ${held.join(', ')} and must support rectification: every recipient is told of a correction (Art. 19)` });
      }
    });
  }),
);

import type { Agent, RequestType } from './model.ts';

/**
 * What a request can wait for an officer for, besides an escalated task (core/escalation.ts):
 *   `held_copy`   a copy a processor flagged as holding other people's data (Art. 15(4)), held until released;
 *   `correction`  a confirmed correction whose words an officer reads before any processor gets it (Art. 16, 19);
 *   `agent`       a request made by someone acting for the person, whose declared proof of authority an officer checks;
 *   `assembly`    a copy that could not be assembled (a provider's results could not be fetched), which an officer retries, refuses or cancels;
 *   `remake`      a held copy whose package the sweeper could not make again (core/remake.ts), which an officer asks for again, or tells the requester.
 */
export type ReviewWait = 'held_copy' | 'correction' | 'agent' | 'assembly' | 'remake';

const TYPE: Record<RequestType, string> = { access: 'copy of data', erasure: 'erasure', rectification: 'correction', objection: 'objection', restrict: 'restriction of use' };

const RELATIONSHIP: Record<Agent['relationship'], string> = { solicitor: 'a solicitor', parent: 'a parent or guardian', attorney: 'an attorney', other: 'another authorised person' };
const PROOF: Record<Agent['proof'], string> = {
  signed_authority: 'a signed letter of authority',
  power_of_attorney: 'a power of attorney',
  parental_responsibility: 'proof of parental responsibility',
  court_order: 'a court order',
};

export type ReviewFacts = {
  requestId: string;
  type: RequestType;
  /** The answer's due date (YYYY-MM-DD), the extended one where there is one. */
  dueDate?: string;
  /** For a held copy: the providers that flagged it, by name. */
  flaggedBy?: readonly string[];
  /** For a copy that could not be assembled, or made again: the providers whose results could not be fetched, by name. */
  unfetched?: readonly string[];
  /** For a package not made again: the sweeper's tries, and the London date the officer asked on (YYYY-MM-DD). */
  remake?: { tries: number; askedOn: string };
  /** For an agent's request: the codes the agent declared, never their name or address. */
  agent?: Agent;
};

/**
 * The compliance team's email when a request waits for an officer. It says which request, what
 * waits and until when it must be answered, with the console's link: never the requester's address
 * or name, an agent's, or the words of a correction, which the officer reads in the console.
 */
export function reviewEmail(waiting: ReviewWait, f: ReviewFacts, consoleUrl: string): { subject: string; text: string } {
  const what = TYPE[f.type];
  const due = f.dueDate ? `The answer is due by ${f.dueDate}; the clock runs while it waits.` : 'The clock runs while it waits.';
  const provider = (f.unfetched?.length ?? 0) > 1 ? 'the providers can give their' : 'the provider can give its';
  const lines =
    waiting === 'remake'
      ? {
          subject: `Copy could not be made again (request ${f.requestId})`,
          body: [
            `The package of the held copy for request ${f.requestId} could not be made again: ${f.unfetched?.length ? `the results of ${f.unfetched.join(', ')} could not be fetched` : 'it failed'}, ${f.remake?.tries ?? 'several'} times since an officer asked on ${f.remake?.askedOn ?? 'an earlier day'}.`,
            `Nothing is sent to the requester. Make the copy again in the console once ${provider} results, or tell the requester their copy is delayed, and why.`,
          ],
        }
      : waiting === 'assembly'
      ? {
          subject: `Copy could not be assembled (request ${f.requestId})`,
          body: [
            `The copy of data for request ${f.requestId} could not be assembled: ${f.unfetched?.length ? `the results of ${f.unfetched.join(', ')}` : "a provider's results"} could not be fetched, even after the retries.`,
            `Nothing is sent to the requester. Retry the copy in the console once ${provider} results, or refuse or cancel the request.`,
          ],
        }
      : waiting === 'held_copy'
      ? {
          subject: `Copy held for review (request ${f.requestId})`,
          body: [
            `A copy of data for request ${f.requestId} is held: ${f.flaggedBy?.length ? f.flaggedBy.join(', ') : 'a provider'} flagged other people's data in it (Art. 15(4)).`,
            'Nothing is sent to the requester until an officer has looked at the copy and released it, or refused or cancelled the request.',
          ],
        }
      : waiting === 'correction'
        ? {
            subject: `Correction to review (request ${f.requestId})`,
            body: [
              `A confirmed correction, request ${f.requestId}, waits for an officer (Art. 16, 19).`,
              "Read the requester's words in the console and approve the corrected value of each field, or refuse it. No provider is sent anything until then.",
            ],
          }
        : {
            subject: `Authorised agent to check (request ${f.requestId})`,
            body: [
              `A request (${what}), ${f.requestId}, was made by ${f.agent ? RELATIONSHIP[f.agent.relationship] : 'someone'} acting for the person, and the person has confirmed it from their own address.`,
              `The agent declares they hold ${f.agent ? PROOF[f.agent.proof] : 'proof of authority'}. Check that proof, then approve the request or refuse it. Nothing is planned until then.`,
              ...(f.type === 'rectification' ? ["It is a correction: read the requester's words in the console too, and approve the corrected value of each field."] : []),
            ],
          };
  return { subject: lines.subject, text: [...lines.body, due, '', 'In the console:', consoleUrl].join('\n') };
}

/**
 * Which providers' results a copy could not be assembled without, as far as the console may say it:
 * their registry ids. Assemble fails with a message naming them (and nothing else: no results_url,
 * which may name the person, no answer); the AssemblyFailed state receives it as Step Functions'
 * `Cause` and keeps the ids only.
 */
const PREFIX = 'results could not be fetched from: ';

export const unfetchedMessage = (processorIds: readonly string[]) => `${PREFIX}${processorIds.join(', ')}`;

/** Lambda's error as Step Functions passes it on AWS (`{"errorMessage": …}`); the local engine passes the message itself. */
function messageOf(cause: string): string {
  try {
    const parsed: unknown = JSON.parse(cause);
    const m = (parsed as { errorMessage?: unknown } | null)?.errorMessage;
    return typeof m === 'string' ? m : cause;
  } catch {
    return cause;
  }
}

/** The providers named in Assemble's error, once each; only ids of the registry are kept, so that nothing else of an error is ever stored. */
export function unfetchedProcessors(cause: string | undefined, registryIds: readonly string[]): string[] {
  const message = cause ? messageOf(cause) : '';
  if (!message.startsWith(PREFIX)) return [];
  return [...new Set(message.slice(PREFIX.length).split(', '))].filter((id) => registryIds.includes(id));
}

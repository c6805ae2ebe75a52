import type { StoredTask } from '../../../functions/core/ports.ts';

/** What the outcome email's tests share: a task, the registry's names and the complaint lines, written out. */

export const task = (processorId: string, category: StoredTask['category'], status: StoredTask['status'], over: Partial<StoredTask> = {}) =>
  ({ taskId: `R.${processorId}`, requestId: 'R', processorId, category, action: 'erase', status, version: 1, attempts: 0, holds: [], audit: [], ...over }) as StoredTask;

/** The registry's names, as the functions read them from its object, in the registry's order. */
export const NAMES = [
  { id: 'paynow', name: 'PayNow Payments' },
  { id: 'shipit', name: 'Shipit Parcels' },
  { id: 'mailer', name: 'Mailwave Newsletters' },
  { id: 'social', name: 'Friendbook Social Login' },
  { id: 'metricsly', name: 'Metricsly Analytics & Ads' },
];

export const COMPLAIN_EN = `How to complain:
If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.
You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.
You also have the right to go to court to enforce your rights.`;

export const COMPLAIN_FR = `Comment se plaindre :
Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation : répondez à l’un de nos e-mails concernant cette demande.
Vous avez le droit de déposer une plainte auprès de l’autorité de contrôle du Royaume-Uni, l’Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.
Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.`;

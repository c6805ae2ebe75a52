/**
 * The HTTP API's route table, defined once: infra/ turns it into API Gateway routes, local/ into
 * its HTTP server's router. `fn` names the folder functions/<fn>/handler.ts.
 */
export const ROUTES = [
  { method: 'POST', path: '/requests', fn: 'intake' },
  // The complaint form (DPA 2018 s.164A): a public submission like the privacy form, served by the same function.
  { method: 'POST', path: '/complaints', fn: 'intake' },
  { method: 'GET', path: '/requests/{id}/status', fn: 'status' },
  { method: 'GET', path: '/exports/{id}', fn: 'status' },
  { method: 'POST', path: '/exports/{id}', fn: 'status' },
  { method: 'GET', path: '/verify', fn: 'verify' },
  { method: 'POST', path: '/verify', fn: 'verify' },
  { method: 'POST', path: '/callbacks/{taskId}', fn: 'callback' },
  { method: 'POST', path: '/suppression/check', fn: 'callback' },
  { method: 'ANY', path: '/admin/{proxy+}', fn: 'admin', auth: 'jwt' },
] as const;

export type Route = (typeof ROUTES)[number];
export const API_FUNCTIONS = ['intake', 'status', 'verify', 'callback', 'admin'] as const;
export const WORKFLOW_FUNCTIONS = ['plan', 'dispatch', 'escalate', 'assemble', 'notify'] as const;
export const SCHEDULED_FUNCTIONS = ['sweeper'] as const;
export const ALL_FUNCTIONS = [...API_FUNCTIONS, ...WORKFLOW_FUNCTIONS, ...SCHEDULED_FUNCTIONS] as const;
export type FunctionName = (typeof ALL_FUNCTIONS)[number];

import { config } from '../adapters/config.ts';
import { Controller } from '../core/controller.ts';

/**
 * The controller, once per cold start of a function that names it to the requester (an email, the copy's
 * page): a malformed value fails its start, not an email or a copy. Read here, not with the rest of the
 * configuration, so that a function that never names it never parses it.
 */
export const controller: Controller | undefined = config.CONTROLLER ? Controller.parse(JSON.parse(config.CONTROLLER)) : undefined;

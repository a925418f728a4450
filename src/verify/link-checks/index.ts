/** The link-level checks, by the promise they test. */
import { CREDIT } from './credit.js';
import { PRIORITY_SCENARIOS } from './priority.js';
import { REDELIVERY } from './redelivery.js';
import { UNSETTLED_RETURN } from './unsettled-return.js';

export type { LinkScenario, LinkTarget } from './common.js';

export const LINK_SCENARIOS: Readonly<Record<string, readonly import('./common.js').LinkScenario[]>> = {
  redelivery: REDELIVERY,
  'unsettled-return': UNSETTLED_RETURN,
  credit: CREDIT,
  priority: PRIORITY_SCENARIOS,
};

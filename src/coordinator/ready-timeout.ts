/**
 * How long the coordinator waits for every worker to say `ready` (connections open, links attached). A fixed
 * 30 s failed 10,000 links (1,000 connections x 10) at the default in-flight limit although they were progressing:
 * attaching is work per link (an attach each way, a flow, a template and a slot ring per producer) on threads that
 * share the host's cores. So the bound grows with the links this process opens; an unreachable broker is caught
 * earlier, by the reachability check, not by this bound.
 */
import type { Plan } from '../plan/index.js';

/** What any run gets, however few its links: the former fixed bound. */
export const READY_BASE_MS = 30_000;
/**
 * Added per link: 10,000 links get 130 s. Generous on purpose: the bound exists to end a run that cannot start,
 * not to time one that can.
 */
export const READY_PER_LINK_MS = 10;

/** Links this process opens: every sender and receiver worker's connections x links (a requester's reply link counted too). */
export function plannedLinks(plan: Pick<Plan, 'senders' | 'receivers' | 'connections' | 'links' | 'rpc'>): number {
  const perWorker = plan.connections * plan.links;
  const senderLinks = plan.senders * perWorker * (plan.rpc === undefined ? 1 : 2);
  return senderLinks + plan.receivers * perWorker;
}

/** The ready time-out for `links` links, in ms. */
export function readyTimeoutMs(links: number): number {
  return READY_BASE_MS + READY_PER_LINK_MS * Math.max(0, links);
}

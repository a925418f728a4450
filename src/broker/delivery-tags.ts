/**
 * Delivery tags for the broker's outgoing deliveries. rhea's default makes a new Buffer per delivery
 * from the link's counter as a decimal string (1.6% of the broker's CPU in the 2026-12-07 profile). A
 * tag need only be unique among the link's deliveries that either end may hold unsettled (AMQP 1.0
 * section 2.6.12), and those all sit in the session's delivery ring: at most `capacity` of them, the
 * link's most recent. So a link's n-th delivery takes tag (n mod capacity), the same decimal string
 * rhea would give its first `capacity` deliveries, shared (never written) by every link of the thread.
 *
 * That holds only while the ring's view of "unsettled" is the peer's. A transaction's discharge
 * settles the broker's side of the deliveries it acquired and forgets them (forgetDelivery) though
 * the peer may still hold them unsettled, so their slots and tags come round again. A link that
 * ever had a transactional acquisition therefore counts its tags without the modulo (uniqueTag).
 */
const tags: Buffer[] = [];

/** The tag for a link's delivery number `index` (0 <= index < its session ring's capacity). */
export function deliveryTag(index: number): Buffer {
  let tag = tags[index];
  if (tag === undefined) {
    for (let i = tags.length; i <= index; i++) tags.push(Buffer.from(String(i)));
    tag = tags[index];
  }
  return tag;
}

/** The index after `index`, for a session ring of `capacity` deliveries. */
export function nextTagIndex(index: number, capacity: number): number {
  return index + 1 >= capacity ? 0 : index + 1;
}

/**
 * A tag never used before on its link: `count` from the session ring's capacity up, above every
 * ring tag (deliveryTag) the link may have handed out. A new Buffer each: only for links that
 * had a transactional acquisition.
 */
export function uniqueTag(count: number): Buffer {
  return Buffer.from(String(count));
}

/**
 * selector: a JMS selector on a receiver's source. Sends, in this order,
 * red, green, red, green to a fresh queue, then receives with `color = 'green'`.
 * The queue is FIFO, so a filter that is not applied shows a red before the
 * second green, with no need to wait for something not to happen.
 *   echoed + only greens arrive  -> yes
 *   echoed + a red arrives       -> ignored (the broker accepted the filter and did not apply it)
 *   not echoed                   -> no
 *   attach refused               -> refused
 */
import { AttachRefused, selectorFilter } from '../links.js';
import type { ProbeReceiver } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check } from '../types.js';

export const SELECTOR = "color = 'green'";
const ORDER = ['red', 'green', 'red', 'green'] as const;

export const selectorCheck: Check = {
  name: 'selector',
  async run(context) {
    const address = context.address('selector');
    const session = context.session();
    const sender = await session.openSender({ target: { address } });
    const sent = ORDER.map((color) => ({ color, tag: newTag(`selector-${color}`) }));
    for (const { color, tag } of sent) {
      const outcome = await session.send(sender, probeMessage(tag, { color }));
      if (outcome !== 'accepted') return { status: 'error', detail: `a ${color} message got ${outcome}, not accepted` };
    }
    let receiver: ProbeReceiver;
    try {
      receiver = await session.openReceiver({
        source: { address, filter: selectorFilter(SELECTOR) },
        credit_window: 10,
      });
    } catch (error) {
      if (!(error instanceof AttachRefused)) throw error;
      return { status: 'refused', detail: `attach with selector refused: ${error.message}` };
    }
    const echoed = echoesSelector((receiver.link.source as { filter?: unknown } | undefined)?.filter);
    const lastGreen = sent[3].tag;
    const { found, before } = await receiver.until((message) => tagOf(message) === lastGreen);
    const colors = [...before, ...(found ? [found] : [])].map((message) => colorOf(message));
    const reds = colors.filter((color) => color === 'red').length;
    const seen = `received ${colors.join(', ') || 'nothing'}`;
    if (!echoed) return { status: 'no', detail: `filter not echoed in the attach; ${seen}` };
    if (reds > 0) return { status: 'ignored', detail: `filter echoed but not applied: ${seen}` };
    if (!found) return { status: 'no', detail: `filter echoed; the matching messages did not arrive (${seen})` };
    return { status: 'yes', detail: `filter echoed; ${seen} (the 2 red filtered out)` };
  },
};

/** Whether a source's filter map (as the broker's attach returned it) carries a selector. */
function echoesSelector(filter: unknown): boolean {
  if (!filter || typeof filter !== 'object') return false;
  return Object.entries(filter as Record<string, unknown>).some(([key, entry]) => {
    const value = (entry as { value?: unknown } | null)?.value ?? entry;
    return /selector/i.test(key) || value === SELECTOR;
  });
}

function colorOf(message: { application_properties?: Record<string, unknown> }): string {
  const color = message.application_properties?.color;
  return typeof color === 'string' ? color : 'other';
}

/**
 * A requester's bookkeeping through lost connections (workers/requester-slots.ts):
 * each request answered at most once, never both answered and unanswered,
 * and at the end requests = answered + unanswered whatever the replies,
 * losses, resends and timeouts did.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequesterSlots } from '../../workers/requester-slots.js';

/** Every number `each` is told, in order. */
function told(): { seqs: number[]; each: (seq: number) => void } {
  const seqs: number[] = [];
  return { seqs, each: (seq) => seqs.push(seq) };
}

describe('RequesterSlots', () => {
  it('a request outstanding at a loss goes again with its id; its two answers are one reply and one duplicate', () => {
    const slots = new RequesterSlots(4);
    for (let seq = 1; seq <= 3; seq++) slots.take(seq, seq * 10, seq * 10);
    expect(slots.answer(1)).toBe('answered');
    const inDoubt = told();
    expect(slots.connectionLost(3, inDoubt.each)).toBe(2);
    expect(inDoubt.seqs).toEqual([2, 3]);
    expect(slots.nextResend(100)).toBe(2);
    expect(slots.sentUs[2 & slots.mask]).toBe(100);
    expect(slots.intendedUs[2 & slots.mask], 'corrected latency still counts from when it was due').toBe(20);
    expect(slots.answer(2)).toBe('answered');
    expect(slots.answer(2)).toBe('duplicate');
    // 3 answered by the old reply node before its resend went: it is not sent again.
    expect(slots.answer(3)).toBe('answered');
    expect(slots.nextResend(110)).toBe(0);
    // The broker may deliver a request to a responder twice (its accept lost with a connection): answered twice.
    expect(slots.answer(3)).toBe('duplicate');
    expect(slots.outstanding).toBe(0);
  });

  it('a second loss before the resends went: each in doubt once, all queued again in order', () => {
    const slots = new RequesterSlots(4);
    for (let seq = 1; seq <= 4; seq++) slots.take(seq, 0, 0);
    expect(slots.connectionLost(4, () => undefined)).toBe(4);
    expect(slots.nextResend(1)).toBe(1);
    const again = told();
    // 1 was resent on the link now lost (in doubt again); 2..4 never left the queue.
    expect(slots.connectionLost(4, again.each)).toBe(1);
    expect(again.seqs).toEqual([1]);
    expect([slots.nextResend(2), slots.nextResend(2), slots.nextResend(2), slots.nextResend(2)]).toEqual([1, 2, 3, 4]);
    expect(slots.nextResend(2)).toBe(0);
  });

  it('given up at the timeout: unanswered, its reply late once, a reply with no or an unknown id unmatched', () => {
    const slots = new RequesterSlots(2);
    slots.take(1, 1_000, 1_000);
    slots.take(2, 5_000, 5_000);
    const unanswered = told();
    expect(slots.giveUpSentBefore(2_000, unanswered.each)).toBe(1);
    expect(unanswered.seqs).toEqual([1]);
    expect(slots.answer(1)).toBe('late');
    expect(slots.answer(1), 'its second late reply is no reply either').toBe('duplicate');
    expect(slots.answer(-1)).toBe('unmatched');
    expect(slots.answer(0)).toBe('unmatched');
    expect(slots.answer(3), 'never sent').toBe('unmatched');
    const abandoned = told();
    expect(slots.abandon(abandoned.each)).toBe(1);
    expect(abandoned.seqs).toEqual([2]);
  });

  it('any mix of replies, losses, resends and timeouts: requests = answered + unanswered, each request one or the other', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'send' as const }),
      fc.record({ kind: fc.constant('reply' as const), back: fc.nat(12) }),
      fc.constant({ kind: 'lose' as const }),
      fc.constant({ kind: 'resend' as const }),
      fc.record({ kind: fc.constant('timeout' as const), age: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const inFlight = 3;
        const slots = new RequesterSlots(inFlight);
        const answered = new Set<number>();
        const unanswered = new Set<number>();
        const countUnanswered = (seq: number): void => {
          expect(answered.has(seq) || unanswered.has(seq), `request ${seq} ended twice`).toBe(false);
          unanswered.add(seq);
        };
        let sent = 0;
        let now = 0;
        for (const step of ops) {
          now++;
          if (step.kind === 'send') {
            if (slots.resendsWaiting > 0 || slots.outstanding >= inFlight || !slots.isFree(sent + 1)) continue;
            slots.take(++sent, now, now);
          } else if (step.kind === 'reply') {
            const seq = sent - step.back;
            const kind = slots.answer(seq);
            if (kind === 'answered') {
              expect(answered.has(seq) || unanswered.has(seq), `request ${seq} ended twice`).toBe(false);
              answered.add(seq);
            } else if (kind === 'duplicate') {
              expect(answered.has(seq) || unanswered.has(seq)).toBe(true);
            } else if (kind === 'late') {
              expect(unanswered.has(seq)).toBe(true);
            } else {
              expect(seq <= 0 || seq > sent).toBe(true);
            }
          } else if (step.kind === 'lose') {
            slots.connectionLost(sent, () => undefined);
          } else if (step.kind === 'resend') {
            const seq = slots.nextResend(now);
            if (seq !== 0) expect(answered.has(seq) || unanswered.has(seq), `ended request ${seq} resent`).toBe(false);
          } else {
            slots.giveUpSentBefore(now - step.age, countUnanswered);
          }
          expect(slots.outstanding).toBe(sent - answered.size - unanswered.size);
        }
        slots.abandon(countUnanswered);
        expect(answered.size + unanswered.size).toBe(sent);
        expect(slots.outstanding).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

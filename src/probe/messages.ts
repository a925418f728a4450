/** The probe's messages: each carries a tag so a receiver can tell them apart. */
import type { Message } from 'rhea';

const TAG = 'salvo-probe';
let counter = 0;

/** A fresh tag, unique within this process. */
export function newTag(capability: string): string {
  return `${capability}-${++counter}`;
}

/** A small message tagged `tag`, with any extra application properties. */
export function probeMessage(
  tag: string,
  properties: Record<string, string | number | boolean> = {},
  fields: Partial<Message> = {},
): Message {
  return {
    message_id: tag,
    application_properties: { [TAG]: tag, ...properties },
    body: `salvo probe ${tag}`,
    ...fields,
  };
}

/** The tag a probe message carries, or undefined for any other message. */
export function tagOf(message: Message): string | undefined {
  const tag = (message.application_properties as Record<string, unknown> | undefined)?.[TAG];
  return typeof tag === 'string' ? tag : undefined;
}

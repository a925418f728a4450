import type { SelectorSubject } from './subject.js';

/** The decoded fields of an AMQP 1.0 message, named as rhea names them. */
export interface AmqpMessageFields {
  message_id?: string | number | bigint | Buffer | null;
  user_id?: string | Buffer | null;
  to?: string | null;
  subject?: string | null;
  reply_to?: string | null;
  correlation_id?: string | number | bigint | Buffer | null;
  content_type?: string | null;
  content_encoding?: string | null;
  absolute_expiry_time?: Date | number | null;
  creation_time?: Date | number | null;
  group_id?: string | null;
  group_sequence?: number | null;
  reply_to_group_id?: string | null;
  durable?: boolean | null;
  /** AMQP default is 4 when absent. */
  priority?: number | null;
  ttl?: number | null;
  first_acquirer?: boolean | null;
  /** Number of earlier failed delivery attempts (AMQP header), 0 when absent. */
  delivery_count?: number | null;
  application_properties?: Record<string, unknown> | null;
  message_annotations?: Record<string, unknown> | null;
}

const DEFAULT_PRIORITY = 4;

/**
 * Exposes a message to selectors. JMS header names map onto AMQP fields the way the AMQP JMS mapping
 * (Qpid JMS, ActiveMQ Artemis) does; every other identifier is an application property.
 */
export function subjectOfMessage(message: AmqpMessageFields): SelectorSubject {
  return new MessageSubject(message);
}

class MessageSubject implements SelectorSubject {
  constructor(private readonly message: AmqpMessageFields) {}

  lookup(identifier: string): unknown {
    // Cheap first-character test keeps the header switch off the path of ordinary properties.
    if (identifier.charCodeAt(0) === 74 /* 'J' */ && identifier.startsWith('JMS')) {
      const header = this.header(identifier);
      if (header !== NOT_A_HEADER) return header;
    }
    const properties = this.message.application_properties;
    // Own properties only: "constructor" or "toString" must not find Object.prototype members.
    return properties && Object.hasOwn(properties, identifier) ? properties[identifier] : undefined;
  }

  private header(identifier: string): unknown {
    const m = this.message;
    switch (identifier) {
      case 'JMSMessageID':
        return m.message_id;
      case 'JMSCorrelationID':
        return m.correlation_id;
      case 'JMSPriority':
        return m.priority ?? DEFAULT_PRIORITY;
      case 'JMSDeliveryMode':
        return m.durable ? 'PERSISTENT' : 'NON_PERSISTENT';
      case 'JMSTimestamp':
        return toMillis(m.creation_time);
      case 'JMSExpiration':
        return toMillis(m.absolute_expiry_time);
      case 'JMSType':
        return m.subject;
      case 'JMSDestination':
        return m.to;
      case 'JMSReplyTo':
        return m.reply_to;
      case 'JMSXGroupID':
        return m.group_id;
      case 'JMSXGroupSeq':
        return m.group_sequence;
      case 'JMSXUserID':
        return Buffer.isBuffer(m.user_id) ? m.user_id.toString('utf8') : m.user_id;
      case 'JMSXDeliveryCount':
        // JMS counts this delivery too; AMQP counts only earlier failed attempts.
        return (m.delivery_count ?? 0) + 1;
      default:
        return NOT_A_HEADER;
    }
  }
}

const NOT_A_HEADER = Symbol('not a header');

function toMillis(time: Date | number | null | undefined): number | undefined {
  if (time instanceof Date) return time.getTime();
  return typeof time === 'number' ? time : undefined;
}

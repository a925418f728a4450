package salvo.interop.jms;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.qpid.jms.JmsConnectionFactory;

/**
 * The broker under test, as the tests see it: its URL, connections to it with Qpid JMS
 * options, fresh queue names, and bounded receive loops.
 */
final class Broker {
  /** How long a receive waits for a message that must come. */
  static final long ARRIVAL_MS = 10_000;
  /** How long a receive waits to show that no (further) message comes. */
  static final long QUIET_MS = 500;

  private Broker() {}

  /** -Dsalvo.jms.url or SALVO_JMS_URL, e.g. amqp://127.0.0.1:5672. A missing URL fails the test. */
  static String url() {
    String url = System.getProperty("salvo.jms.url");
    if (url == null || url.isBlank()) url = System.getenv("SALVO_JMS_URL");
    if (url == null || url.isBlank()) {
      throw new AssertionError("no broker URL: set SALVO_JMS_URL or -Dsalvo.jms.url (scripts/interop/jms.sh test URL does)");
    }
    return url;
  }

  /** A started connection; `options` are Qpid JMS URI options such as "jms.prefetchPolicy.all=0". */
  static Connection connect(String... options) throws JMSException {
    String base = url();
    String uri = options.length == 0 ? base : base + (base.contains("?") ? "&" : "?") + String.join("&", options);
    Connection connection = new JmsConnectionFactory(uri).createConnection();
    connection.start();
    return connection;
  }

  /** A queue no other test uses. */
  static Queue freshQueue(Session session, String purpose) throws JMSException {
    return session.createQueue("jms-" + purpose + "-" + UUID.randomUUID());
  }

  /** Exactly `count` messages, each within ARRIVAL_MS, or an AssertionError saying how many came. */
  static List<Message> receive(MessageConsumer consumer, int count) throws JMSException {
    List<Message> messages = new ArrayList<>(count);
    while (messages.size() < count) {
      Message message = consumer.receive(ARRIVAL_MS);
      if (message == null) {
        throw new AssertionError("received " + messages.size() + " of " + count + " messages, then none for " + ARRIVAL_MS + " ms");
      }
      messages.add(message);
    }
    return messages;
  }

  /** Every message that arrives until none has for QUIET_MS. */
  static List<Message> receiveUntilQuiet(MessageConsumer consumer) throws JMSException {
    List<Message> messages = new ArrayList<>();
    for (Message message = consumer.receive(QUIET_MS); message != null; message = consumer.receive(QUIET_MS)) {
      messages.add(message);
    }
    return messages;
  }

  /** What is left on the queue, read by a fresh consumer on its own connection (acknowledged as read). */
  static List<Message> drainQueue(Queue queue) throws JMSException {
    try (Connection connection = connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      return receiveUntilQuiet(session.createConsumer(queue));
    }
  }

  static List<Integer> sequenceNumbers(List<Message> messages) throws JMSException {
    List<Integer> numbers = new ArrayList<>(messages.size());
    for (Message message : messages) numbers.add(message.getIntProperty("seq"));
    return numbers;
  }
}

package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelectorTest {
  private static final String[] COLOURS = {"red", "green", "blue"};
  private static final int COUNT = 30;

  @Test
  void selectorConsumerGetsExactlyTheMatchingMessagesAndThePlainConsumerTheRest() throws Exception {
    List<Integer> matching = new ArrayList<>();
    List<Integer> others = new ArrayList<>();
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(session, "selector");
      MessageProducer producer = session.createProducer(queue);
      for (int seq = 1; seq <= COUNT; seq++) {
        Message message = session.createTextMessage("message " + seq);
        message.setIntProperty("seq", seq);
        message.setStringProperty("colour", COLOURS[seq % COLOURS.length]);
        producer.send(message);
        boolean matches = COLOURS[seq % COLOURS.length].equals("green") && seq > 4 || seq == 3;
        (matches ? matching : others).add(seq);
      }

      // Properties, a header (JMSDeliveryMode is the AMQP header's durable) and arithmetic in one selector.
      String selector = "(colour = 'green' AND seq > 4 AND JMSDeliveryMode = 'PERSISTENT') OR seq * 2 = 6";
      List<Message> selected = Broker.receiveUntilQuiet(session.createConsumer(queue, selector));
      assertEquals(matching, Broker.sequenceNumbers(selected), "selected by " + selector);

      List<Message> rest = Broker.receiveUntilQuiet(session.createConsumer(queue));
      assertEquals(others, Broker.sequenceNumbers(rest), "left for a plain consumer");
    }
  }
}

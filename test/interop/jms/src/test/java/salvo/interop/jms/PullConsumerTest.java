package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With prefetch 0 Qpid JMS grants one credit per receive and, when receiveNoWait() is called or
 * receive(timeout) runs out, asks the broker to drain: the call returns only when the broker
 * answers the drain (a message, or a flow saying the credit is used up).
 */
class PullConsumerTest {
  private static final String NO_PREFETCH = "jms.prefetchPolicy.all=0";

  @Test
  @Timeout(30)
  void receiveWithTimeoutAndReceiveNoWaitWithPrefetchZero() throws Exception {
    try (Connection connection = Broker.connect(NO_PREFETCH)) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(session, "pull");
      MessageConsumer consumer = session.createConsumer(queue);
      assertNull(consumer.receiveNoWait(), "receiveNoWait on an empty queue");
      assertNull(consumer.receive(200), "receive(200) on an empty queue");

      MessageProducer producer = session.createProducer(queue);
      for (int seq = 1; seq <= 4; seq++) {
        Message message = session.createTextMessage("message " + seq);
        message.setIntProperty("seq", seq);
        producer.send(message);
      }
      Message first = consumer.receive(Broker.ARRIVAL_MS);
      assertNotNull(first, "receive(timeout) with a message queued");
      Message second = consumer.receiveNoWait();
      assertNotNull(second, "receiveNoWait with a message queued");
      Message third = consumer.receive(Broker.ARRIVAL_MS);
      Message fourth = consumer.receiveNoWait();
      assertEquals(List.of(1, 2, 3, 4), Broker.sequenceNumbers(List.of(first, second, third, fourth)));
      assertNull(consumer.receiveNoWait(), "receiveNoWait after the last message");
      assertNull(consumer.receive(200), "receive(200) after the last message");
      consumer.close();
      // Prefetch 0: nothing was taken beyond what was asked for, and nothing is left over.
      assertEquals(List.of(), Broker.drainQueue(queue));
    }
  }

  @Test
  @Timeout(30)
  void prefetchZeroSelectorConsumerDrainsPastMessagesItDoesNotMatch() throws Exception {
    try (Connection connection = Broker.connect(NO_PREFETCH)) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(session, "pull-selector");
      MessageProducer producer = session.createProducer(queue);
      for (int seq = 1; seq <= 4; seq++) {
        Message message = session.createTextMessage("message " + seq);
        message.setIntProperty("seq", seq);
        message.setBooleanProperty("wanted", seq == 3);
        producer.send(message);
      }
      MessageConsumer selective = session.createConsumer(queue, "wanted = TRUE");
      Message wanted = selective.receiveNoWait();
      assertNotNull(wanted, "receiveNoWait with one matching message queued behind others");
      assertEquals(3, wanted.getIntProperty("seq"));
      // Only non-matching messages are left: the drain must still be answered, with nothing.
      assertNull(selective.receiveNoWait(), "receiveNoWait with no matching message left");
      assertNull(selective.receive(200), "receive(200) with no matching message left");
      selective.close();
      assertEquals(List.of(1, 2, 4), Broker.sequenceNumbers(Broker.drainQueue(queue)));
    }
  }
}

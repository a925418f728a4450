package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ReliableDeliveryTest {
  private static final int COUNT = 10_000;

  @Test
  @Timeout(120)
  void tenThousandMessagesSentAndReceivedExactlyOnceWithNoneLost() throws Exception {
    Queue queue;
    int[] seen = new int[COUNT];
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      queue = Broker.freshQueue(session, "reliable");
      // JMS's default delivery mode is PERSISTENT: Qpid JMS waits for each message to be accepted.
      MessageProducer producer = session.createProducer(queue);
      for (int seq = 0; seq < COUNT; seq++) {
        TextMessage message = session.createTextMessage("message " + seq);
        message.setIntProperty("seq", seq);
        producer.send(message);
      }
      MessageConsumer consumer = session.createConsumer(queue);
      for (Message message : Broker.receive(consumer, COUNT)) {
        int seq = message.getIntProperty("seq");
        assertEquals("message " + seq, ((TextMessage) message).getText());
        seen[seq]++;
      }
      assertEquals(0, Broker.receiveUntilQuiet(consumer).size(), "messages beyond the " + COUNT + " sent");
    }
    for (int seq = 0; seq < COUNT; seq++) assertEquals(1, seen[seq], "times message " + seq + " was received");
    // Every receipt was acknowledged: nothing is redelivered to a new consumer.
    assertTrue(Broker.drainQueue(queue).isEmpty(), "the queue holds acknowledged messages");
  }
}

package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ReliableDeliveryTest {
  private static final int COUNT = 10_000;

  /** Counts the broker's answers to asynchronous sends: onCompletion is Qpid JMS seeing the message accepted. */
  private static final class Outcomes implements CompletionListener {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final CountDownLatch all = new CountDownLatch(COUNT);

    @Override
    public void onCompletion(Message message) {
      accepted.incrementAndGet();
      all.countDown();
    }

    @Override
    public void onException(Message message, Exception exception) {
      failed.incrementAndGet();
      all.countDown();
    }
  }

  @Test
  @Timeout(120)
  void tenThousandPersistentMessagesAllAcceptedThenReceivedExactlyOnce() throws Exception {
    Queue queue;
    int[] seen = new int[COUNT];
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      queue = Broker.freshQueue(session, "reliable");
      // JMS 2 asynchronous sends: PERSISTENT (the default), pipelined, each one answered by the broker.
      MessageProducer producer = session.createProducer(queue);
      Outcomes outcomes = new Outcomes();
      for (int seq = 0; seq < COUNT; seq++) {
        TextMessage message = session.createTextMessage("message " + seq);
        message.setIntProperty("seq", seq);
        producer.send(message, outcomes);
      }
      assertTrue(outcomes.all.await(60, TimeUnit.SECONDS), "answers to " + COUNT + " sends: " + (COUNT - outcomes.all.getCount()));
      assertEquals(COUNT, outcomes.accepted.get(), "sends accepted");
      assertEquals(0, outcomes.failed.get(), "sends failed");

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

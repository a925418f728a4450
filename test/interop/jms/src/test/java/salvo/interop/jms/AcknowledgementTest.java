package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What becomes of messages a consumer took but did not acknowledge, and asynchronous delivery. */
class AcknowledgementTest {
  private static Queue fill(Session session, String purpose, int count) throws Exception {
    Queue queue = Broker.freshQueue(session, purpose);
    MessageProducer producer = session.createProducer(queue);
    for (int seq = 1; seq <= count; seq++) {
      Message message = session.createTextMessage("message " + seq);
      message.setIntProperty("seq", seq);
      producer.send(message);
    }
    return queue;
  }

  @Test
  void closingAConsumerReturnsItsPrefetchedAndUnacknowledgedMessagesToTheQueue() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session plain = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = fill(plain, "returned", 10);
      Session clientAck = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
      MessageConsumer consumer = clientAck.createConsumer(queue);
      // Two read and left unacknowledged; the other eight were prefetched (credit 1000) and never read.
      assertEquals(List.of(1, 2), Broker.sequenceNumbers(Broker.receive(consumer, 2)));
      consumer.close();
      clientAck.close();

      List<Message> back = Broker.drainQueue(queue);
      assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), sorted(Broker.sequenceNumbers(back)), "returned to the queue");
      for (Message message : back) {
        boolean wasRead = message.getIntProperty("seq") <= 2;
        // Qpid JMS settles read-but-unacknowledged messages as modified (delivery failed), prefetched ones as released.
        assertEquals(wasRead, message.getJMSRedelivered(), "JMSRedelivered of message " + message.getIntProperty("seq"));
      }
    }
  }

  @Test
  void sessionRecoverRedeliversAndAcknowledgeRemoves() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session plain = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = fill(plain, "recover", 5);
      Session clientAck = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
      MessageConsumer consumer = clientAck.createConsumer(queue);
      for (Message message : Broker.receive(consumer, 5)) assertFalse(message.getJMSRedelivered());
      clientAck.recover();
      List<Message> again = Broker.receive(consumer, 5);
      assertEquals(List.of(1, 2, 3, 4, 5), Broker.sequenceNumbers(again), "after recover");
      for (Message message : again) assertTrue(message.getJMSRedelivered(), "redelivered after recover");
      again.get(again.size() - 1).acknowledge();
      consumer.close();
      assertEquals(List.of(), Broker.drainQueue(queue), "left after acknowledge");
    }
  }

  @Test
  void aMessageListenerGetsEveryMessageOnce() throws Exception {
    int count = 1_000;
    List<Integer> heard = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch all = new CountDownLatch(count);
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = fill(session, "listener", count);
      Session listening = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer consumer = listening.createConsumer(queue);
      consumer.setMessageListener(message -> {
        try {
          heard.add(message.getIntProperty("seq"));
        } catch (Exception e) {
          heard.add(-1);
        }
        all.countDown();
      });
      assertTrue(all.await(Broker.ARRIVAL_MS * 3, TimeUnit.MILLISECONDS), "heard " + heard.size() + " of " + count);
      consumer.close();
      List<Integer> expected = new ArrayList<>();
      for (int seq = 1; seq <= count; seq++) expected.add(seq);
      assertEquals(expected, new ArrayList<>(heard), "in order, each once");
      assertEquals(List.of(), Broker.drainQueue(queue));
    }
  }

  private static List<Integer> sorted(List<Integer> numbers) {
    List<Integer> copy = new ArrayList<>(numbers);
    Collections.sort(copy);
    return copy;
  }
}

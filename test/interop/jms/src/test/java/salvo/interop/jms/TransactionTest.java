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
import java.util.List;
import org.junit.jupiter.api.Test;

/** JMS local transactions (transacted sessions), which Qpid JMS runs as AMQP local transactions. */
class TransactionTest {
  private static void sendSequenced(Session session, MessageProducer producer, int from, int to) throws Exception {
    for (int seq = from; seq <= to; seq++) {
      Message message = session.createTextMessage("message " + seq);
      message.setIntProperty("seq", seq);
      producer.send(message);
    }
  }

  @Test
  void sendSideCommittedMessagesAreDeliveredAndRolledBackOnesNever() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session transacted = connection.createSession(true, Session.SESSION_TRANSACTED);
      Session plain = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(plain, "tx-send");
      MessageProducer producer = transacted.createProducer(queue);
      MessageConsumer consumer = plain.createConsumer(queue);

      sendSequenced(transacted, producer, 1, 5);
      assertEquals(List.of(), Broker.receiveUntilQuiet(consumer), "sent but not yet committed");
      transacted.commit();
      assertEquals(List.of(1, 2, 3, 4, 5), Broker.sequenceNumbers(Broker.receive(consumer, 5)));

      sendSequenced(transacted, producer, 6, 8);
      transacted.rollback();
      sendSequenced(transacted, producer, 9, 10);
      transacted.commit();
      assertEquals(List.of(9, 10), Broker.sequenceNumbers(Broker.receiveUntilQuiet(consumer)), "after a rollback and a commit");
    }
  }

  @Test
  void receiveSideRollbackRedeliversAndCommitRemoves() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session plain = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(plain, "tx-receive");
      MessageProducer producer = plain.createProducer(queue);
      sendSequenced(plain, producer, 1, 5);

      Session transacted = connection.createSession(true, Session.SESSION_TRANSACTED);
      MessageConsumer consumer = transacted.createConsumer(queue);
      List<Message> first = Broker.receive(consumer, 5);
      assertEquals(List.of(1, 2, 3, 4, 5), Broker.sequenceNumbers(first));
      for (Message message : first) {
        assertFalse(message.getJMSRedelivered(), "first delivery marked redelivered");
        assertEquals(1, message.getIntProperty("JMSXDeliveryCount"));
      }
      transacted.rollback();

      List<Message> again = Broker.receive(consumer, 5);
      assertEquals(List.of(1, 2, 3, 4, 5), Broker.sequenceNumbers(again), "redelivered after rollback, in order");
      for (Message message : again) {
        assertTrue(message.getJMSRedelivered(), "redelivery not marked JMSRedelivered");
        assertEquals(2, message.getIntProperty("JMSXDeliveryCount"));
      }
      transacted.commit();
      consumer.close();
      assertEquals(List.of(), Broker.drainQueue(queue), "left on the queue after commit");
    }
  }

  @Test
  void consumeAndProduceInOneTransaction() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session plain = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue input = Broker.freshQueue(plain, "tx-in");
      Queue output = Broker.freshQueue(plain, "tx-out");
      sendSequenced(plain, plain.createProducer(input), 1, 3);

      Session transacted = connection.createSession(true, Session.SESSION_TRANSACTED);
      MessageConsumer consumer = transacted.createConsumer(input);
      MessageProducer producer = transacted.createProducer(output);
      for (Message message : Broker.receive(consumer, 3)) producer.send(message);
      transacted.rollback();
      // Rolled back: nothing reached the output, and the input's messages come again.
      for (Message message : Broker.receive(consumer, 3)) {
        Message copy = transacted.createTextMessage("copy of " + message.getIntProperty("seq"));
        copy.setIntProperty("seq", message.getIntProperty("seq"));
        producer.send(copy);
      }
      transacted.commit();
      consumer.close();

      assertEquals(List.of(), Broker.drainQueue(input), "input after commit");
      assertEquals(List.of(1, 2, 3), Broker.sequenceNumbers(Broker.drainQueue(output)), "output after a rollback then a commit");
    }
  }
}

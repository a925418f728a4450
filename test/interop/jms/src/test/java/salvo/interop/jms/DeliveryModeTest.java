package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PERSISTENT is AMQP's durable header: accepted (the embedded broker keeps it in memory) and kept on the message. */
class DeliveryModeTest {
  @Test
  void persistentAndNonPersistentAreAcceptedAndReceivedAsSent() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(session, "delivery-mode");
      MessageProducer producer = session.createProducer(queue);
      int[] modes = {DeliveryMode.PERSISTENT, DeliveryMode.NON_PERSISTENT, DeliveryMode.PERSISTENT};
      for (int seq = 0; seq < modes.length; seq++) {
        Message message = session.createTextMessage("message " + seq);
        message.setIntProperty("seq", seq);
        // A PERSISTENT send blocks until the broker accepts it; a refusal would throw here.
        producer.send(message, modes[seq], Message.DEFAULT_PRIORITY, Message.DEFAULT_TIME_TO_LIVE);
        assertEquals(modes[seq], message.getJMSDeliveryMode());
      }
      List<Message> received = Broker.receive(session.createConsumer(queue), modes.length);
      for (int seq = 0; seq < modes.length; seq++) {
        assertEquals(seq, received.get(seq).getIntProperty("seq"));
        assertEquals(modes[seq], received.get(seq).getJMSDeliveryMode(), "JMSDeliveryMode of message " + seq);
      }
    }
  }
}

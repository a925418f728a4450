package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TemporaryQueueTest {
  private static final List<String> REQUESTS = List.of(
      "Twas brillig, and the slithy toves", "Did gyre and gimble in the wabe:", "All mimsy were the borogoves,", "And the mome raths outgrabe.");

  /** Answers `count` requests with their upper-cased text, to JMSReplyTo, through an anonymous producer. */
  private static int serve(Queue requests, int count) throws Exception {
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer consumer = session.createConsumer(requests);
      MessageProducer anonymous = session.createProducer(null);
      for (Message request : Broker.receive(consumer, count)) {
        TextMessage reply = session.createTextMessage(((TextMessage) request).getText().toUpperCase());
        reply.setJMSCorrelationID(request.getJMSMessageID());
        anonymous.send(request.getJMSReplyTo(), reply);
      }
      return count;
    }
  }

  @Test
  void requestReplyThroughATemporaryQueueAnsweredWithTheRightCorrelationId() throws Exception {
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue requests = Broker.freshQueue(session, "requests");
      TemporaryQueue replies = session.createTemporaryQueue();
      assertFalse(replies.getQueueName().isEmpty(), "the broker named the temporary queue");
      MessageConsumer replyConsumer = session.createConsumer(replies);
      CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> {
        try {
          return serve(requests, REQUESTS.size());
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });

      MessageProducer producer = session.createProducer(requests);
      Map<String, String> expectedByMessageId = new HashMap<>();
      for (String text : REQUESTS) {
        TextMessage request = session.createTextMessage(text);
        request.setJMSReplyTo(replies);
        producer.send(request);
        expectedByMessageId.put(request.getJMSMessageID(), text.toUpperCase());
      }

      Map<String, String> answered = new HashMap<>();
      for (Message reply : Broker.receive(replyConsumer, REQUESTS.size())) {
        assertNotNull(reply.getJMSCorrelationID(), "reply without JMSCorrelationID");
        answered.put(reply.getJMSCorrelationID(), ((TextMessage) reply).getText());
      }
      assertEquals(expectedByMessageId, answered);
      assertEquals(REQUESTS.size(), server.get(30, TimeUnit.SECONDS));
      assertEquals(List.of(), Broker.receiveUntilQuiet(replyConsumer), "replies beyond one per request");

      replyConsumer.close();
      replies.delete();
    }
  }
}

package salvo.interop.jms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.ObjectMessage;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.StreamMessage;
import jakarta.jms.TextMessage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a JMS application puts on a message comes back with the same value and Java type. */
class MessagePropertiesTest {
  /** One property of every JMS property type, at awkward values. */
  private static Map<String, Object> everyType() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("aBoolean", Boolean.TRUE);
    properties.put("aByte", Byte.MIN_VALUE);
    properties.put("aShort", (short) -12345);
    properties.put("anInt", Integer.MAX_VALUE);
    properties.put("aLong", Long.MIN_VALUE + 1);
    properties.put("aFloat", 3.25e-7f);
    properties.put("aDouble", -Math.PI * 1e300);
    properties.put("aString", "gr\u00fcn \u2603 \ud83d\ude00");
    properties.put("anEmptyString", "");
    return properties;
  }

  @Test
  void propertiesOfEveryJmsTypeRoundTripWithTheirTypes() throws Exception {
    Map<String, Object> sent = everyType();
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(session, "properties");
      Message message = session.createMessage();
      for (Map.Entry<String, Object> property : sent.entrySet()) message.setObjectProperty(property.getKey(), property.getValue());
      session.createProducer(queue).send(message);

      Message received = Broker.receive(session.createConsumer(queue), 1).get(0);
      for (Map.Entry<String, Object> property : sent.entrySet()) {
        Object value = received.getObjectProperty(property.getKey());
        assertInstanceOf(property.getValue().getClass(), value, property.getKey());
        assertEquals(property.getValue(), value, property.getKey());
      }
      // The typed getters read them too, with no conversion error.
      assertEquals(true, received.getBooleanProperty("aBoolean"));
      assertEquals(Byte.MIN_VALUE, received.getByteProperty("aByte"));
      assertEquals((short) -12345, received.getShortProperty("aShort"));
      assertEquals(Integer.MAX_VALUE, received.getIntProperty("anInt"));
      assertEquals(Long.MIN_VALUE + 1, received.getLongProperty("aLong"));
      assertEquals(3.25e-7f, received.getFloatProperty("aFloat"));
      assertEquals(-Math.PI * 1e300, received.getDoubleProperty("aDouble"));
      assertTrue(Collections.list(received.getPropertyNames()).containsAll(sent.keySet()), "property names");
    }
  }

  @Test
  void headersAndEveryBodyTypeRoundTrip() throws Exception {
    byte[] bytes = {0, 1, -1, 127, -128};
    try (Connection connection = Broker.connect()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = Broker.freshQueue(session, "bodies");
      MessageProducer producer = session.createProducer(queue);

      TextMessage text = session.createTextMessage("text \u00e9");
      text.setJMSCorrelationID("correlation-1");
      text.setJMSType("order");
      producer.send(text, DeliveryMode.PERSISTENT, 7, 60_000);
      BytesMessage binary = session.createBytesMessage();
      binary.writeBytes(bytes);
      producer.send(binary);
      MapMessage map = session.createMapMessage();
      map.setInt("count", 42);
      map.setString("name", "salvo");
      map.setBoolean("ok", true);
      producer.send(map);
      StreamMessage stream = session.createStreamMessage();
      stream.writeLong(-1L);
      stream.writeString("two");
      stream.writeDouble(3.5);
      producer.send(stream);
      ObjectMessage object = session.createObjectMessage(new java.util.ArrayList<>(List.of("a", "b")));
      producer.send(object);

      MessageConsumer consumer = session.createConsumer(queue);
      List<Message> received = Broker.receive(consumer, 5);

      TextMessage text2 = assertInstanceOf(TextMessage.class, received.get(0));
      assertEquals("text \u00e9", text2.getText());
      assertEquals("correlation-1", text2.getJMSCorrelationID());
      assertEquals("order", text2.getJMSType());
      assertEquals(7, text2.getJMSPriority());
      assertTrue(text2.getJMSExpiration() > System.currentTimeMillis(), "JMSExpiration from a 60 s time to live");
      assertEquals(text.getJMSMessageID(), text2.getJMSMessageID());

      BytesMessage binary2 = assertInstanceOf(BytesMessage.class, received.get(1));
      byte[] read = new byte[(int) binary2.getBodyLength()];
      binary2.readBytes(read);
      assertArrayEquals(bytes, read);

      MapMessage map2 = assertInstanceOf(MapMessage.class, received.get(2));
      assertEquals(42, map2.getInt("count"));
      assertEquals("salvo", map2.getString("name"));
      assertEquals(true, map2.getBoolean("ok"));

      StreamMessage stream2 = assertInstanceOf(StreamMessage.class, received.get(3));
      assertEquals(-1L, stream2.readLong());
      assertEquals("two", stream2.readString());
      assertEquals(3.5, stream2.readDouble());

      ObjectMessage object2 = assertInstanceOf(ObjectMessage.class, received.get(4));
      assertEquals(List.of("a", "b"), object2.getObject());
      assertEquals(List.of(), Broker.receiveUntilQuiet(consumer));
    }
  }
}

/*
 * An ActiveMQ Classic broker for salvo's tests: a BrokerService with two AMQP
 * connectors on loopback and nothing else (no OpenWire, no JMX, no web
 * console). scripts/brokers/activemq.sh compiles and starts it.
 *
 *   java -cp 'lib/*:classes' SalvoBroker DATA_DIR AMQP_PORT AMQPS_PORT CERTS_DIR PASSWORD
 *
 * Classic 6.x ships as a distribution only from Apache's download site; its
 * jars are on Maven Central, and a broker is this much code around them.
 */
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.activemq.broker.BrokerPlugin;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.SslContext;
import org.apache.activemq.security.AuthenticationUser;
import org.apache.activemq.security.SimpleAuthenticationPlugin;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;

public final class SalvoBroker {
  /*
   * transport.tcpNoDelay: Classic's default is false (Nagle on), which adds
   * about 40 ms to every round trip that waits for an answer (measured here:
   * transactions 216 msg/s, rpc 211 req/s; with it on 1,016 msg/s and 543
   * req/s). Every connector sets it; -Dsalvo.tcpNoDelay=false (the script's
   * ACTIVEMQ_TCP_NO_DELAY=false) keeps Classic's default, to measure that.
   */
  private static final String OPTIONS =
      "transport.tcpNoDelay=" + Boolean.parseBoolean(System.getProperty("salvo.tcpNoDelay", "true"))
          + "&maximumConnections=10000";

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: SalvoBroker DATA_DIR AMQP_PORT AMQPS_PORT CERTS_DIR PASSWORD");
      System.exit(2);
    }
    String dataDir = args[0];
    int amqpPort = Integer.parseInt(args[1]);
    int amqpsPort = Integer.parseInt(args[2]);
    String certs = args[3];
    char[] password = args[4].toCharArray();

    BrokerService broker = new BrokerService();
    broker.setBrokerName("salvo");
    broker.setUseJmx(false);
    broker.setAdvisorySupport(false);
    broker.setDataDirectory(dataDir);
    // Message memory as a share of the heap (ACTIVEMQ_HEAP), not Classic's fixed 1 GB default.
    broker.getSystemUsage().getMemoryUsage().setPercentOfJvmHeap(70);
    // KahaDB syncs its journal before a durable send is acknowledged (the default).
    KahaDBPersistenceAdapter store = new KahaDBPersistenceAdapter();
    store.setDirectory(new java.io.File(dataDir, "kahadb"));
    broker.setPersistenceAdapter(store);
    broker.setPlugins(new BrokerPlugin[] {authentication()});
    broker.setSslContext(sslContext(certs, password));
    broker.addConnector("amqp://127.0.0.1:" + amqpPort + "?" + OPTIONS);
    // wantClientAuth: a client certificate is asked for, not required (as on the other brokers).
    broker.addConnector("amqp+ssl://127.0.0.1:" + amqpsPort + "?" + OPTIONS + "&transport.wantClientAuth=true");
    // BrokerService stops itself on TERM (its own shutdown hook, useShutdownHook).
    broker.start();
    if (!broker.waitUntilStarted()) {
      System.err.println("SalvoBroker: the broker did not start");
      System.exit(1);
    }
    System.err.println("SalvoBroker: started, amqp on 127.0.0.1:" + amqpPort + ", amqps on 127.0.0.1:" + amqpsPort);
    broker.waitUntilStopped();
  }

  /** User salvo/salvo for PLAIN; ANONYMOUS is let in too, and a wrong password is refused. */
  private static BrokerPlugin authentication() {
    SimpleAuthenticationPlugin plugin = new SimpleAuthenticationPlugin(
        List.of(new AuthenticationUser("salvo", "salvo", "users")));
    plugin.setAnonymousAccessAllowed(true);
    return plugin;
  }

  /** The server keystore and CA truststore scripts/certs.sh makes. */
  private static SslContext sslContext(String certs, char[] password) throws Exception {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(load(certs + "/server.p12", password), password);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(load(certs + "/ca-truststore.p12", password));
    return new SslContext(keys.getKeyManagers(), trust.getTrustManagers(), null);
  }

  private static KeyStore load(String file, char[] password) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(file)) {
      store.load(in, password);
    }
    return store;
  }
}

package interop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/go-amqp"
)

// brokerURL is the broker every test runs against (SALVO_GO_URL).
var brokerURL string

// stepTimeout bounds every single network step (dial, attach, send, receive).
const stepTimeout = 10 * time.Second

// quiet is how long a receiver must get nothing to count as "no more deliveries".
const quiet = 300 * time.Millisecond

func TestMain(m *testing.M) {
	brokerURL = os.Getenv("SALVO_GO_URL")
	if brokerURL == "" {
		fmt.Fprintln(os.Stderr, "SALVO_GO_URL is not set: these tests need a broker URL such as amqp://127.0.0.1:5672")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), stepTimeout)
}

// dial opens a connection that is closed when the test ends.
func dial(t *testing.T) *amqp.Conn {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	conn, err := amqp.Dial(ctx, brokerURL, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", brokerURL, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func session(t *testing.T, conn *amqp.Conn) *amqp.Session {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	s, err := conn.NewSession(ctx, nil)
	if err != nil {
		t.Fatalf("begin session: %v", err)
	}
	return s
}

func sender(t *testing.T, s *amqp.Session, address string, opts *amqp.SenderOptions) *amqp.Sender {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	snd, err := s.NewSender(ctx, address, opts)
	if err != nil {
		t.Fatalf("attach sender to %q: %v", address, err)
	}
	return snd
}

func receiver(t *testing.T, s *amqp.Session, address string, opts *amqp.ReceiverOptions) *amqp.Receiver {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	r, err := s.NewReceiver(ctx, address, opts)
	if err != nil {
		t.Fatalf("attach receiver to %q: %v", address, err)
	}
	return r
}

var queues atomic.Int64

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9]+`)

// freshQueue names a queue no other test (or earlier run on the same broker) has used.
func freshQueue(t *testing.T) string {
	return fmt.Sprintf("go.%s.%d.%d", unsafeName.ReplaceAllString(t.Name(), "-"), time.Now().UnixNano(), queues.Add(1))
}

// numbered is message seq of a run: its sequence number travels in an application property.
func numbered(seq int, props map[string]any) *amqp.Message {
	all := map[string]any{"seq": int64(seq)}
	for k, v := range props {
		all[k] = v
	}
	return &amqp.Message{ApplicationProperties: all, Data: [][]byte{[]byte(fmt.Sprintf("message %d", seq))}}
}

func seqOf(t *testing.T, msg *amqp.Message) int {
	t.Helper()
	seq, ok := msg.ApplicationProperties["seq"].(int64)
	if !ok {
		t.Fatalf("message without an int64 seq property: %v", msg.ApplicationProperties)
	}
	return int(seq)
}

func deliveryCount(msg *amqp.Message) uint32 {
	if msg.Header == nil {
		return 0
	}
	return msg.Header.DeliveryCount
}

// sendAll sends seqs from..to-1, each Send waiting for its outcome (unless the sender pre-settles).
func sendAll(t *testing.T, snd *amqp.Sender, from, to int, props func(seq int) map[string]any) {
	t.Helper()
	for seq := from; seq < to; seq++ {
		var p map[string]any
		if props != nil {
			p = props(seq)
		}
		ctx, cancel := step()
		err := snd.Send(ctx, numbered(seq, p), nil)
		cancel()
		if err != nil {
			t.Fatalf("send %d: %v", seq, err)
		}
	}
}

// receiveN receives exactly n messages (accepting each unless the link is pre-settled) and returns their seqs.
func receiveN(t *testing.T, r *amqp.Receiver, n int, accept bool) []int {
	t.Helper()
	seqs := make([]int, 0, n)
	for len(seqs) < n {
		ctx, cancel := step()
		msg, err := r.Receive(ctx, nil)
		cancel()
		if err != nil {
			t.Fatalf("received %d of %d, then: %v", len(seqs), n, err)
		}
		seqs = append(seqs, seqOf(t, msg))
		if accept {
			acceptMessage(t, r, msg)
		}
	}
	return seqs
}

func acceptMessage(t *testing.T, r *amqp.Receiver, msg *amqp.Message) {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	if err := r.AcceptMessage(ctx, msg); err != nil {
		t.Fatalf("accept: %v", err)
	}
}

func receiveOne(t *testing.T, r *amqp.Receiver) *amqp.Message {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	msg, err := r.Receive(ctx, nil)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return msg
}

// expectNothing fails if r gets a delivery within `quiet`.
func expectNothing(t *testing.T, r *amqp.Receiver, why string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), quiet)
	defer cancel()
	msg, err := r.Receive(ctx, nil)
	if err == nil {
		t.Fatalf("%s: got message seq %v", why, msg.ApplicationProperties["seq"])
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: receive failed: %v", why, err)
	}
}

// inOrder checks that got is exactly want: each message once, in order.
func inOrder(t *testing.T, what string, got []int, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d messages %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: message %d is seq %d, want %d (got %v)", what, i, got[i], want[i], got)
		}
	}
}

func span(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func closeLink(t *testing.T, what string, closer interface{ Close(context.Context) error }) {
	t.Helper()
	ctx, cancel := step()
	defer cancel()
	if err := closer.Close(ctx); err != nil {
		t.Fatalf("close %s: %v", what, err)
	}
}

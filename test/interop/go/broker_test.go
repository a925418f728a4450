package interop

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/Azure/go-amqp"
)

// A receiver attached after a sender on the same session: the broker's attach
// must be one go-amqp can decode (it closes the connection on a malformed terminus).
func TestReceiverAttachesAfterSender(t *testing.T) {
	s := session(t, dial(t))
	q := freshQueue(t)
	snd := sender(t, s, q, nil)
	r := receiver(t, s, q, nil)
	if r.Address() != q || snd.Address() != q {
		t.Fatalf("addresses: receiver %q, sender %q, want %q", r.Address(), snd.Address(), q)
	}
	sendAll(t, snd, 0, 1, nil)
	inOrder(t, "received", receiveN(t, r, 1, true), []int{0})
}

func TestReliableTransfer(t *testing.T) {
	const n = 500
	s := session(t, dial(t))
	q := freshQueue(t)
	snd := sender(t, s, q, nil)
	sendAll(t, snd, 0, n, nil)
	r := receiver(t, s, q, &amqp.ReceiverOptions{Credit: 100})
	inOrder(t, "received", receiveN(t, r, n, true), span(0, n))
	expectNothing(t, r, "after all were accepted")
}

func TestPresettledTransfer(t *testing.T) {
	const n = 500
	s := session(t, dial(t))
	q := freshQueue(t)
	r := receiver(t, s, q, &amqp.ReceiverOptions{Credit: 100, RequestedSenderSettleMode: amqp.SenderSettleModeSettled.Ptr()})
	snd := sender(t, s, q, &amqp.SenderOptions{SettlementMode: amqp.SenderSettleModeSettled.Ptr()})
	sendAll(t, snd, 0, n, nil)
	inOrder(t, "received", receiveN(t, r, n, false), span(0, n))
	expectNothing(t, r, "after the last pre-settled message")
}

func TestSelectorFilter(t *testing.T) {
	const n = 30
	colours := []string{"red", "green", "blue"}
	s := session(t, dial(t))
	q := freshQueue(t)
	snd := sender(t, s, q, nil)
	sendAll(t, snd, 0, n, func(seq int) map[string]any { return map[string]any{"colour": colours[seq%3]} })

	const selector = "colour = 'green'"
	green := receiver(t, s, q, &amqp.ReceiverOptions{Credit: 50, Filters: []amqp.LinkFilter{amqp.NewSelectorFilter(selector)}})
	if echoed := green.LinkSourceFilterValue("apache.org:selector-filter:string"); echoed != selector {
		t.Fatalf("the broker echoed the selector as %v, want %q", echoed, selector)
	}
	var greens, others []int
	for seq := range n {
		if colours[seq%3] == "green" {
			greens = append(greens, seq)
		} else {
			others = append(others, seq)
		}
	}
	inOrder(t, "selector receiver", receiveN(t, green, len(greens), true), greens)
	expectNothing(t, green, "selector receiver after the last green")
	closeLink(t, "selector receiver", green)

	rest := receiver(t, s, q, &amqp.ReceiverOptions{Credit: 50})
	inOrder(t, "plain receiver", receiveN(t, rest, len(others), true), others)
	expectNothing(t, rest, "plain receiver after the rest")
}

func TestReleaseAndModify(t *testing.T) {
	s := session(t, dial(t))
	q := freshQueue(t)
	sendAll(t, sender(t, s, q, nil), 0, 1, nil)
	r := receiver(t, s, q, &amqp.ReceiverOptions{Credit: 1})

	first := receiveOne(t, r)
	if seqOf(t, first) != 0 || deliveryCount(first) != 0 {
		t.Fatalf("first delivery: seq %d, delivery-count %d, want 0 and 0", seqOf(t, first), deliveryCount(first))
	}
	ctx, cancel := step()
	defer cancel()
	if err := r.ReleaseMessage(ctx, first); err != nil {
		t.Fatalf("release: %v", err)
	}

	released := receiveOne(t, r)
	if seqOf(t, released) != 0 || deliveryCount(released) != 0 {
		t.Fatalf("after release: seq %d, delivery-count %d, want 0 and 0 (released does not count as a delivery attempt)", seqOf(t, released), deliveryCount(released))
	}
	if err := r.ModifyMessage(ctx, released, &amqp.ModifyMessageOptions{DeliveryFailed: true}); err != nil {
		t.Fatalf("modify: %v", err)
	}

	modified := receiveOne(t, r)
	if seqOf(t, modified) != 0 || deliveryCount(modified) != 1 {
		t.Fatalf("after modify(delivery-failed): seq %d, delivery-count %d, want 0 and 1", seqOf(t, modified), deliveryCount(modified))
	}
	if err := r.ModifyMessage(ctx, modified, &amqp.ModifyMessageOptions{DeliveryFailed: false}); err != nil {
		t.Fatalf("modify: %v", err)
	}

	again := receiveOne(t, r)
	if seqOf(t, again) != 0 || deliveryCount(again) != 1 {
		t.Fatalf("after modify(not failed): seq %d, delivery-count %d, want 0 and 1", seqOf(t, again), deliveryCount(again))
	}
	acceptMessage(t, r, again)
	expectNothing(t, r, "after the accept")
}

func TestDynamicReceiver(t *testing.T) {
	const n = 10
	s := session(t, dial(t))
	r := receiver(t, s, "", &amqp.ReceiverOptions{DynamicAddress: true, Credit: 20})
	address := r.Address()
	if address == "" {
		t.Fatal("the broker gave the dynamic receiver no address")
	}
	other := receiver(t, s, "", &amqp.ReceiverOptions{DynamicAddress: true})
	if other.Address() == address {
		t.Fatalf("two dynamic receivers got the same address %q", address)
	}
	sendAll(t, sender(t, session(t, dial(t)), address, nil), 0, n, nil)
	inOrder(t, "dynamic receiver", receiveN(t, r, n, true), span(0, n))
	expectNothing(t, other, "the other dynamic node")
}

func TestFiveMiBMessage(t *testing.T) {
	body := make([]byte, 5<<20)
	random := rand.NewChaCha8([32]byte{'s', 'a', 'l', 'v', 'o'})
	_, _ = random.Read(body)
	s := session(t, dial(t))
	q := freshQueue(t)
	snd := sender(t, s, q, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := snd.Send(ctx, &amqp.Message{Data: [][]byte{body}}, nil); err != nil {
		t.Fatalf("send 5 MiB: %v", err)
	}
	r := receiver(t, s, q, &amqp.ReceiverOptions{Credit: 1})
	msg, err := r.Receive(ctx, nil)
	if err != nil {
		t.Fatalf("receive 5 MiB: %v", err)
	}
	got := bytes.Join(msg.Data, nil)
	if len(got) != len(body) || !bytes.Equal(got, body) {
		t.Fatalf("body: %d bytes received, %d sent, equal=%v", len(got), len(body), bytes.Equal(got, body))
	}
	acceptMessage(t, r, msg)
}

// Links spread over sessions: each of `pairs` queues has its sender and its receiver
// on different sessions of one connection, and every link delivers all its messages.
func TestManyLinksOverSessions(t *testing.T) {
	const sessions, pairs, perLink = 4, 16, 50
	conn := dial(t)
	ss := make([]*amqp.Session, sessions)
	for i := range ss {
		ss[i] = session(t, conn)
	}
	senders := make([]*amqp.Sender, pairs)
	receivers := make([]*amqp.Receiver, pairs)
	for i := range pairs {
		q := fmt.Sprintf("%s.%d", freshQueue(t), i)
		receivers[i] = receiver(t, ss[i%sessions], q, &amqp.ReceiverOptions{Credit: 20})
		senders[i] = sender(t, ss[(i+1)%sessions], q, nil)
	}
	var wg sync.WaitGroup
	failures := make(chan string, 2*pairs)
	for i := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for seq := range perLink {
				ctx, cancel := step()
				err := senders[i].Send(ctx, numbered(seq, nil), nil)
				cancel()
				if err != nil {
					failures <- fmt.Sprintf("sender %d, seq %d: %v", i, seq, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for want := range perLink {
				ctx, cancel := step()
				msg, err := receivers[i].Receive(ctx, nil)
				if err == nil {
					err = receivers[i].AcceptMessage(ctx, msg)
				}
				cancel()
				if err != nil {
					failures <- fmt.Sprintf("receiver %d after %d messages: %v", i, want, err)
					return
				}
				if got, _ := msg.ApplicationProperties["seq"].(int64); int(got) != want {
					failures <- fmt.Sprintf("receiver %d: message %d is seq %d", i, want, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	time.Sleep(quiet)
	for i := range pairs {
		if extra := receivers[i].Prefetched(); extra != nil {
			t.Errorf("receiver %d got a message after its %d: seq %v", i, perLink, extra.ApplicationProperties["seq"])
		}
	}
}

// After one receiver's session ends, the broker routes new messages to the
// receivers still attached only: none goes to the ended session's link.
func TestSessionEnd(t *testing.T) {
	const n = 40
	conn := dial(t)
	q := freshQueue(t)
	ending := session(t, conn)
	receiver(t, ending, q, &amqp.ReceiverOptions{Credit: 50})
	live := receiver(t, session(t, conn), q, &amqp.ReceiverOptions{Credit: 50})
	closeLink(t, "session", ending)

	sendAll(t, sender(t, session(t, conn), q, nil), 0, n, nil)
	inOrder(t, "live receiver", receiveN(t, live, n, true), span(0, n))
	expectNothing(t, live, "live receiver after the last message")
}

// Manual credit: nothing arrives before credit is issued, exactly the credit
// issued arrives after, and DrainCredit returns (the broker answers the drain).
func TestManualCreditAndDrain(t *testing.T) {
	const n = 10
	s := session(t, dial(t))
	q := freshQueue(t)
	snd := sender(t, s, q, nil)
	sendAll(t, snd, 0, n, nil)
	r := receiver(t, s, q, &amqp.ReceiverOptions{Credit: -1})
	expectNothing(t, r, "before any credit")

	if err := r.IssueCredit(3); err != nil {
		t.Fatalf("issue credit: %v", err)
	}
	inOrder(t, "with credit 3", receiveN(t, r, 3, true), span(0, 3))
	expectNothing(t, r, "after 3 deliveries on credit 3")

	// The credit is used up: go-amqp's drain flow carries link-credit 0 and waits for the answering flow.
	ctx, cancel := step()
	defer cancel()
	if err := r.DrainCredit(ctx, nil); err != nil {
		t.Fatalf("drain with no credit left: %v", err)
	}
	expectNothing(t, r, "after the drain")

	if err := r.IssueCredit(n - 3); err != nil {
		t.Fatalf("issue credit: %v", err)
	}
	inOrder(t, "with credit 7", receiveN(t, r, n-3, true), span(3, n))

	// Credit on an empty queue, then drained: later messages stay queued.
	if err := r.IssueCredit(5); err != nil {
		t.Fatalf("issue credit: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // let go-amqp write the credit before the drain (it folds pending credit into a drain)
	if err := r.DrainCredit(ctx, nil); err != nil {
		t.Fatalf("drain with credit 5 on an empty queue: %v", err)
	}
	sendAll(t, snd, n, n+1, nil)
	expectNothing(t, r, "a message sent after the drain")
	if err := r.IssueCredit(1); err != nil {
		t.Fatalf("issue credit: %v", err)
	}
	inOrder(t, "after the drain, with credit 1", receiveN(t, r, 1, true), []int{n})
}

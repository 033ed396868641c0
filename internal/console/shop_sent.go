package console

import (
	"sync"
)

// sentDeliveries remembers which intake forms were sent, so that a double
// tap on "Nhận hàng", a reload of the answer or a resend never takes a
// delivery in twice: the second time every code would come back "already
// received", and the shop would have two deliveries for one. Each form
// carries a random key (intake_key); the first request with it receives
// the delivery, any other waits for it and is sent to its page.
// In memory: a form is sent within minutes of being shown, and a restart
// between the two only costs the protection, never a delivery.
type sentDeliveries struct {
	mu    sync.Mutex
	sent  map[string]*sentDelivery
	order []string
}

type sentDelivery struct {
	done chan struct{}
	// id is the delivery's, once done; 0 when the first request failed,
	// and the form may be sent again.
	id uint64
}

// maxSent bounds the forms remembered: a province's shops send far fewer
// in the time a form stays open.
const maxSent = 10_000

func newSentDeliveries() *sentDeliveries {
	return &sentDeliveries{sent: map[string]*sentDelivery{}}
}

// begin claims key (the account and the form's key): first is true for
// the request that must receive the delivery and then call finish.
// Otherwise it waits for the first and returns its delivery id, or 0 when
// that one failed.
func (s *sentDeliveries) begin(key string) (first bool, id uint64) {
	s.mu.Lock()
	d, ok := s.sent[key]
	if !ok || (isDone(d) && d.id == 0) {
		s.sent[key] = &sentDelivery{done: make(chan struct{})}
		s.order = append(s.order, key)
		if len(s.order) > maxSent {
			delete(s.sent, s.order[0])
			s.order = s.order[1:]
		}
		s.mu.Unlock()
		return true, 0
	}
	s.mu.Unlock()
	<-d.done
	return false, d.id
}

func isDone(d *sentDelivery) bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// finish records what the first request of key got: the delivery's id,
// or 0 when it failed.
func (s *sentDeliveries) finish(key string, id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.sent[key]; ok && !isDone(d) {
		d.id = id
		close(d.done)
	}
}

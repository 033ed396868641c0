package verify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ocopvn/estamp/internal/record"
)

// ErrRecorderClosed means the server is shutting down.
var ErrRecorderClosed = errors.New("verify: scan recorder closed")

// ScanStore records many scans durably at once, each folded into its
// stamp's state by count: one bbolt transaction, or, with the store's scan
// journal, one append and one fdatasync (store.Journal).
type ScanStore interface {
	RecordScans(ctx context.Context, scans []record.Scan, count func(st *record.StampState, at time.Time)) ([]*record.StampState, error)
}

// Recorder records scans durably with group commit: while one group is
// being written and synced, new scans queue up, and the next group takes
// all of them. One fsync then serves many verifications, instead of
// capping throughput at one commit per request.
type Recorder struct {
	store ScanStore
	// ctx is what every commit runs under: the recorder's, not one
	// caller's. A commit holds the scans of many callers, and once queued
	// a scan is committed even if its caller gives up; one caller going
	// away must not fail the others' scans. Nothing cancels it: Close
	// commits what is queued before it returns.
	ctx      context.Context
	maxBatch int
	// linger is how long a group waits for more scans when scans come
	// in together: an fdatasync costs about as much CPU as a
	// verification's own work, and without waiting a group held four
	// scans at 64 callers. A lone scan does not wait.
	linger time.Duration
	// lingering, when set (by tests), is told each time a group starts
	// waiting.
	lingering func()
	queue     chan scanRequest
	// replies are reply channels for reuse: one a scan was an allocation
	// on every verification.
	replies sync.Pool
	quit    chan struct{}
	done    chan struct{}

	// mu orders Close after every send in flight: senders hold it shared,
	// so once Close holds it, no request can enter the queue unseen.
	mu     sync.RWMutex
	closed bool
}

type scanRequest struct {
	scan  record.Scan
	reply chan scanReply
}

type scanReply struct {
	state *record.StampState
	err   error
}

// DefaultLinger is the recorder's wait for more scans: at most this much
// latency added to a scan when others come in with it. Measured on 2
// cores at 64 callers: without it a group held 4 scans and an fdatasync
// cost as much CPU as a verification's own work; waiting cut the CPU of
// a verification (BenchmarkCallCPU) by a sixth. In estamp-bench rounds
// 300 µs gave 12,600–13,400 verifications/s, 1 ms 11,800–11,900, 3 ms
// 9,900–10,000, none 9,700–11,600: a longer wait parks more callers.
const DefaultLinger = 300 * time.Microsecond

// NewRecorder starts a recorder committing at most maxBatch scans per
// transaction.
func NewRecorder(s ScanStore, maxBatch int) *Recorder {
	r := newRecorder(s, maxBatch, DefaultLinger)
	go r.loop()
	return r
}

func newRecorder(s ScanStore, maxBatch int, linger time.Duration) *Recorder {
	r := &Recorder{
		store:    s,
		ctx:      context.Background(),
		maxBatch: maxBatch,
		linger:   linger,
		queue:    make(chan scanRequest, maxBatch),
		replies:  sync.Pool{New: func() any { return make(chan scanReply, 1) }},
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	return r
}

// Record stores one scan and returns the stamp's state after it, once the
// transaction holding it has committed.
func (r *Recorder) Record(ctx context.Context, scan record.Scan) (*record.StampState, error) {
	reply := r.replies.Get().(chan scanReply)
	req := scanRequest{scan: scan, reply: reply}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		r.replies.Put(reply)
		return nil, ErrRecorderClosed
	}
	select {
	case r.queue <- req:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		r.replies.Put(reply)
		return nil, ctx.Err()
	}
	// Once queued the scan will be committed; wait for it even if the
	// caller gives up, so the reply is never lost mid-commit.
	rep := <-reply
	// The committer sends one reply per request and never sends on this
	// request's channel again: empty again, it can carry another scan's.
	r.replies.Put(reply)
	return rep.state, rep.err
}

func (r *Recorder) loop() {
	defer close(r.done)
	batch := make([]scanRequest, 0, r.maxBatch)
	scans := make([]record.Scan, 0, r.maxBatch)
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	last := 0 // scans in the last group
	for {
		select {
		case req := <-r.queue:
			batch = append(batch[:0], req)
		case <-r.quit:
			// What was queued before Close goes in as few commits as
			// the batch size allows: shutdown must not pay an fsync a
			// scan.
			for {
				batch = r.fill(batch[:0])
				if len(batch) == 0 {
					return
				}
				r.commit(batch, scans[:0])
			}
		}
		batch = r.fill(batch)
		if last > 1 && len(batch) < r.maxBatch && r.linger > 0 {
			batch = r.gather(batch, wait)
		}
		last = len(batch)
		r.commit(batch, scans[:0])
	}
}

// gather adds scans arriving within the linger to batch, up to maxBatch;
// a Close cuts the wait short (the loop then commits what is queued).
func (r *Recorder) gather(batch []scanRequest, wait *time.Timer) []scanRequest {
	wait.Reset(r.linger)
	defer wait.Stop()
	if r.lingering != nil {
		r.lingering()
	}
	for len(batch) < r.maxBatch {
		select {
		case req := <-r.queue:
			batch = append(batch, req)
		case <-wait.C:
			return batch
		case <-r.quit:
			return batch
		}
	}
	return batch
}

// fill adds queued requests to batch, up to maxBatch, without waiting.
func (r *Recorder) fill(batch []scanRequest) []scanRequest {
	for len(batch) < r.maxBatch {
		select {
		case req := <-r.queue:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

func (r *Recorder) commit(batch []scanRequest, scans []record.Scan) {
	for _, req := range batch {
		scans = append(scans, req.scan)
	}
	states, err := r.store.RecordScans(r.ctx, scans, CountScan)
	for i, req := range batch {
		if err != nil {
			req.reply <- scanReply{err: err}
			continue
		}
		req.reply <- scanReply{state: states[i]}
	}
}

// Close stops the recorder after committing every queued scan.
func (r *Recorder) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.quit)
	}
	r.mu.Unlock()
	<-r.done
}

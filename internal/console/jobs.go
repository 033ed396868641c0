package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"
)

// The labels of a 100,000-stamp batch take minutes to render and are a
// file of a hundred megabytes: no page can wait for them, and no proxy
// would let it. A job renders in the background into a temporary file
// while its page shows how far it got; the person downloads the file when
// it is done. Jobs are few (they keep the server's cores busy), short
// lived (an hour), and each is its starter's alone.

// Limits of the job registry.
const (
	// jobsPerProducer and jobsTotal bound the jobs running at once: a PDF
	// is drawn on every core, so a few at a time keep the server
	// answering scans.
	jobsPerProducer = 2
	jobsTotal       = 4
	// jobTTL is how long a job and its file are kept from its start.
	jobTTL = time.Hour
)

var (
	// errJobsBusy is a job refused because its producer, or the server,
	// has as many running as it may.
	errJobsBusy = errors.New("console: too many label jobs running")
	// errJobsClosed is a job refused because the console is closing.
	errJobsClosed = errors.New("console: closed")
)

// jobState is where a job is.
type jobState int

const (
	jobRunning jobState = iota
	jobReady
	jobFailed
	// jobDownloaded is a job whose file was downloaded and removed; its
	// page says so until the job's time is up.
	jobDownloaded
)

// jobLimits are a registry's bounds, set small by tests.
type jobLimits struct {
	perProducer, total int
	ttl                time.Duration
}

// jobs is the registry of background jobs.
type jobs struct {
	dir    string
	now    func() time.Time
	limits jobLimits
	// ctx is every job's parent: close cancels it, so that no job's call
	// outlives the console.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	stop   chan struct{}

	mu     sync.Mutex
	byID   map[string]*job
	closed bool
}

// job is one background job. Fields below mu are guarded by jobs.mu.
type job struct {
	id       string
	owner    string // the account that started it
	producer string // whose limit it counts against
	key      string // what it makes: a second start of the same returns it
	batch    uint64
	started  time.Time
	path     string
	cancel   context.CancelFunc

	state       jobState
	done, total int
	size        int64
	err         error
}

// jobView is a job as a page shows it: a copy, read under the lock.
type jobView struct {
	ID          string
	Batch       uint64
	State       jobState
	Done, Total int
	Size        int64
	Err         error
	Started     time.Time
}

// Running, Ready and Failed name the states for templates.
func (v jobView) Running() bool { return v.State == jobRunning }

// Ready reports a file to download.
func (v jobView) Ready() bool { return v.State == jobReady }

// Failed reports a job that ended without its file.
func (v jobView) Failed() bool { return v.State == jobFailed }

// Downloaded reports a job whose file was downloaded, and is gone.
func (v jobView) Downloaded() bool { return v.State == jobDownloaded }

// Percent is how far the job got, 0 to 100.
func (v jobView) Percent() int {
	if v.Total <= 0 {
		return 0
	}
	return v.Done * 100 / v.Total
}

// newJobs starts a registry writing its files in dir, with a janitor that
// removes jobs past their time even when nobody asks for them.
func newJobs(dir string, now func() time.Time, limits jobLimits) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	j := &jobs{dir: dir, now: now, limits: limits, ctx: ctx, cancel: cancel, stop: make(chan struct{}), byID: map[string]*job{}}
	j.wg.Go(func() {
		tick := time.NewTicker(max(limits.ttl/12, time.Second))
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				j.sweep()
			case <-j.stop:
				return
			}
		}
	})
	return j
}

// work is what a job does: it writes its file to w and says how far it
// got. Its context carries the credentials the job was started with.
type work func(ctx context.Context, w io.Writer, progress func(done, total int)) error

// start runs do as a job of owner's, unless owner already has a job of
// the same key running or ready, which it returns instead: a second
// click starts nothing. The job's context is the registry's, not the
// request's, since the job outlives the request; it carries the
// request's outgoing metadata, the person's session, so that the job
// calls the services as them.
func (j *jobs) start(req context.Context, owner, producer, key string, batch uint64, total int, do work) (jobView, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return jobView{}, errJobsClosed
	}
	j.sweepLocked()
	running, mine := 0, 0
	for _, jb := range j.byID {
		if jb.owner == owner && jb.key == key && (jb.state == jobRunning || jb.state == jobReady) {
			return jb.view(), nil
		}
		if jb.state == jobRunning {
			running++
			if jb.producer == producer {
				mine++
			}
		}
	}
	if running >= j.limits.total || mine >= j.limits.perProducer {
		return jobView{}, errJobsBusy
	}
	f, err := os.CreateTemp(j.dir, "estamp-job-*")
	if err != nil {
		return jobView{}, fmt.Errorf("console: job file: %w", err)
	}
	md, _ := metadata.FromOutgoingContext(req)
	ctx, cancel := context.WithCancel(metadata.NewOutgoingContext(j.ctx, md))
	jb := &job{id: newJobID(), owner: owner, producer: producer, key: key, batch: batch, started: j.now(), path: f.Name(), cancel: cancel, total: total}
	j.byID[jb.id] = jb
	j.wg.Go(func() {
		defer cancel()
		err := do(ctx, f, func(done, total int) {
			j.mu.Lock()
			jb.done, jb.total = done, total
			j.mu.Unlock()
		})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		var size int64
		if err == nil {
			var info os.FileInfo
			if info, err = os.Stat(f.Name()); err == nil {
				size = info.Size()
			}
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		if err != nil {
			jb.state, jb.err = jobFailed, err
			os.Remove(jb.path)
			return
		}
		jb.state, jb.size, jb.done = jobReady, size, jb.total
	})
	return jb.view(), nil
}

func (jb *job) view() jobView {
	return jobView{ID: jb.id, Batch: jb.batch, State: jb.state, Done: jb.done, Total: jb.total, Size: jb.size, Err: jb.err, Started: jb.started}
}

// newJobID is unguessable: a job's address is no secret (it is in the
// browser's history), but its owner check is what guards it, and an id
// that cannot be guessed keeps jobs from being counted.
func newJobID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// get is owner's job id; false for anyone else's, as for none.
func (j *jobs) get(id, owner string) (jobView, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweepLocked()
	jb, ok := j.byID[id]
	if !ok || jb.owner != owner {
		return jobView{}, false
	}
	return jb.view(), true
}

// open opens the file of owner's ready job id.
func (j *jobs) open(id, owner string) (*os.File, jobView, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweepLocked()
	jb, ok := j.byID[id]
	if !ok || jb.owner != owner || jb.state != jobReady {
		return nil, jobView{}, false
	}
	f, err := os.Open(jb.path)
	if err != nil {
		return nil, jobView{}, false
	}
	return f, jb.view(), true
}

// downloaded removes the file of job id, once downloaded: it holds a
// batch's codes, and the job can be run again. A download already
// reading the file reads on.
func (j *jobs) downloaded(id string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if jb, ok := j.byID[id]; ok && jb.state == jobReady {
		os.Remove(jb.path)
		jb.state = jobDownloaded
	}
}

// removeLocked ends job id and removes its file, when its time is up.
func (j *jobs) removeLocked(id string) {
	jb, ok := j.byID[id]
	if !ok {
		return
	}
	jb.cancel()
	// A running job's work still has the file open; removing the name
	// now is fine on Unix, and its end removes it again.
	os.Remove(jb.path)
	delete(j.byID, id)
}

// sweep removes the jobs past their time.
func (j *jobs) sweep() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweepLocked()
}

func (j *jobs) sweepLocked() {
	now := j.now()
	for id, jb := range j.byID {
		if now.Sub(jb.started) >= j.limits.ttl {
			j.removeLocked(id)
		}
	}
}

// close stops every job, waits for them, and removes their files. Later
// starts are refused.
func (j *jobs) close() {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return
	}
	j.closed = true
	close(j.stop)
	j.cancel()
	j.mu.Unlock()
	j.wg.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	for id := range j.byID {
		j.removeLocked(id)
	}
}

// Close stops the console's background jobs and removes their files. The
// server calls it when it closes, before it stops the services, so that
// no label job keeps them waiting.
func (h *Handler) Close() error {
	h.jobs.close()
	return nil
}

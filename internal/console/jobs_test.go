package console

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
)

// testClock is a settable clock for the registry's expiry.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// gate is work that writes "part", says it got halfway, and waits to be
// let go (or for its context to end); what it saw is kept.
type gate struct {
	release chan struct{}
	started chan struct{}
	mu      sync.Mutex
	ctxErr  error
	md      metadata.MD
}

func newGate() *gate { return &gate{release: make(chan struct{}), started: make(chan struct{}, 1)} }

func (g *gate) work(ctx context.Context, w io.Writer, progress func(done, total int)) error {
	md, _ := metadata.FromOutgoingContext(ctx)
	g.mu.Lock()
	g.md = md
	g.mu.Unlock()
	if _, err := io.WriteString(w, "part"); err != nil {
		return err
	}
	progress(5, 10)
	g.started <- struct{}{}
	select {
	case <-g.release:
		progress(10, 10)
		_, err := io.WriteString(w, "+rest")
		return err
	case <-ctx.Done():
		g.mu.Lock()
		g.ctxErr = ctx.Err()
		g.mu.Unlock()
		return ctx.Err()
	}
}

func (g *gate) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ctxErr
}

func newTestJobs(t *testing.T, limits jobLimits) (*jobs, *testClock, string) {
	t.Helper()
	clk := &testClock{now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	j := newJobs(dir, clk.Now, limits)
	t.Cleanup(j.close)
	return j, clk, dir
}

var roomy = jobLimits{perProducer: 2, total: 4, ttl: time.Hour}

// waitFor polls until the job of owner is in state, or fails the test.
func waitFor(t *testing.T, j *jobs, id, owner string, state jobState) jobView {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, ok := j.get(id, owner)
		if ok && v.State == state {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v (found %v), want state %d", id, v, ok, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// A job outlives the request that started it, calls as its person, says
// how far it got, and leaves a file its owner alone may open; the file
// goes once downloaded.
func TestJobRunsAsItsPersonAfterTheRequest(t *testing.T) {
	j, _, dir := newTestJobs(t, roomy)
	req, cancelReq := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Session s1"))
	g := newGate()
	v, err := j.start(req, "lan", "P1", "7/a4", 7, 10, g.work)
	if err != nil {
		t.Fatal(err)
	}
	<-g.started
	cancelReq() // the request is over; the job is not
	if got := waitFor(t, j, v.ID, "lan", jobRunning); got.Done != 5 || got.Total != 10 || got.Percent() != 50 || got.Batch != 7 {
		t.Errorf("halfway: %+v", got)
	}
	if _, _, ok := j.open(v.ID, "lan"); ok {
		t.Error("a running job's file opens")
	}
	close(g.release)
	done := waitFor(t, j, v.ID, "lan", jobReady)
	if done.Done != 10 || done.Size != int64(len("part+rest")) {
		t.Errorf("done: %+v", done)
	}
	if g.err() != nil {
		t.Errorf("the job's context ended with the request: %v", g.err())
	}
	if got := g.md.Get("authorization"); len(got) != 1 || got[0] != "Session s1" {
		t.Errorf("the job called with authorization %q, want the session's", got)
	}

	// Another account, of the same producer or not, finds nothing.
	for _, other := range []string{"minh", ""} {
		if _, ok := j.get(v.ID, other); ok {
			t.Errorf("%q sees lan's job", other)
		}
		if _, _, ok := j.open(v.ID, other); ok {
			t.Errorf("%q opens lan's file", other)
		}
	}
	f, _, ok := j.open(v.ID, "lan")
	if !ok {
		t.Fatal("the owner cannot open the file")
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(b) != "part+rest" {
		t.Errorf("file %q, %v", b, err)
	}
	j.downloaded(v.ID)
	if got, ok := j.get(v.ID, "lan"); !ok || !got.Downloaded() {
		t.Errorf("after its download: %+v (found %v), want it said downloaded", got, ok)
	}
	if _, _, ok := j.open(v.ID, "lan"); ok {
		t.Error("the file opens after its download")
	}
	if left := filesIn(t, dir); len(left) != 0 {
		t.Errorf("files left after the download: %v", left)
	}
	// Downloaded, the same again is a new job.
	if again, err := j.start(req, "lan", "P1", "7/a4", 7, 10, newGate().work); err != nil || again.ID == v.ID {
		t.Errorf("after the download: %v, %v; want a new job", again.ID, err)
	}
}

func TestJobLimits(t *testing.T) {
	j, _, _ := newTestJobs(t, jobLimits{perProducer: 2, total: 3, ttl: time.Hour})
	ctx := context.Background()
	start := func(owner, producer, key string) (jobView, *gate, error) {
		g := newGate()
		v, err := j.start(ctx, owner, producer, key, 1, 10, g.work)
		if err == nil {
			<-g.started
		}
		return v, g, err
	}
	a1, g1, err := start("lan", "P1", "1")
	if err != nil {
		t.Fatal(err)
	}
	// The same thing again, by the same account, is the same job: a
	// double click starts one.
	if again, err := j.start(ctx, "lan", "P1", "1", 1, 10, newGate().work); err != nil || again.ID != a1.ID {
		t.Errorf("second start of the same: %v, %v; want job %s", again.ID, err, a1.ID)
	}
	if _, _, err := start("minh", "P1", "2"); err != nil {
		t.Fatal(err)
	}
	// A producer's third job waits for one of its two.
	if _, _, err := start("lan", "P1", "3"); !errors.Is(err, errJobsBusy) {
		t.Errorf("third job of P1: %v, want busy", err)
	}
	// Another producer may run one, up to the server's three.
	if _, _, err := start("hoa", "P2", "4"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := start("hoa", "P2", "5"); !errors.Is(err, errJobsBusy) {
		t.Errorf("fourth job on the server: %v, want busy", err)
	}
	// A finished job no longer counts.
	close(g1.release)
	waitFor(t, j, a1.ID, "lan", jobReady)
	if _, _, err := start("lan", "P1", "3"); err != nil {
		t.Errorf("after one ended: %v", err)
	}
}

// A failed job leaves no file, and starting the same again is a new job.
func TestJobFailureStartsAfresh(t *testing.T) {
	j, _, dir := newTestJobs(t, roomy)
	boom := errors.New("stream cut")
	v, err := j.start(context.Background(), "lan", "P1", "k", 1, 3, func(_ context.Context, w io.Writer, _ func(int, int)) error {
		io.WriteString(w, "half")
		return boom
	})
	if err != nil {
		t.Fatal(err)
	}
	failed := waitFor(t, j, v.ID, "lan", jobFailed)
	if !errors.Is(failed.Err, boom) || !failed.Failed() {
		t.Errorf("failed job: %+v", failed)
	}
	if left := filesIn(t, dir); len(left) != 0 {
		t.Errorf("files left by a failed job: %v", left)
	}
	again, err := j.start(context.Background(), "lan", "P1", "k", 1, 3, func(context.Context, io.Writer, func(int, int)) error { return nil })
	if err != nil || again.ID == v.ID {
		t.Errorf("after a failure: %v, %v; want a new job", again.ID, err)
	}
}

// Jobs and their files last an hour from their start, running or not.
func TestJobsExpire(t *testing.T) {
	j, clk, dir := newTestJobs(t, roomy)
	ready, err := j.start(context.Background(), "lan", "P1", "done", 1, 1, func(_ context.Context, w io.Writer, _ func(int, int)) error {
		_, err := io.WriteString(w, "pdf")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, j, ready.ID, "lan", jobReady)
	g := newGate()
	running, err := j.start(context.Background(), "lan", "P1", "slow", 1, 10, g.work)
	if err != nil {
		t.Fatal(err)
	}
	<-g.started
	clk.Advance(59 * time.Minute)
	if _, ok := j.get(ready.ID, "lan"); !ok {
		t.Fatal("gone before its hour")
	}
	clk.Advance(time.Minute)
	for _, id := range []string{ready.ID, running.ID} {
		if _, ok := j.get(id, "lan"); ok {
			t.Errorf("job %s kept past its hour", id)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.err() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !errors.Is(g.err(), context.Canceled) {
		t.Errorf("the expired running job's context: %v, want canceled", g.err())
	}
	if left := filesIn(t, dir); len(left) != 0 {
		t.Errorf("files kept past their hour: %v", left)
	}
}

// Closing stops running jobs at once, removes every file and refuses new
// jobs.
func TestJobsClose(t *testing.T) {
	clk := &testClock{now: time.Now()}
	dir := t.TempDir()
	j := newJobs(dir, clk.Now, roomy)
	ready, err := j.start(context.Background(), "lan", "P1", "done", 1, 1, func(_ context.Context, w io.Writer, _ func(int, int)) error {
		_, err := io.WriteString(w, "pdf")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, j, ready.ID, "lan", jobReady)
	g := newGate()
	if _, err := j.start(context.Background(), "lan", "P1", "slow", 1, 10, g.work); err != nil {
		t.Fatal(err)
	}
	<-g.started
	if n := len(filesIn(t, dir)); n != 2 {
		t.Fatalf("%d files before close, want 2", n)
	}
	closed := make(chan struct{})
	go func() {
		j.close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("close waits for a running job to finish")
	}
	if !errors.Is(g.err(), context.Canceled) {
		t.Errorf("running job after close: %v", g.err())
	}
	if left := filesIn(t, dir); len(left) != 0 {
		t.Errorf("files left after close: %v", left)
	}
	if _, err := j.start(context.Background(), "lan", "P1", "late", 1, 1, g.work); !errors.Is(err, errJobsClosed) {
		t.Errorf("start after close: %v", err)
	}
	j.close() // twice is fine
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

package labels

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// Rendering spreads over the cores by pieces that depend on nothing but
// their input: a PDF page (its codes encoded, drawn and compressed), a
// single image, a label of a preview. Everything order matters to — the
// PDF's object numbers and offsets, the zip's entries, the glyphs the
// font subset keeps, progress — happens on the caller's goroutine, in
// order, so that the file is the same byte for byte whatever the number
// of workers (TestRenderingOnWorkersIsByteIdentical).

// aheadPerWorker is how many pieces may be done but not yet written, per
// worker: enough that a worker rarely waits for a slow piece before it,
// few enough that a 100,000-label job holds a handful of pages.
const aheadPerWorker = 2

// WithWorkers returns a renderer like r that renders on n goroutines;
// n ≤ 0 means one per core (GOMAXPROCS), the default. One worker renders
// on the caller's goroutine alone: the reference the parallel rendering
// is tested against.
func (r *Renderer) WithWorkers(n int) *Renderer {
	c := *r
	c.workers = n
	return &c
}

func (r *Renderer) workerCount() int {
	if r.workers > 0 {
		return r.workers
	}
	return runtime.GOMAXPROCS(0)
}

// errStopped is what a piece started after the render gave up reports;
// nobody reads it.
var errStopped = errors.New("labels: render stopped")

// inOrder produces pieces 0 … n-1 on workers goroutines and hands each to
// consume on the calling goroutine, in order. At most window pieces, and
// the one being consumed, are made ahead of consume, so memory does not
// grow with n. It returns the first
// error of produce or consume, or ctx's once ctx is done, and only after
// every goroutine it started has returned: nothing it started touches the
// render's state afterwards.
func inOrder[T any](ctx context.Context, workers, window, n int, produce func(i int) (T, error), consume func(i int, v T) error) error {
	if workers <= 1 || n <= 1 {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			v, err := produce(i)
			if err != nil {
				return err
			}
			if err := consume(i, v); err != nil {
				return err
			}
		}
		return nil
	}
	type result struct {
		v   T
		err error
	}
	type task struct {
		i   int
		out chan result
	}
	stop := make(chan struct{})
	// Each piece's result has its own channel, queued in order before the
	// piece is handed out: the consumer waits on the pieces in order
	// whichever worker finishes first, and the queue's capacity is the
	// window.
	queue := make(chan chan result, max(window, 1))
	tasks := make(chan task)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(tasks)
		defer close(queue)
		for i := range n {
			out := make(chan result, 1)
			select {
			case queue <- out:
			case <-stop:
				return
			}
			select {
			case tasks <- task{i, out}:
			case <-stop:
				return
			}
		}
	})
	for range min(workers, n) {
		wg.Go(func() {
			for t := range tasks {
				select {
				case <-stop:
					t.out <- result{err: errStopped}
					continue
				default:
				}
				v, err := produce(t.i)
				t.out <- result{v, err}
			}
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for i := 0; ; i++ {
		// select picks at random among ready cases: without this a piece
		// done before the cancellation could still be consumed after it.
		if err := ctx.Err(); err != nil {
			return err
		}
		var out chan result
		select {
		case o, ok := <-queue:
			if !ok {
				return nil
			}
			out = o
		case <-ctx.Done():
			return ctx.Err()
		}
		var res result
		select {
		case res = <-out:
		case <-ctx.Done():
			return ctx.Err()
		}
		if res.err != nil {
			return res.err
		}
		if err := consume(i, res.v); err != nil {
			return err
		}
	}
}

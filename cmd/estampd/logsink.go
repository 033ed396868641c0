package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logSink gathers log lines into few writes: at one line per RPC, ten
// thousand verifications a second would otherwise be ten thousand write
// system calls. Lines reach the underlying writer within flushEvery, and
// all of them on Close; a SIGKILL loses at most that much of the log, never
// data.
type logSink struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

const flushEvery = 100 * time.Millisecond

func newLogSink(w io.Writer) *logSink {
	s := &logSink{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *logSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.w.Flush()
}

func (s *logSink) loop() {
	defer close(s.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flush()
		case <-s.stop:
			s.flush()
			return
		}
	}
}

// Close writes out what is buffered.
func (s *logSink) Close() error {
	close(s.stop)
	<-s.done
	return nil
}

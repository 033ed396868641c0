package main

import (
	"log"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// http.Server's error log gets a line per failed TLS handshake, which
// anyone who can reach the port can cause: at most errorLogRate of them a
// second reach the log, after a burst of errorLogBurst.
const (
	errorLogRate  = 10
	errorLogBurst = 10
)

// newHTTPErrorLog is an http.Server.ErrorLog that writes slog records.
func newHTTPErrorLog(lg *slog.Logger) *log.Logger {
	return log.New(newErrorLogWriter(lg, time.Now), "", 0)
}

// errorLogWriter turns each line net/http logs, such as
// "http: TLS handshake error from 1.2.3.4:5678: EOF", into a WARN record
// with the client address apart, so that the log stays one format (text or
// JSON) and can be searched by client. A token bucket bounds the lines;
// the next line logged counts the ones dropped.
type errorLogWriter struct {
	log *slog.Logger
	now func() time.Time

	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int
}

func newErrorLogWriter(lg *slog.Logger, now func() time.Time) *errorLogWriter {
	return &errorLogWriter{log: lg, now: now, tokens: errorLogBurst, last: now()}
}

// Write takes one line: log.Logger writes each message in one call.
func (w *errorLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	now := w.now()
	if d := now.Sub(w.last); d > 0 {
		w.tokens = min(errorLogBurst, w.tokens+d.Seconds()*errorLogRate)
		w.last = now
	}
	if w.tokens < 1 {
		w.suppressed++
		w.mu.Unlock()
		return len(p), nil
	}
	w.tokens--
	suppressed := w.suppressed
	w.suppressed = 0
	w.mu.Unlock()

	client, msg := splitClient(strings.TrimSuffix(string(p), "\n"))
	var attrs []any
	if client != "" {
		attrs = append(attrs, "client", client)
	}
	attrs = append(attrs, "err", msg)
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	w.log.Warn("http server error", attrs...)
	return len(p), nil
}

// splitClient takes the client address out of "… from ADDR: reason",
// leaving "…: reason"; a line without one is returned whole.
func splitClient(line string) (client, rest string) {
	before, after, ok := strings.Cut(line, " from ")
	if !ok {
		return "", line
	}
	addr, reason, ok := strings.Cut(after, ": ")
	if !ok {
		return "", line
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", line
	}
	return addr, before + ": " + reason
}

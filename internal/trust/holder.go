package trust

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// MaxDocument bounds a fetched trust list: a country's issuers fit in a
// few kilobytes, and Parse refuses more than this anyway.
const MaxDocument = 1 << 20

// Holder keeps the last good trust list of a source (a file or an http(s)
// URL) and refreshes it by the rules of docs/trust-list.md §5: a fetched
// list replaces the held one only if it parses under the anchors, is not
// expired, and has a greater version; anything else is refused, logged and
// counted, and the held list stays. A held list past its expiry trusts
// nothing.
type Holder struct {
	source  string
	anchors []ed25519.PublicKey
	client  *http.Client
	now     func() time.Time
	log     *slog.Logger
	// refused is told why a fetched list was not taken ("fetch",
	// "invalid", "not newer"), for a metric.
	refused func(reason string)

	mu   sync.Mutex
	list *List
	etag string
}

// NewHolder returns a holder of source's list; it holds nothing until
// Refresh takes one. refused may be nil.
func NewHolder(source string, anchors []ed25519.PublicKey, client *http.Client, now func() time.Time, log *slog.Logger, refused func(reason string)) *Holder {
	if refused == nil {
		refused = func(string) {}
	}
	return &Holder{source: source, anchors: anchors, client: client, now: now, log: log, refused: refused}
}

// List is the list held, or nil when none is, or when the one held has
// expired.
func (h *Holder) List() *List {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.list == nil || !h.now().Before(h.list.Expires) {
		return nil
	}
	return h.list
}

// errNotModified is a 304: the held list is the source's.
var errNotModified = errors.New("trust: not modified")

// Refresh fetches the source's list and takes it if it is good and newer.
// It returns why a fetched list was refused; the held list stays then.
func (h *Holder) Refresh(ctx context.Context) error {
	data, etag, err := h.fetch(ctx)
	switch {
	case errors.Is(err, errNotModified):
		return nil
	case err != nil:
		return h.refuse("fetch", err)
	}
	list, err := Parse(data, h.anchors, h.now())
	if err != nil {
		return h.refuse("invalid", err)
	}
	h.mu.Lock()
	var stale error
	if h.list != nil {
		stale = Newer(h.list, list)
	}
	if stale == nil {
		h.list, h.etag = list, etag
	}
	h.mu.Unlock()
	if stale != nil {
		return h.refuse("not newer", stale)
	}
	h.log.Info("trust list taken", "source", h.source, "version", list.Version, "issuers", len(list.Issuers), "expires", list.Expires)
	return nil
}

func (h *Holder) refuse(reason string, err error) error {
	held := uint64(0)
	if l := h.List(); l != nil {
		held = l.Version
	}
	h.log.Warn("trust list refused; keeping the one held", "source", h.source, "reason", reason, "held_version", held, "err", err)
	h.refused(reason)
	return fmt.Errorf("trust list %s: %s: %w", h.source, reason, err)
}

// fetch reads the source: an http(s) URL with the held list's ETag, or a
// file.
func (h *Holder) fetch(ctx context.Context) ([]byte, string, error) {
	if !strings.HasPrefix(h.source, "http://") && !strings.HasPrefix(h.source, "https://") {
		f, err := os.Open(h.source)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxDocument+1))
		return data, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.source, nil)
	if err != nil {
		return nil, "", err
	}
	h.mu.Lock()
	if h.etag != "" && h.list != nil {
		req.Header.Set("If-None-Match", h.etag)
	}
	h.mu.Unlock()
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, "", errNotModified
	case http.StatusOK:
	default:
		return nil, "", fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocument+1))
	return data, resp.Header.Get("ETag"), err
}

// Run refreshes every interval until ctx is done.
func (h *Holder) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.Refresh(ctx) // a refusal is logged and counted there
		}
	}
}

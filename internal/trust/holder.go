package trust

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ocopvn/estamp/internal/safefile"
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
	// data is list's document, byte for byte as the anchor signed it:
	// what Document serves and Persist saves.
	data []byte
	etag string

	// saved, when set, is where every list taken is saved (Persist);
	// saveMu keeps two saves from crossing, so that the file always ends
	// with the list held last.
	saved  string
	saveMu sync.Mutex
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

// Document is the signed document of the list held, byte for byte as the
// anchor signed it (what estampd serves at
// /.well-known/estamp-trust-list.json), or nil when List is nil.
func (h *Holder) Document() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.list == nil || !h.now().Before(h.list.Expires) {
		return nil
	}
	return h.data
}

// Persist makes the holder keep its list across restarts in the file at
// path: the list saved there, if any, is taken now through the same
// checks as a fetched one (signature under the anchors, expiry, a greater
// version than any held), and from then on every list taken is saved
// there (a temporary file, then a rename). Call it before the first
// Refresh, so that a fetched list must be newer than the saved one. A
// missing file is not an error; an unreadable or refused one is returned,
// and the holder starts without it.
func (h *Holder) Persist(path string) error {
	h.mu.Lock()
	h.saved = path
	h.mu.Unlock()
	data, err := readBounded(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("trust list saved at %s: %w", path, err)
	}
	list, err := Parse(data, h.anchors, h.now())
	if err != nil {
		return fmt.Errorf("trust list saved at %s: %w", path, err)
	}
	h.mu.Lock()
	if h.list != nil {
		err = Newer(h.list, list)
	}
	if err == nil {
		h.list, h.data, h.etag = list, data, ""
	}
	h.mu.Unlock()
	if err != nil {
		return fmt.Errorf("trust list saved at %s: %w", path, err)
	}
	h.log.Info("trust list taken from the copy saved before", "path", path, "version", list.Version, "issuers", len(list.Issuers), "expires", list.Expires)
	return nil
}

// save writes the list held to the file of Persist, if any. A failure is
// logged: the list is good whether or not it could be saved.
func (h *Holder) save() {
	h.saveMu.Lock()
	defer h.saveMu.Unlock()
	h.mu.Lock()
	path, data := h.saved, h.data
	h.mu.Unlock()
	if path == "" || data == nil {
		return
	}
	if err := safefile.Write(path, 0o644, true, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		h.log.Warn("trust list not saved; it is held, but a restart would not find it", "path", path, "err", err)
	}
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
	h.mu.Lock()
	// The very list held (a source without ETags, or the first fetch
	// after a restart that took the saved one) is not modified, not an
	// old list replayed.
	same := h.list != nil && h.now().Before(h.list.Expires) && bytes.Equal(bytes.TrimSuffix(data, []byte("\n")), bytes.TrimSuffix(h.data, []byte("\n")))
	if same {
		h.etag = etag
	}
	h.mu.Unlock()
	if same {
		return nil
	}
	return h.take(data, etag)
}

// take checks a document and holds it if it is good and newer than the
// list held; it returns why not, counted and logged.
func (h *Holder) take(data []byte, etag string) error {
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
		h.list, h.data, h.etag = list, data, etag
	}
	h.mu.Unlock()
	if stale != nil {
		return h.refuse("not newer", stale)
	}
	h.log.Info("trust list taken", "source", h.source, "version", list.Version, "issuers", len(list.Issuers), "expires", list.Expires)
	h.save()
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
		data, err := readBounded(h.source)
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

// readBounded reads a file of at most MaxDocument bytes (one more, so
// that Parse refuses a larger one).
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxDocument+1))
}

// Held is a list held as it is, from no source: what estamp sync cached,
// for verify --offline (verdict.Issuers). Its List is nil once the list
// has expired, as a Holder's is.
type Held struct {
	list *List
	now  func() time.Time
}

// NewHeld holds list, which may be nil, by the clock now.
func NewHeld(list *List, now func() time.Time) *Held { return &Held{list: list, now: now} }

// List is the list held, or nil when none is, or when it has expired.
func (h *Held) List() *List {
	if h.list == nil || !h.now().Before(h.list.Expires) {
		return nil
	}
	return h.list
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

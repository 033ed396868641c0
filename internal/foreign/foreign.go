// Package foreign keeps the revocation lists of the other provinces of the
// national trust list, so that a stamp one of them revoked is REVOKED here
// too. Each list is fetched whole once, then by its changes (since=), and
// a fetch that fails or passes the bounds leaves the list held before:
// a province that cannot be reached is judged by what it last said, and
// the answer says when that was. With Persist, the lists are saved in the
// data directory and taken again at start, so that a restart forgets no
// revocation of a province it cannot reach.
//
// The fetching itself (Fetcher, List) is shared with `estamp sync`, which
// caches the same lists for `estamp verify --offline`.
package foreign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ocopvn/estamp/internal/safefile"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
)

// Bounds of one province's list: a province that recalls more than this
// is answering something other than a revocation list, and a verifier
// must not be made to hold it.
const (
	MaxEntries = 1_000_000
	MaxBytes   = 64 << 20
)

// Cache holds the lists; it implements verdict.ForeignStatus.
type Cache struct {
	issuers verdict.Issuers
	own     func(trust.Issuer) bool
	fetcher *Fetcher
	log     *slog.Logger

	mu   sync.Mutex
	held Lists // by issuer id
	// dir, when set, is where every list is saved (Persist); saveMu
	// keeps two saves of a list from crossing, so that its file always
	// ends with the list held last.
	dir    string
	saveMu sync.Mutex
}

// New returns a cache of the lists of the issuers that issuers hold, save
// those own says are this service. It holds nothing until Refresh, or
// Persist finds lists saved before.
func New(issuers verdict.Issuers, own func(trust.Issuer) bool, client *http.Client, now func() time.Time, log *slog.Logger) *Cache {
	return &Cache{issuers: issuers, own: own, fetcher: &Fetcher{Client: client, Now: now}, log: log, held: Lists{}}
}

// Record implements verdict.ForeignStatus.
func (c *Cache) Record(issuerID string, claims stampcode.Claims) (*verdict.Record, time.Time, bool) {
	c.mu.Lock()
	l := c.held[issuerID]
	c.mu.Unlock()
	if l == nil {
		return nil, time.Time{}, false
	}
	return l.Record(claims), l.Fetched, true
}

// Oldest is when the least recently fetched list held was fetched; ok is
// false when none is held.
func (c *Cache) Oldest() (fetched time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.held {
		if !ok || l.Fetched.Before(fetched) {
			fetched, ok = l.Fetched, true
		}
	}
	return fetched, ok
}

// Refresh fetches the changes of every other issuer's list. It returns
// the failures, each logged; the lists that failed stay as they were.
func (c *Cache) Refresh(ctx context.Context) error {
	tl := c.issuers.List()
	if tl == nil {
		return nil
	}
	var errs []error
	on := map[string]bool{}
	for _, is := range tl.Issuers {
		on[is.ID] = true
		if c.own(is) || is.RevocationsURL == "" {
			continue
		}
		if err := c.refresh(ctx, is); err != nil {
			c.log.Warn("revocation list of another province refused; keeping the one held", "issuer", is.ID, "url", is.RevocationsURL, "err", err)
			errs = append(errs, fmt.Errorf("issuer %s: %w", is.ID, err))
		}
	}
	// A province that left the list is UNKNOWN_ISSUER now: what it
	// revoked need not be held, nor kept for a restart.
	c.mu.Lock()
	var gone []string
	for id := range c.held {
		if !on[id] {
			delete(c.held, id)
			gone = append(gone, id)
		}
	}
	c.mu.Unlock()
	for _, id := range gone {
		c.save(id)
	}
	return errors.Join(errs...)
}

func (c *Cache) refresh(ctx context.Context, is trust.Issuer) error {
	c.mu.Lock()
	old := c.held[is.ID]
	c.mu.Unlock()
	next, err := c.fetcher.Fetch(ctx, is.RevocationsURL, old)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.held[is.ID] = next
	c.mu.Unlock()
	c.log.Info("revocation list of another province taken", "issuer", is.ID, "version", next.Version, "entries", next.Len(), "bytes", next.Bytes)
	if old.Changed(next) {
		c.save(is.ID)
	}
	return nil
}

// Persist makes the cache keep its lists across restarts in dir, one file
// a province (ID.json): the lists saved there are taken now, read within
// the bounds of a fetch, and from then on every list a refresh changes is
// saved there (a temporary file, then a rename), and the list of a
// province that left the trust list removed. A restart then does not
// forget a revocation while its province cannot be reached; the answer
// gives the time of the fetch the saved list came from. A file that
// cannot be read is skipped, and returned among the errors.
func (c *Cache) Persist(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	c.mu.Lock()
	c.dir = dir
	c.mu.Unlock()
	files, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		id, ok := strings.CutSuffix(f.Name(), ".json")
		if !ok || !issuerID(id) || !f.Type().IsRegular() {
			continue
		}
		l, err := readFile(filepath.Join(dir, f.Name()))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Join(dir, f.Name()), err))
			continue
		}
		c.mu.Lock()
		if c.held[id] == nil {
			c.held[id] = l
		}
		c.mu.Unlock()
		c.log.Info("revocation list of another province taken from the copy saved before", "issuer", id, "version", l.Version, "entries", l.Len(), "fetched", l.Fetched)
	}
	return errors.Join(errs...)
}

// maxFile bounds a saved list's file: its entries took at most MaxBytes
// as the province served them, and a saved entry is no larger than it
// came, but for a little JSON around it.
const maxFile = 2*MaxBytes + 1<<20

// readFile reads a saved list.
func readFile(path string) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("more than %d bytes", maxFile)
	}
	return ReadList(data)
}

// save writes the list held for id to its file, or removes the file when
// none is held; nothing without Persist. A failure is logged: the list
// is good whether or not it could be saved.
func (c *Cache) save(id string) {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	dir, l := c.dir, c.held[id]
	c.mu.Unlock()
	if dir == "" {
		return
	}
	path := filepath.Join(dir, id+".json")
	if l == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.log.Warn("revocation list of a province that left the trust list not removed", "issuer", id, "path", path, "err", err)
		}
		return
	}
	data, err := json.Marshal(l)
	if err == nil {
		err = safefile.Write(path, 0o600, true, func(w io.Writer) error { _, err := w.Write(data); return err })
	}
	if err != nil {
		c.log.Warn("revocation list of another province not saved; it is held, but a restart would not find it", "issuer", id, "path", path, "err", err)
	}
}

// issuerID is a province's two-digit code, as a saved list's file is
// named.
func issuerID(s string) bool {
	return len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s != "00"
}

// Run refreshes every interval until ctx is done.
func (c *Cache) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Refresh(ctx) // failures are logged there
		}
	}
}

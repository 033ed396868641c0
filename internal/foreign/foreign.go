// Package foreign keeps the revocation lists of the other provinces of the
// national trust list, so that a stamp one of them revoked is REVOKED here
// too. Each list is fetched whole once, then by its changes (since=), and
// a fetch that fails or passes the bounds leaves the list held before:
// a province that cannot be reached is judged by what it last said, and
// the answer says when that was.
package foreign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
	"google.golang.org/protobuf/encoding/protojson"
)

// Bounds of one province's list: a province that recalls more than this
// is answering something other than a revocation list, and a verifier
// must not be made to hold it.
const (
	MaxEntries = 1_000_000
	MaxBytes   = 64 << 20
)

// pageSize asks for the largest pages the list serves.
const pageSize = 1000

// Cache holds the lists; it implements verdict.ForeignStatus.
type Cache struct {
	issuers verdict.Issuers
	own     func(trust.Issuer) bool
	client  *http.Client
	now     func() time.Time
	log     *slog.Logger
	// maxEntries and maxBytes are MaxEntries and MaxBytes, smaller in
	// tests.
	maxEntries int
	maxBytes   int64

	mu   sync.Mutex
	held map[string]*list // by issuer id
}

// list is one province's list as last fetched whole.
type list struct {
	url     string
	version uint64
	revs    *verdict.Revocations
	bytes   int64
	fetched time.Time
}

// New returns a cache of the lists of the issuers that issuers hold, save
// those own says are this service. It holds nothing until Refresh.
func New(issuers verdict.Issuers, own func(trust.Issuer) bool, client *http.Client, now func() time.Time, log *slog.Logger) *Cache {
	return &Cache{issuers: issuers, own: own, client: client, now: now, log: log, maxEntries: MaxEntries, maxBytes: MaxBytes, held: map[string]*list{}}
}

// Record implements verdict.ForeignStatus.
func (c *Cache) Record(issuerID string, claims stampcode.Claims) (*verdict.Record, time.Time, bool) {
	c.mu.Lock()
	l := c.held[issuerID]
	c.mu.Unlock()
	if l == nil {
		return nil, time.Time{}, false
	}
	return l.revs.Record(claims), l.fetched, true
}

// Oldest is when the least recently fetched list held was fetched; ok is
// false when none is held.
func (c *Cache) Oldest() (fetched time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.held {
		if !ok || l.fetched.Before(fetched) {
			fetched, ok = l.fetched, true
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
	// revoked need not be held.
	c.mu.Lock()
	for id := range c.held {
		if !on[id] {
			delete(c.held, id)
		}
	}
	c.mu.Unlock()
	return errors.Join(errs...)
}

func (c *Cache) refresh(ctx context.Context, is trust.Issuer) error {
	c.mu.Lock()
	old := c.held[is.ID]
	c.mu.Unlock()
	next := &list{url: is.RevocationsURL, revs: verdict.NewRevocations()}
	shared := false
	if old != nil && old.url == is.RevocationsURL {
		// Changes only; what is added goes to a copy, made at the first
		// change (most refreshes bring none), so that a failure half-way
		// leaves the held list whole.
		next.version, next.revs, next.bytes, shared = old.version, old.revs, old.bytes, true
	}
	started := c.now()
	since, token, version := next.version, "", uint64(0)
	for {
		page, err := c.page(ctx, is.RevocationsURL, since, token, c.maxBytes-next.bytes)
		if err != nil {
			return err
		}
		next.bytes += page.size
		if token == "" {
			version = page.resp.GetVersion()
			if version < since {
				return fmt.Errorf("version %d is older than the %d held", version, since)
			}
		}
		for _, e := range page.resp.GetEntries() {
			if next.revs.Len() >= c.maxEntries {
				return fmt.Errorf("more than %d entries", c.maxEntries)
			}
			if shared {
				next.revs, shared = next.revs.Clone(), false
			}
			next.revs.Add(e)
		}
		token = page.resp.GetNextPageToken()
		if token == "" {
			break
		}
	}
	next.version, next.fetched = version, started
	c.mu.Lock()
	c.held[is.ID] = next
	c.mu.Unlock()
	c.log.Info("revocation list of another province taken", "issuer", is.ID, "version", next.version, "entries", next.revs.Len(), "bytes", next.bytes)
	return nil
}

type page struct {
	resp *estampv1.ListRevocationsResponse
	size int64
}

// page fetches one page, of at most room bytes.
func (c *Cache) page(ctx context.Context, base string, since uint64, token string, room int64) (page, error) {
	u, err := url.Parse(base)
	if err != nil {
		return page{}, err
	}
	q := url.Values{"since": {strconv.FormatUint(since, 10)}, "page_size": {strconv.Itoa(pageSize)}}
	if token != "" {
		q.Set("page_token", token)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return page{}, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return page{}, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max(room, 0)+1))
	if err != nil {
		return page{}, err
	}
	if int64(len(data)) > room {
		return page{}, errors.New("more bytes than a province's list may hold")
	}
	p := page{resp: new(estampv1.ListRevocationsResponse), size: int64(len(data))}
	// A later version of the list may carry fields this one does not know.
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, p.resp); err != nil {
		return page{}, err
	}
	return p, nil
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

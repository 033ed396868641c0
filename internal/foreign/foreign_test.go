package foreign

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
	"google.golang.org/protobuf/encoding/protojson"
)

// province serves a revocation list as estampd's web handler does: pages
// of at most page_size entries after since, every page with the version
// of the first.
type province struct {
	mu      sync.Mutex
	entries []*estampv1.RevocationEntry // entry i has version i+1
	down    bool
	asked   []string // since of every first page
}

func (p *province) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	since, _ := strconv.Atoi(q.Get("since"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	size = min(size, 2) // small pages, so that a list takes several
	from := since
	if tok := q.Get("page_token"); tok != "" {
		from, _ = strconv.Atoi(tok)
	} else {
		p.asked = append(p.asked, q.Get("since"))
	}
	resp := &estampv1.ListRevocationsResponse{Version: uint64(len(p.entries))}
	to := min(from+size, len(p.entries))
	resp.Entries = p.entries[from:to]
	if to < len(p.entries) {
		resp.NextPageToken = strconv.Itoa(to)
	}
	b, _ := protojson.Marshal(resp)
	w.Write(b)
}

func (p *province) revoke(batch uint64, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries = append(p.entries, &estampv1.RevocationEntry{Version: uint64(len(p.entries) + 1), BatchId: batch, Reason: reason})
}

type holder struct{ list *trust.List }

func (h holder) List() *trust.List { return h.list }

// The cache fetches another province's whole list over several pages, then
// only its changes; skips the own province; and keeps the last good list
// when the province is unreachable, or its list passes the bounds; and
// drops the list of a province that left the trust list.
func TestCacheKeepsTheLastGoodList(t *testing.T) {
	b := &province{}
	srv := httptest.NewServer(b)
	defer srv.Close()
	own := &province{}
	ownSrv := httptest.NewServer(own)
	defer ownSrv.Close()
	list := &trust.List{Issuers: []trust.Issuer{
		{ID: "01", RevocationsURL: ownSrv.URL},
		{ID: "38", RevocationsURL: srv.URL},
	}}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	c := New(holder{list}, func(is trust.Issuer) bool { return is.ID == "01" }, srv.Client(), func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	revoked := func(batch uint32) (string, time.Time, bool) {
		t.Helper()
		rec, at, ok := c.Record("38", stampcode.Claims{BatchID: batch, Serial: 1})
		if !ok {
			return "", at, false
		}
		return rec.BatchReason, at, rec.BatchRevoked
	}
	if _, _, ok := c.Record("38", stampcode.Claims{}); ok {
		t.Fatal("a list is held before any fetch")
	}
	for i := range 5 {
		b.revoke(uint64(i+1), "lô "+strconv.Itoa(i+1))
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if len(own.asked) != 0 {
		t.Error("the cache fetched the own province's list")
	}
	for batch := uint32(1); batch <= 5; batch++ {
		if reason, at, ok := revoked(batch); !ok || reason != "lô "+strconv.Itoa(int(batch)) || !at.Equal(now) {
			t.Errorf("batch %d on the third page: %q %v %v", batch, reason, at, ok)
		}
	}
	if _, _, ok := revoked(6); ok {
		t.Error("batch 6 revoked before the province revoked it")
	}

	now = now.Add(time.Hour)
	b.revoke(6, "lô 6")
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if reason, at, ok := revoked(6); !ok || reason != "lô 6" || !at.Equal(now) {
		t.Errorf("a change: %q %v %v", reason, at, ok)
	}
	if got := b.asked; len(got) != 2 || got[0] != "0" || got[1] != "5" {
		t.Errorf("since asked: %v, want the whole list, then after version 5", got)
	}
	if _, _, ok := revoked(1); !ok {
		t.Error("a change dropped what was held")
	}

	// Unreachable, or more than the bounds: the last good list stays,
	// with the time it was fetched.
	fetchedAt := now
	now = now.Add(time.Hour)
	b.mu.Lock()
	b.down = true
	b.mu.Unlock()
	if err := c.Refresh(ctx); err == nil {
		t.Error("an unreachable province was fetched")
	}
	b.mu.Lock()
	b.down = false
	b.mu.Unlock()
	b.revoke(7, "lô 7")
	b.revoke(8, "lô 8")
	for _, tt := range []struct {
		name    string
		entries int
		bytes   int64
	}{
		{"too many entries", 7, MaxBytes},
		{"too many bytes", MaxEntries, 10},
	} {
		c.maxEntries, c.maxBytes = tt.entries, tt.bytes
		if err := c.Refresh(ctx); err == nil {
			t.Errorf("%s: taken", tt.name)
		}
		if _, at, ok := revoked(6); !ok || !at.Equal(fetchedAt) {
			t.Errorf("%s: the last good list was not kept: %v %v", tt.name, at, ok)
		}
		if _, _, ok := revoked(7); ok {
			t.Errorf("%s: part of a refused fetch was taken", tt.name)
		}
	}
	c.maxEntries, c.maxBytes = MaxEntries, MaxBytes
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := revoked(8); !ok {
		t.Error("the list was not taken once within bounds")
	}

	// A province that left the trust list is no longer held.
	list.Issuers = list.Issuers[:1]
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.Record("38", stampcode.Claims{}); ok {
		t.Error("the list of a province that left the trust list is still held")
	}
}

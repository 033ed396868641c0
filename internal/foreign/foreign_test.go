package foreign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
		c.fetcher.MaxEntries, c.fetcher.MaxBytes = tt.entries, tt.bytes
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
	c.fetcher.MaxEntries, c.fetcher.MaxBytes = MaxEntries, MaxBytes
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

// With Persist, the lists are kept in a directory: a new cache (a
// restart) takes them, with the time of the fetch they came from, and
// asks only for what changed since; a list is saved when a refresh
// changed it, not for every refresh; a province that left the trust list
// leaves the directory too; a file that cannot be read is skipped and
// said, the others taken.
func TestCacheKeepsItsListsAcrossRestarts(t *testing.T) {
	b := &province{}
	srv := httptest.NewServer(b)
	defer srv.Close()
	list := &trust.List{Issuers: []trust.Issuer{{ID: "01", RevocationsURL: "http://own.example"}, {ID: "38", RevocationsURL: srv.URL}}}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := filepath.Join(t.TempDir(), "foreign")
	restart := func() (*Cache, error) {
		c := New(holder{list}, func(is trust.Issuer) bool { return is.ID == "01" }, srv.Client(), func() time.Time { return now }, quiet)
		return c, c.Persist(dir)
	}
	ctx := context.Background()
	saved := func() (version uint64, fetched time.Time) {
		t.Helper()
		l, err := readFile(filepath.Join(dir, "38.json"))
		if err != nil {
			t.Fatalf("B's saved list: %v", err)
		}
		return l.Version, l.Fetched
	}
	revoked := func(c *Cache, batch uint32) (time.Time, bool) {
		rec, at, ok := c.Record("38", stampcode.Claims{BatchID: batch, Serial: 1})
		return at, ok && rec.BatchRevoked
	}

	c, err := restart()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		b.revoke(uint64(i+1), "lô "+strconv.Itoa(i+1))
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	first := now
	if v, at := saved(); v != 3 || !at.Equal(first) {
		t.Errorf("saved after the first fetch: version %d of %v", v, at)
	}
	if _, err := os.Stat(filepath.Join(dir, "01.json")); err == nil {
		t.Error("the own province's list was saved")
	}

	// A refresh that finds nothing new does not write the file again.
	now = now.Add(time.Hour)
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if v, at := saved(); v != 3 || !at.Equal(first) {
		t.Errorf("saved after a refresh without changes: version %d of %v, want 3 of %v", v, at, first)
	}

	// A restart with B down: what B said before, as of when.
	b.mu.Lock()
	b.down = true
	b.mu.Unlock()
	now = now.Add(time.Hour)
	if c, err = restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(ctx); err == nil {
		t.Error("an unreachable B was fetched")
	}
	for batch := uint32(1); batch <= 3; batch++ {
		if at, ok := revoked(c, batch); !ok || !at.Equal(first) {
			t.Errorf("batch %d after a restart with B down: %v %v", batch, ok, at)
		}
	}

	// B back with one more: only the change is asked for, and saved.
	b.mu.Lock()
	b.down, b.asked = false, nil
	b.mu.Unlock()
	b.revoke(4, "lô 4")
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.asked, []string{"3"}) {
		t.Errorf("since asked after the restart: %v, want 3", b.asked)
	}
	if v, at := saved(); v != 4 || !at.Equal(now) {
		t.Errorf("saved after a change: version %d of %v", v, at)
	}
	if c, err = restart(); err != nil {
		t.Fatal(err)
	}
	if _, ok := revoked(c, 4); !ok {
		t.Error("the change is not kept across a restart")
	}

	// Files that are not lists: said, skipped; the others taken.
	for name, data := range map[string]string{"39.json": "{", "40.json": `{"format":1,"url":"ftp://x","version":1,"fetched":"2026-11-28T03:00:00Z","entries":[]}`, "notes.txt": "x", "1.json": "{"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err = restart()
	if err == nil || !strings.Contains(err.Error(), "39.json") || !strings.Contains(err.Error(), "40.json") || strings.Contains(err.Error(), "notes.txt") || strings.Contains(err.Error(), "1.json:") {
		t.Errorf("Persist over files that are not lists: %v", err)
	}
	if _, ok := revoked(c, 4); !ok {
		t.Error("a bad file beside it kept B's list from being taken")
	}

	// B leaves the trust list: its file goes.
	list.Issuers = list.Issuers[:1]
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "38.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the list of a province that left is still saved: %v", err)
	}
}

// A list saved and read again is the same list: entries of every kind
// read alike, and its bounds are those of a fetch.
func TestSavedListsRoundTrip(t *testing.T) {
	l := sampleList(t)
	data, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadList(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if !bytes.Equal(data, again) || back.Version != l.Version || !back.Fetched.Equal(l.Fetched) || back.Len() != l.Len() {
		t.Errorf("read back as %s", again)
	}
	for _, tt := range []struct {
		claims  stampcode.Claims
		revoked bool
	}{
		{stampcode.Claims{BatchID: 7, Serial: 1}, true},
		{stampcode.Claims{BatchID: 8, Serial: 12}, true},
		{stampcode.Claims{BatchID: 8, Serial: 13}, false},
	} {
		rec := back.Record(tt.claims)
		if got := rec.BatchRevoked || rec.StampRevoked; got != tt.revoked {
			t.Errorf("%+v: revoked %v, want %v", tt.claims, got, tt.revoked)
		}
	}
	for _, tt := range []struct{ name, data string }{
		{"not JSON", "{"},
		{"another format", `{"format":2,"url":"https://a.example/r","version":1,"fetched":"2026-11-28T03:00:00Z","entries":[]}`},
		{"no URL", `{"format":1,"version":1,"fetched":"2026-11-28T03:00:00Z","entries":[]}`},
		{"not http", `{"format":1,"url":"file:///etc/passwd","version":1,"fetched":"2026-11-28T03:00:00Z","entries":[]}`},
		{"no time", `{"format":1,"url":"https://a.example/r","version":1,"entries":[]}`},
		{"more bytes than a list may hold", `{"format":1,"url":"https://a.example/r","version":1,"fetched":"2026-11-28T03:00:00Z","bytes":67108865,"entries":[]}`},
		{"an entry that is not one", `{"format":1,"url":"https://a.example/r","version":1,"fetched":"2026-11-28T03:00:00Z","entries":[{"batchId":"x"}]}`},
	} {
		if _, err := ReadList([]byte(tt.data)); err == nil {
			t.Errorf("%s: read", tt.name)
		}
	}
}

// sampleList is a list with an entry of every kind, as fetched.
func sampleList(t testing.TB) *List {
	t.Helper()
	p := &province{entries: []*estampv1.RevocationEntry{
		{Version: 1, BatchId: 7, Reason: "Thu hồi lô"},
		{Version: 2, BatchId: 8, SerialRanges: []*estampv1.SerialRange{{First: 10, Last: 12}}, Reason: "Tem in lỗi"},
		{Version: 3, Activation: &estampv1.Activation{BatchId: 9, Pending: true}},
		{Version: 4, Activation: &estampv1.Activation{BatchId: 9, SerialRanges: []*estampv1.SerialRange{{First: 1, Last: 5}}}},
		{Version: 5, Certificate: &estampv1.CertificateChange{ProductNumber: 3, ValidUntil: "2027-01-01", Revoked: true}, Reason: "Không đạt"},
	}}
	srv := httptest.NewServer(p)
	defer srv.Close()
	f := &Fetcher{Client: srv.Client(), Now: func() time.Time { return time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC) }}
	l, err := f.Fetch(context.Background(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

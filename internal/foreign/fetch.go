package foreign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verdict"
	"google.golang.org/protobuf/encoding/protojson"
)

// Fetcher fetches provinces' revocation lists from their URLs: the whole
// list once, then only its changes (since=), within the bounds. estampd's
// Cache and `estamp sync` both fetch through it, so that a list means the
// same, and is bounded the same, wherever it is held.
type Fetcher struct {
	Client *http.Client
	Now    func() time.Time
	// MaxEntries and MaxBytes bound one list: the package's MaxEntries
	// and MaxBytes when zero (smaller in tests).
	MaxEntries int
	MaxBytes   int64
}

// List is one province's revocation list as last fetched. A List is never
// changed once made: Fetch returns a new one, so that a list can be read
// while its changes are fetched, and stays whole when a fetch fails.
type List struct {
	// URL is where the list was fetched; a list is fetched whole again
	// when its province's revocations_url changes.
	URL string
	// Version is the list's version as of the fetch: the next fetch asks
	// for the changes since.
	Version uint64
	// Fetched is when the fetch that brought the list up to date began:
	// the status it gives is the province's as of then.
	Fetched time.Time
	// Bytes is how many bytes of pages the list took, against MaxBytes.
	Bytes   int64
	entries []*estampv1.RevocationEntry
	revs    *verdict.Revocations
}

// Len is the number of entries.
func (l *List) Len() int { return len(l.entries) }

// Record is what the list says of a signed stamp (verdict.Revocations).
func (l *List) Record(claims stampcode.Claims) *verdict.Record { return l.revs.Record(claims) }

// Changed reports whether next says more than l: l is nil, or next was
// fetched from another URL or is of another version. A fetch that found
// no change changes only the time of the fetch.
func (l *List) Changed(next *List) bool {
	return l == nil || l.URL != next.URL || l.Version != next.Version
}

// Lists are provinces' lists by issuer id: verdict.ForeignStatus, for
// lists that are not refreshed while they are read (estamp verify
// --offline).
type Lists map[string]*List

// Record implements verdict.ForeignStatus.
func (ls Lists) Record(issuerID string, claims stampcode.Claims) (*verdict.Record, time.Time, bool) {
	l := ls[issuerID]
	if l == nil {
		return nil, time.Time{}, false
	}
	return l.Record(claims), l.Fetched, true
}

// Entries is the number of entries of every list.
func (ls Lists) Entries() int {
	n := 0
	for _, l := range ls {
		n += l.Len()
	}
	return n
}

// pageSize asks for the largest pages the list serves.
const pageSize = 1000

func (f *Fetcher) bounds() (int, int64) {
	entries, size := f.MaxEntries, f.MaxBytes
	if entries <= 0 {
		entries = MaxEntries
	}
	if size <= 0 {
		size = MaxBytes
	}
	return entries, size
}

// Fetch brings held up to date from the list at url: its changes since
// held's version, or the whole list when held is nil or was fetched from
// another URL. It returns the list as now fetched and leaves held as it
// was; on a failure (unreachable, an older version, past the bounds, not
// a list) it returns the error alone, and held is still the last good
// list.
func (f *Fetcher) Fetch(ctx context.Context, url string, held *List) (*List, error) {
	maxEntries, maxBytes := f.bounds()
	next := &List{URL: url, revs: verdict.NewRevocations()}
	shared := false
	if held != nil && held.URL == url {
		// Changes only; what is added goes to copies, made at the first
		// change (most fetches bring none), so that held stays as it was.
		next.Version, next.revs, next.entries, next.Bytes, shared = held.Version, held.revs, held.entries, held.Bytes, true
	}
	started := f.Now()
	since, token, version := next.Version, "", uint64(0)
	for {
		page, err := f.page(ctx, url, since, token, maxBytes-next.Bytes)
		if err != nil {
			return nil, err
		}
		next.Bytes += page.size
		if token == "" {
			version = page.resp.GetVersion()
			if version < since {
				return nil, fmt.Errorf("version %d is older than the %d held", version, since)
			}
		}
		for _, e := range page.resp.GetEntries() {
			if len(next.entries) >= maxEntries {
				return nil, fmt.Errorf("more than %d entries", maxEntries)
			}
			if shared {
				next.revs, next.entries, shared = next.revs.Clone(), append([]*estampv1.RevocationEntry(nil), next.entries...), false
			}
			next.revs.Add(e)
			next.entries = append(next.entries, e)
		}
		token = page.resp.GetNextPageToken()
		if token == "" {
			break
		}
	}
	next.Version, next.Fetched = version, started
	return next, nil
}

type page struct {
	resp *estampv1.ListRevocationsResponse
	size int64
}

// page fetches one page, of at most room bytes.
func (f *Fetcher) page(ctx context.Context, base string, since uint64, token string, room int64) (page, error) {
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
	resp, err := f.Client.Do(req)
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

// listFormat is the layout of a saved list (Encode); a reader refuses any
// other.
const listFormat = 1

// wireList is a saved list: what estampd keeps in its data directory and
// estamp sync in its cache. Entries are estamp.v1.RevocationEntry in
// protojson, as the list's pages carry them.
type wireList struct {
	Format  int               `json:"format"`
	URL     string            `json:"url"`
	Version uint64            `json:"version"`
	Fetched time.Time         `json:"fetched"`
	Bytes   int64             `json:"bytes"`
	Entries []json.RawMessage `json:"entries"`
}

// MarshalJSON writes the list as ReadList reads it.
func (l *List) MarshalJSON() ([]byte, error) {
	w := wireList{Format: listFormat, URL: l.URL, Version: l.Version, Fetched: l.Fetched.UTC(), Bytes: l.Bytes, Entries: make([]json.RawMessage, 0, len(l.entries))}
	for _, e := range l.entries {
		raw, err := protojson.Marshal(e)
		if err != nil {
			return nil, err
		}
		w.Entries = append(w.Entries, raw)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a list as ReadList does.
func (l *List) UnmarshalJSON(data []byte) error {
	var w wireList
	if err := json.Unmarshal(data, &w); err != nil {
		return ocop.Invalid("revocation list", "không đọc được danh sách thu hồi đã lưu: %v", "cannot read the saved revocation list: %v", err)
	}
	if w.Format != listFormat {
		return ocop.Invalid("format", "định dạng %d của danh sách thu hồi đã lưu không được hỗ trợ (cần %d)", "format %d of the saved revocation list is not supported (want %d)", w.Format, listFormat)
	}
	if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ocop.Invalid("url", "%q: cần địa chỉ http(s) đầy đủ", "%q: want an absolute http(s) URL", w.URL)
	}
	if w.Fetched = w.Fetched.UTC(); w.Fetched.IsZero() || w.Fetched.Year() < 2000 || w.Fetched.Year() > 9999 {
		return ocop.Invalid("fetched", "thiếu thời điểm tải danh sách, hoặc thời điểm không hợp lệ", "the time of the fetch is missing or out of range")
	}
	// The bounds of a fetch hold for what was saved of one.
	if w.Bytes < 0 || w.Bytes > MaxBytes {
		return ocop.Invalid("bytes", "%d byte: cần từ 0 đến %d", "%d bytes: want 0 to %d", w.Bytes, int64(MaxBytes))
	}
	if len(w.Entries) > MaxEntries {
		return ocop.Invalid("entries", "%d mục, quá giới hạn %d", "%d entries, more than the %d allowed", len(w.Entries), MaxEntries)
	}
	next := &List{URL: w.URL, Version: w.Version, Fetched: w.Fetched, Bytes: w.Bytes, entries: make([]*estampv1.RevocationEntry, 0, len(w.Entries)), revs: verdict.NewRevocations()}
	for i, raw := range w.Entries {
		e := new(estampv1.RevocationEntry)
		// Saved by a later estamp, an entry may carry fields this one
		// does not know, as the list's pages may.
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, e); err != nil {
			return ocop.Invalid(fmt.Sprintf("entries[%d]", i), "không đọc được: %v", "cannot be read: %v", err)
		}
		next.revs.Add(e)
		next.entries = append(next.entries, e)
	}
	*l = *next
	return nil
}

// ReadList reads a list saved by MarshalJSON, within the bounds a fetch
// keeps: a saved list is outside input like a fetched one.
func ReadList(data []byte) (*List, error) {
	l := new(List)
	if err := l.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return l, nil
}

package paging_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
)

func TestSize(t *testing.T) {
	tests := []struct {
		in, def, want int
		bad           bool
	}{
		{in: 0, def: paging.DefaultSize, want: 50},
		{in: 0, def: paging.MaxSize, want: 1000},
		{in: 1, def: paging.DefaultSize, want: 1},
		{in: 1000, def: paging.DefaultSize, want: 1000},
		{in: 5000, def: paging.DefaultSize, want: 1000},
		{in: -1, def: paging.DefaultSize, bad: true},
	}
	for _, tt := range tests {
		got, err := paging.SizeOr(int32(tt.in), tt.def)
		var inv *ocop.InvalidError
		switch {
		case tt.bad && (!errors.As(err, &inv) || inv.Field != "page_size"):
			t.Errorf("SizeOr(%d) = %d, %v; want a page_size error", tt.in, got, err)
		case !tt.bad && (err != nil || got != tt.want):
			t.Errorf("SizeOr(%d, %d) = %d, %v; want %d", tt.in, tt.def, got, err, tt.want)
		}
	}
	if got, _ := paging.Size(0); got != paging.DefaultSize {
		t.Errorf("Size(0) = %d", got)
	}
}

func TestTokens(t *testing.T) {
	if got, err := paging.After(paging.Token("HTX-1")); err != nil || got != "HTX-1" {
		t.Errorf("token round trip = %q, %v", got, err)
	}
	if got, err := paging.AfterNumbers(paging.NumberToken(7, 1<<64-1), 2); err != nil || got[0] != 7 || got[1] != 1<<64-1 {
		t.Errorf("numbers round trip = %v, %v", got, err)
	}
	if got, err := paging.AfterNumber(""); err != nil || got != 0 {
		t.Errorf("first page = %d, %v", got, err)
	}
	for _, bad := range []struct {
		token string
		n     int
	}{
		{"!!", 1},
		{paging.Token("x"), 1},
		{paging.Token("007"), 1},
		{paging.Token("+7"), 1},
		{paging.Token("-1"), 1},
		{paging.NumberToken(1, 2), 1},
		{paging.NumberToken(1), 2},
		{paging.Token("1..2"), 3},
	} {
		var inv *ocop.InvalidError
		if _, err := paging.AfterNumbers(bad.token, bad.n); !errors.As(err, &inv) || inv.Field != "page_token" {
			t.Errorf("AfterNumbers(%q, %d) = %v; want a page_token error", bad.token, bad.n, err)
		}
	}
	if _, err := paging.After("!!"); err == nil {
		t.Error("garbage page token accepted")
	}
}

func TestNext(t *testing.T) {
	id := func(s string) string { return paging.Token(s) }
	tests := []struct {
		page []string
		more bool
		want string
	}{
		{[]string{"a", "b"}, true, paging.Token("b")},
		{[]string{"a", "b"}, false, ""},
		{nil, true, ""},
	}
	for _, tt := range tests {
		if got := paging.Next(tt.page, tt.more, id); got != tt.want {
			t.Errorf("Next(%v, %v) = %q, want %q", tt.page, tt.more, got, tt.want)
		}
	}
}

// A forged page token only moves where a listing starts: it must never
// crash, and what it reads must be what a token says.
func FuzzPageToken(f *testing.F) {
	f.Add(paging.NumberToken(3, 9))
	f.Add(paging.Token("HTX-1"))
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		if key, err := paging.After(s); err == nil && paging.Token(key) != s {
			t.Fatalf("After(%q) = %q, which is token %q", s, key, paging.Token(key))
		}
		for n := 1; n <= 3; n++ {
			if ns, err := paging.AfterNumbers(s, n); err == nil && s != "" && paging.NumberToken(ns...) != s {
				t.Fatalf("AfterNumbers(%q, %d) = %v, which is token %q", s, n, ns, paging.NumberToken(ns...))
			}
		}
	})
}

type item struct{ id string }

func (i item) GetId() string { return i.id }

type request struct {
	size  int32
	token string
}

func (r request) GetPageSize() int32   { return r.size }
func (r request) GetPageToken() string { return r.token }

// ByID reads a page after the token's id, at most the page size, and
// makes the next page's token of its last item; it refuses a bad size or
// token before reading, and passes on the read's error.
func TestByID(t *testing.T) {
	all := []item{{"A"}, {"B"}, {"C"}}
	reads := 0
	read := func(_ context.Context, after string, limit int) ([]item, bool, error) {
		reads++
		var page []item
		for _, it := range all {
			if it.id > after {
				page = append(page, it)
			}
		}
		if len(page) > limit {
			return page[:limit], true, nil
		}
		return page, false, nil
	}
	ctx := context.Background()
	page, next, err := paging.ByID(ctx, request{size: 2}, read)
	if err != nil || len(page) != 2 || next != paging.Token("B") {
		t.Fatalf("first page = %v, %q, %v", page, next, err)
	}
	page, next, err = paging.ByID(ctx, request{size: 2, token: next}, read)
	if err != nil || len(page) != 1 || page[0].id != "C" || next != "" {
		t.Errorf("last page = %v, %q, %v", page, next, err)
	}
	reads = 0
	var inv *ocop.InvalidError
	if _, _, err := paging.ByID(ctx, request{size: -1}, read); !errors.As(err, &inv) || inv.Field != "page_size" || reads != 0 {
		t.Errorf("bad size: %v after %d reads", err, reads)
	}
	if _, _, err := paging.ByID(ctx, request{token: "!"}, read); !errors.As(err, &inv) || inv.Field != "page_token" || reads != 0 {
		t.Errorf("bad token: %v after %d reads", err, reads)
	}
	boom := errors.New("boom")
	if _, _, err := paging.ByID(ctx, request{}, func(context.Context, string, int) ([]item, bool, error) { return nil, false, boom }); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
}

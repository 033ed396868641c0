package cli

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// everyPage follows next_page_token to the last page, asks for no more
// than a limit needs, and stops on errors and on a server that hands back
// the token it was given.
func TestEveryPage(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6, 7}
	// pages serves items after the index in the token, size at a time.
	pages := func(asked *[]int32) func(size int32, token string) ([]int, string, error) {
		return func(size int32, token string) ([]int, string, error) {
			*asked = append(*asked, size)
			from, _ := strconv.Atoi(token)
			to := min(from+int(size), len(items))
			next := ""
			if to < len(items) {
				next = strconv.Itoa(to)
			}
			return items[from:to], next, nil
		}
	}
	tests := []struct {
		name     string
		size     int32
		limit    int
		want     []int
		wantAsks []int32
	}{
		{"one page", 1000, 0, items, []int32{1000}},
		{"pages of 3", 3, 0, items, []int32{3, 3, 3}},
		{"limit within the first page", 3, 2, []int{1, 2}, []int32{2}},
		{"limit across pages", 3, 5, []int{1, 2, 3, 4, 5}, []int32{3, 2}},
		{"limit past the end", 3, 50, items, []int32{3, 3, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []int32
			got, err := everyPage(tt.size, tt.limit, pages(&asked))
			if err != nil || !slices.Equal(got, tt.want) || !slices.Equal(asked, tt.wantAsks) {
				t.Errorf("got %v, %v after asking for %v; want %v after %v", got, err, asked, tt.want, tt.wantAsks)
			}
		})
	}

	boom := errors.New("boom")
	if _, err := everyPage(3, 0, func(int32, string) ([]int, string, error) { return nil, "", boom }); !errors.Is(err, boom) {
		t.Errorf("error = %v, want boom", err)
	}
	calls := 0
	_, err := everyPage(3, 0, func(_ int32, token string) ([]int, string, error) {
		calls++
		return []int{calls}, "same", nil
	})
	if err == nil || calls != 2 || !strings.Contains(err.Error(), "same page") {
		t.Errorf("a token answered with itself: %v after %d calls", err, calls)
	}
}

package server_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/paging"
)

// ListTokens and ListAuditEntries page like every other list: page_size
// (50 by default, at most 1000), page_token in the request and
// next_page_token in the response, empty on the last page. Bad sizes and
// tokens are InvalidArgument naming the field.
func TestTokensAndAuditEntriesPage(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	for i := range 60 {
		if _, err := e.Admin.CreateToken(ctx, &estampv1.CreateTokenRequest{Role: estampv1.Role_ROLE_ADMIN, Description: "người " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	type pager func(size int32, token string) (keys []string, next string, err error)
	tokenIDs := func(keys []string) bool { return slices.IsSorted(keys) }
	// bySequence: the log has no gaps, so each entry follows the one before.
	bySequence := func(keys []string) bool {
		for i := 1; i < len(keys); i++ {
			a, _ := strconv.ParseUint(keys[i-1], 10, 64)
			if b, _ := strconv.ParseUint(keys[i], 10, 64); b != a+1 {
				return false
			}
		}
		return true
	}
	notTokens := []string{"!!", "MQ\n", paging.Token("1") + "="}
	lists := []struct {
		name string
		page pager
		// want is how many items the whole list holds, at least.
		want int
		// ordered says whether keys are in the list's order.
		ordered func([]string) bool
		// badTokens are refused as page_token.
		badTokens []string
	}{
		{"tokens", func(size int32, token string) ([]string, string, error) {
			resp, err := e.Admin.ListTokens(ctx, &estampv1.ListTokensRequest{PageSize: size, PageToken: token})
			var keys []string
			for _, t := range resp.GetTokens() {
				keys = append(keys, t.Id)
			}
			return keys, resp.GetNextPageToken(), err
		}, 61, tokenIDs, notTokens},
		{"audit", func(size int32, token string) ([]string, string, error) {
			resp, err := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{PageSize: size, PageToken: token})
			return sequences(resp), resp.GetNextPageToken(), err
		}, 66, bySequence, append(notTokens, paging.Token("x"), paging.NumberToken(1, 2))},
		{"audit from entry 3", func(size int32, token string) ([]string, string, error) {
			resp, err := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{FromSequence: 3, PageSize: size, PageToken: token})
			return sequences(resp), resp.GetNextPageToken(), err
		}, 64, bySequence, append(notTokens, paging.Token("x"))},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			whole, next, err := l.page(paging.MaxSize, "")
			if err != nil || next != "" || len(whole) < l.want {
				t.Fatalf("one page of 1000: %d items, next %q, %v; want at least %d and no next page", len(whole), next, err, l.want)
			}
			if !l.ordered(whole) {
				t.Errorf("not in key order: %v", whole)
			}
			first, next, err := l.page(0, "")
			if err != nil || len(first) != paging.DefaultSize || next == "" || !slices.Equal(first, whole[:paging.DefaultSize]) {
				t.Errorf("default page: %d items, next %q, %v; want the first %d and a next page", len(first), next, err, paging.DefaultSize)
			}
			var walked []string
			pages := 0
			for token := ""; ; pages++ {
				keys, next, err := l.page(7, token)
				if err != nil || len(keys) > 7 || len(keys) == 0 {
					t.Fatalf("page %d: %d items, %v", pages, len(keys), err)
				}
				walked = append(walked, keys...)
				if next == "" {
					break
				}
				token = next
			}
			if !slices.Equal(walked, whole) || pages+1 != (len(whole)+6)/7 {
				t.Errorf("pages of 7: %d pages, %d items; want %d pages and the whole list", pages+1, len(walked), (len(whole)+6)/7)
			}
			_, _, err = l.page(-1, "")
			wantCode(t, err, codes.InvalidArgument, "page_size")
			for _, bad := range l.badTokens {
				_, _, err = l.page(7, bad)
				wantCode(t, err, codes.InvalidArgument, "page_token")
			}
		})
	}
	resp, err := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{FromSequence: 3, PageSize: 1})
	if err != nil || len(resp.Entries) != 1 || resp.Entries[0].Sequence != 3 {
		t.Errorf("from entry 3: %v, %v", resp.GetEntries(), err)
	}
}

func sequences(resp *estampv1.ListAuditEntriesResponse) []string {
	var keys []string
	for _, a := range resp.GetEntries() {
		keys = append(keys, strconv.FormatUint(a.Sequence, 10))
	}
	return keys
}

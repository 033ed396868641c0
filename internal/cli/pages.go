package cli

import "fmt"

// everyPage reads a list from its first page to its last, or until it has
// limit items (0: every item), and returns the items in order. fetch asks
// for one page of at most size items at token ("" for the first) and
// returns its items and next_page_token. Every list command pages the
// same way, through this one loop.
func everyPage[T any](pageSize int32, limit int, fetch func(size int32, token string) (items []T, next string, err error)) ([]T, error) {
	var all []T
	for token := ""; ; {
		size := pageSize
		if limit > 0 {
			size = int32(min(int(size), limit-len(all)))
		}
		items, next, err := fetch(size, token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		switch {
		case limit > 0 && len(all) >= limit:
			return all[:limit], nil
		case next == "":
			return all, nil
		case next == token:
			// A server that answers a token with itself would keep us
			// here for ever.
			return nil, fmt.Errorf("the server returned the same page again (page_token %q)", token)
		}
		token = next
	}
}

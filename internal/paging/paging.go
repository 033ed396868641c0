// Package paging is how every List call of the API pages: page_size with a
// default and a cap, and page_token, an opaque token for the page after
// the last item returned (next_page_token, empty on the last page).
//
// A token names where the previous page ended, not an offset, so a page
// neither repeats nor skips items when others are added meanwhile. Tokens
// are not secret and not signed: a forged one only moves where a listing
// starts, so they are checked for form only.
package paging

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/ocopvn/estamp/internal/ocop"
)

// Page sizes of the List calls.
const (
	DefaultSize = 50
	MaxSize     = 1000
)

// Size applies the default and the cap to a requested page_size.
func Size(n int32) (int, error) { return SizeOr(n, DefaultSize) }

// SizeOr is Size with another default, for lists that every caller reads
// to the end.
func SizeOr(n int32, def int) (int, error) {
	switch {
	case n < 0:
		return 0, ocop.Invalid("page_size", "%d là số âm", "%d is negative", n)
	case n == 0:
		return def, nil
	case n > MaxSize:
		return MaxSize, nil
	}
	return int(n), nil
}

// errToken is every malformed page_token: the client can only have made
// it up or cut it short.
var errToken = ocop.Invalid("page_token", "không phải mã trang do trang trước trả về", "not a token returned by a previous page")

var encoding = base64.RawURLEncoding

// Token makes the token for the page after the item with key.
func Token(key string) string { return encoding.EncodeToString([]byte(key)) }

// After reads a token made by Token: the key of the last item of the
// previous page; "" for the first page.
func After(token string) (string, error) {
	b, err := encoding.DecodeString(token)
	// Only the text Token writes: the decoder would also skip line breaks
	// and accept stray low bits.
	if err != nil || encoding.EncodeToString(b) != token {
		return "", errToken
	}
	return string(b), nil
}

// NumberToken makes a token of numbers: the number of the last item of a
// page, and whatever else the next page needs to carry on.
func NumberToken(ns ...uint64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.FormatUint(n, 10)
	}
	return Token(strings.Join(parts, "."))
}

// AfterNumbers reads a token made by NumberToken with n numbers; "" (the
// first page) is n zeros.
func AfterNumbers(token string, n int) ([]uint64, error) {
	out := make([]uint64, n)
	if token == "" {
		return out, nil
	}
	s, err := After(token)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(s, ".")
	if len(parts) != n {
		return nil, errToken
	}
	for i, p := range parts {
		// Only the digits NumberToken writes: no sign, no leading zero.
		if out[i], err = strconv.ParseUint(p, 10, 64); err != nil || strconv.FormatUint(out[i], 10) != p {
			return nil, errToken
		}
	}
	return out, nil
}

// AfterNumber reads a token made by NumberToken with one number; "" is 0.
func AfterNumber(token string) (uint64, error) {
	ns, err := AfterNumbers(token, 1)
	if err != nil {
		return 0, err
	}
	return ns[0], nil
}

// Numbered reads the page size and the token of a list kept by number
// (batches, audit entries): how many to read, and the number to read after.
func Numbered(req Request) (limit int, after uint64, err error) {
	if limit, err = Size(req.GetPageSize()); err != nil {
		return 0, 0, err
	}
	after, err = AfterNumber(req.GetPageToken())
	return limit, after, err
}

// Next is a page's next_page_token: the token of its last item when more
// items follow, else "" (the last page).
func Next[T any](page []T, more bool, token func(last T) string) string {
	if !more || len(page) == 0 {
		return ""
	}
	return token(page[len(page)-1])
}

// Request is what every List request has.
type Request interface {
	GetPageSize() int32
	GetPageToken() string
}

// ByID reads one page of a list whose items are keyed by id, in id order:
// the request's page size (with the default and the cap) and token, then
// read, then the next page's token. Every list of the registry and of
// tokens pages so; read is the store's list method.
func ByID[T interface{ GetId() string }](ctx context.Context, req Request, read func(ctx context.Context, after string, limit int) ([]T, bool, error)) (page []T, next string, err error) {
	return ByKey(ctx, req, read, T.GetId)
}

// ByKey is ByID for records known by another key, e.g. accounts by
// username.
func ByKey[T any](ctx context.Context, req Request, read func(ctx context.Context, after string, limit int) ([]T, bool, error), key func(T) string) (page []T, next string, err error) {
	limit, err := Size(req.GetPageSize())
	if err != nil {
		return nil, "", err
	}
	after, err := After(req.GetPageToken())
	if err != nil {
		return nil, "", err
	}
	page, more, err := read(ctx, after, limit)
	if err != nil {
		return nil, "", err
	}
	return page, Next(page, more, func(last T) string { return Token(key(last)) }), nil
}

package ocop

import (
	"encoding/base64"
	"strconv"
)

// Page sizes of every List call.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageSize applies the default and the cap to a requested page size.
func PageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, Invalid("page_size", "%d is negative", n)
	case n == 0:
		return DefaultPageSize, nil
	case n > MaxPageSize:
		return MaxPageSize, nil
	}
	return int(n), nil
}

// PageToken makes the opaque token for the page after the item with key.
func PageToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// ParsePageToken reads a token made by PageToken; "" is the first page.
func ParsePageToken(token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", Invalid("page_token", "not a token returned by a previous page")
	}
	return string(b), nil
}

// ParseNumericPageToken reads a token holding a number; "" is 0.
func ParseNumericPageToken(token string) (uint64, error) {
	if token == "" {
		return 0, nil
	}
	s, err := ParsePageToken(token)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, Invalid("page_token", "not a token returned by a previous page")
	}
	return n, nil
}

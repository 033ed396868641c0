package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/foreign"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
)

// readAnchor reads --trust-anchor: the national trust anchor's public key
// (PEM), before anything is dialled.
func readAnchor(file string) ([]ed25519.PublicKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--trust-anchor: %w", err)
	}
	anchor, err := trust.ReadAnchor(data)
	if err != nil {
		return nil, wrapped(err, sayTrustFile, "--trust-anchor", file)
	}
	return []ed25519.PublicKey{anchor}, nil
}

// cachedTrust is the trust list a cache holds, read again through Parse
// under the anchors it was checked with at the sync; nil for none. Its
// expiry is the caller's to judge (by its own clock), not Parse's.
func (c *offlineCache) cachedTrust() (*trust.List, error) {
	if c.TrustList == "" {
		return nil, nil
	}
	return trust.Parse([]byte(c.TrustList), c.TrustAnchors, time.Time{})
}

// syncProvinces brings the cache's trust list and the other provinces'
// revocation lists up to date (docs/trust-list.md §5): the list the
// server holds replaces the cached one only if the anchors signed it and
// it is newer; any other list is refused and the cached one kept. Then
// every other province's list is fetched from its revocations_url, the
// changes since the version cached, through the same fetcher and within
// the same bounds as estampd (package foreign); a province that cannot
// be reached keeps what was cached of it, and is said on stderr. It
// returns the summary to print once the cache is written, and what went
// wrong with the server's list, if anything: the cache is consistent
// either way, holding the last good list.
func (a *app) syncProvinces(ctx context.Context, c *offlineCache, anchors []ed25519.PublicKey) (summary string, failure error) {
	held, err := c.cachedTrust()
	// A list checked with other anchors (or a damaged one) is none.
	if err != nil || !slices.EqualFunc(c.TrustAnchors, anchors, func(x, y ed25519.PublicKey) bool { return x.Equal(y) }) {
		held, c.TrustList, c.Foreign = nil, "", nil
	}
	c.TrustAnchors = anchors
	defer func() {
		if c.TrustList == "" {
			c.TrustAnchors, c.Foreign = nil, nil
		}
	}()
	now := a.now()
	resp, err := a.Verification.GetTrustList(ctx, &estampv1.GetTrustListRequest{})
	switch code := status.Code(err); {
	case code == codes.FailedPrecondition || code == codes.Unimplemented:
		// A server without a list (or older than GetTrustList): the
		// cached list, if any, is still the last good one.
		fmt.Fprint(a.stderr, a.say(saySyncNoTrustList, a.server))
	case err != nil:
		return "", err
	default:
		list, err := trust.Parse(resp.Document, anchors, now)
		if err == nil && held != nil && !bytes.Equal(trimLF(resp.Document), trimLF([]byte(c.TrustList))) {
			// Only a newer list replaces the one cached: an older one
			// must not undo a key marked compromised.
			err = trust.Newer(held, list)
		}
		switch {
		case err != nil:
			failure = wrapped(err, sayTrustRefused, a.server)
		case held == nil || held.Version != list.Version:
			held, c.TrustList = list, string(resp.Document)
		}
	}
	if held == nil || !now.Before(held.Expires) {
		// Nothing to check other provinces by: only the own province's
		// stamps are cached.
		c.TrustList = ""
		return a.say(saySyncNoProvinces), failure
	}
	own, err := verdict.New([]string{c.BaseURL}, nil)
	if err != nil {
		return "", err
	}
	fetcher := &foreign.Fetcher{Client: &http.Client{Timeout: 30 * time.Second}, Now: a.now}
	lists, others := foreign.Lists{}, 0
	for _, is := range held.Issuers {
		if own.Own(is) || is.RevocationsURL == "" {
			continue
		}
		others++
		before := c.Foreign[is.ID]
		next, err := fetcher.Fetch(ctx, is.RevocationsURL, before)
		switch {
		case err == nil:
			lists[is.ID] = next
		case before != nil:
			lists[is.ID] = before
			fmt.Fprint(a.stderr, a.say(saySyncProvinceKept, is.Name, is.ID, err, ocop.ShowTime(before.Fetched, a.lang)))
		default:
			fmt.Fprint(a.stderr, a.say(saySyncProvinceMissing, is.Name, is.ID, err))
		}
	}
	// A province that left the list is UNKNOWN_ISSUER now: its list goes.
	c.Foreign = lists
	return a.say(saySyncedProvinces, held.Version, ocop.ShowTime(held.Expires, a.lang), others, len(lists), lists.Entries()), failure
}

// trimLF is a trust list document without the line feed it may end with.
func trimLF(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\n")) }

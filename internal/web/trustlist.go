package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// TrustListPath is where the national trust list the service holds is
// published, byte for byte as the anchor signed it.
const TrustListPath = "/.well-known/estamp-trust-list.json"

// TrustDocument gives the signed document of the national trust list
// held, nil when none is (trust.Holder).
type TrustDocument interface {
	Document() []byte
}

// SetTrustList publishes the trust list that doc holds at TrustListPath;
// without it, or while it holds none, the path is not found. Call it
// before serving.
func (h *Handler) SetTrustList(doc TrustDocument) { h.trust = doc }

// trustList serves the trust list held: the signed bytes, which anyone
// checks against the anchor's public key, with an ETag of their hash, so
// that a verifier polling it (another estampd's --trust-list, say) gets
// 304 until the list changes.
func (h *Handler) trustList(w http.ResponseWriter, r *http.Request) {
	var doc []byte
	if h.trust != nil {
		doc = h.trust.Document()
	}
	if doc == nil {
		h.notFound(w, r)
		return
	}
	sum := sha256.Sum256(doc)
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	// Refreshed hourly by estampd; an ETag makes asking again cheap.
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Access-Control-Allow-Origin", "*")
	// ServeContent answers If-None-Match (304) and HEAD.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc))
}

package epcis

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ocopvn/estamp/internal/ocop"
)

// Scheme names stamps and places as URIs under estamp's base URL, where
// GS1 keys are missing. docs/epcis.md specifies the forms.
type Scheme struct {
	base string // scheme and host lower-cased, no trailing "/"
}

// NewScheme returns the scheme of the issuer answering at baseURL (an
// http or https URL, possibly with a path). Scheme and host are
// lower-cased: they are case-insensitive, and an identifier must not
// change with how the base URL was typed in the configuration.
func NewScheme(baseURL string) (Scheme, error) {
	if err := checkURI(strings.TrimSpace(baseURL)); err != nil {
		return Scheme{}, fmt.Errorf("epcis: base URL: %w", err)
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	switch {
	case err != nil:
		return Scheme{}, fmt.Errorf("epcis: base URL %q: %v", baseURL, err)
	case u.Scheme != "http" && u.Scheme != "https": // url.Parse lower-cases it
		return Scheme{}, fmt.Errorf("epcis: base URL %q: must start with http:// or https://", baseURL)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return Scheme{}, fmt.Errorf("epcis: base URL %q: want scheme, host and path only", baseURL)
	}
	return Scheme{base: u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")}, nil
}

// Stamp is what identifies one stamp.
type Stamp struct {
	// GTIN is its product's GTIN in any length CheckGTIN accepts, or ""
	// when the product has none.
	GTIN string
	// Lot is the lot of its batch ("" for a roll not yet activated).
	Lot    string
	Serial uint64
	// URL is the stamp's own URL, the text of its QR code: its identifier
	// when the product has no GTIN.
	URL string
}

// Stamp returns the identifier of a stamp in an epcList: the GS1 Digital
// Link URI base/01/<GTIN-14>/10/<lot>/21/<serial> when its product has a
// GTIN, its stamp URL otherwise. The lot is left out (the URI stays
// valid Digital Link, its qualifiers being optional) when it cannot be a
// GS1 lot: more than 20 characters, or any outside GS1's character set 82,
// as Vietnamese letters and spaces are. The lot is still in the
// commissioning event's ilmd.
func (s Scheme) Stamp(st Stamp) (string, error) {
	gtin, err := ocop.CheckGTIN("gtin", st.GTIN)
	if err != nil {
		return "", fmt.Errorf("epcis: stamp %d: %w", st.Serial, err)
	}
	if gtin == "" {
		if st.URL == "" {
			return "", fmt.Errorf("epcis: stamp %d: neither a GTIN nor a stamp URL", st.Serial)
		}
		u, err := url.Parse(st.URL)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return "", fmt.Errorf("epcis: stamp %d: URL %q is not an http(s) URL", st.Serial, st.URL)
		}
		if err := checkURI(st.URL); err != nil {
			return "", fmt.Errorf("epcis: stamp %d: %w", st.Serial, err)
		}
		return st.URL, nil
	}
	var b strings.Builder
	b.WriteString(s.base)
	b.WriteString("/01/")
	b.WriteString(gtin)
	if isGS1Lot(st.Lot) {
		b.WriteString("/10/")
		b.WriteString(escapeAI(st.Lot))
	}
	b.WriteString("/21/")
	b.WriteString(strconv.FormatUint(st.Serial, 10))
	return b.String(), nil
}

// Producer returns the identifier of a producer's premises: its GLN as
// the GS1 Digital Link URI https://id.gs1.org/414/<GLN> when it has one
// (an SGLN URN would need the length of its GS1 company prefix, which
// estamp does not know), else base/epcis/loc/producer/<id>.
func (s Scheme) Producer(id, gln string) (string, error) {
	return s.location("producer", id, gln)
}

// Retailer returns the identifier of a shop, as Producer does:
// https://id.gs1.org/414/<GLN> or base/epcis/loc/retailer/<id>. A shop of
// another province that took in the issuer's stamps goes by the id its
// receipts carry here, <issuer id>:<its id there> (docs/trust-list.md §9):
// no registry id holds ':', so the two never name the same place.
func (s Scheme) Retailer(id, gln string) (string, error) {
	issuer, shop, foreign := strings.Cut(id, ":")
	if !foreign || strings.TrimSpace(gln) != "" {
		return s.location("retailer", id, gln)
	}
	for _, part := range []string{issuer, shop} {
		if err := ocop.CheckID("retailer", part); err != nil {
			return "", fmt.Errorf("epcis: %w", err)
		}
	}
	return s.base + "/epcis/loc/retailer/" + issuer + ":" + shop, nil
}

func (s Scheme) location(kind, id, gln string) (string, error) {
	g, err := ocop.CheckGLN("gln", gln)
	if err != nil {
		return "", fmt.Errorf("epcis: %s %q: %w", kind, id, err)
	}
	if g != "" {
		return "https://id.gs1.org/414/" + g, nil
	}
	if id == "" {
		return "", errors.New("epcis: " + kind + " without an id")
	}
	if err := ocop.CheckID(kind, id); err != nil {
		return "", fmt.Errorf("epcis: %w", err)
	}
	return s.base + "/epcis/loc/" + kind + "/" + url.PathEscape(id), nil
}

// isGS1Lot reports whether lot can be the value of GS1 AI 10: 1 to 20
// characters of GS1 AI encodable character set 82.
func isGS1Lot(lot string) bool {
	if lot == "" || len(lot) > 20 {
		return false
	}
	for i := 0; i < len(lot); i++ {
		if !inCSet82(lot[i]) {
			return false
		}
	}
	return true
}

// inCSet82 reports whether c is in GS1 AI encodable character set 82
// (GS1 General Specifications, section 7.11).
func inCSet82(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

// escapeAI percent-encodes an AI value for a Digital Link path: every
// character but RFC 3986's unreserved ones, which is every character GS1
// Digital Link requires to be encoded (/, %, ?, & …) and a few it allows
// either way.
func escapeAI(v string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

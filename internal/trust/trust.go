// Package trust is the national trust list: the document, signed by a
// national trust anchor, that names every province's estamp issuer, where it
// answers, and which keys sign its stamps. A province's estamp trusts another
// province's stamps because that province is on a list the anchor signed,
// not because of any database the two share.
//
// The format is specified in docs/trust-list.md; this package is its
// reference implementation, and its golden test pins the bytes that document
// shows. The package is pure: it reads and writes bytes, and the clock is
// the caller's.
//
// Signed bytes have exactly one accepted form: Parse re-encodes what it read
// and refuses the document unless the bytes are the same. Two readers can
// then never disagree about what a list says (duplicate JSON keys, a
// different escape of the same string, case-folded field names), and a
// document that was altered anywhere is refused even where the change would
// not have reached the signature.
package trust

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// Format is the only format of the payload so far; a reader refuses any
// other, so that a later format cannot be misread as this one.
const Format = 1

// MaxVersion keeps a version exact as a JSON number in every language
// (2^53-1, the largest integer an IEEE double holds exactly).
const MaxVersion = 1<<53 - 1

// MaxSize bounds a trust list document: 34 provinces with a few keys each
// need well under 64 KiB, and a reader must not be made to hold more.
const MaxSize = 1 << 20

// signingContext is prepended to the payload before signing, so that a
// signature of the anchor over a trust list can never be taken for one over
// anything else, nor a stamp's signature for a trust list's.
const signingContext = "estamp-trust-list-v1\x00"

// Status is what an issuer says of one of its keys.
type Status string

// The states of a key, as the issuer's office set them (admin keys).
const (
	// Active signs new stamps.
	Active Status = "active"
	// Retired signs no more; the stamps it signed stay genuine.
	Retired Status = "retired"
	// Compromised is no longer trusted: its stamps are refused.
	Compromised Status = "compromised"
)

// List is a trust list.
type List struct {
	// Version grows with every list the anchor signs; a reader never
	// replaces a list by one of a lower or equal version (Newer).
	Version uint64
	// Issued is when the list was signed; Expires is the first moment it
	// is no longer valid.
	Issued, Expires time.Time
	// Issuers are sorted by ID.
	Issuers []Issuer
}

// Issuer is one province's estamp.
type Issuer struct {
	// ID is the province's two-digit administrative code ("38" for Thanh
	// Hóa): the code of the General Statistics Office's list of
	// administrative units, which survives renaming and, for the provinces
	// that absorbed others in 2025, the merger.
	ID string
	// Name is the province's name in Vietnamese, e.g. "Tỉnh Thanh Hóa".
	Name string
	// BaseURLs are the addresses the issuer's stamp codes start with
	// (the part before "/V/"); a verifier finds the issuer of a code by
	// them.
	BaseURLs []string
	// Keys are the issuer's public keys, in the issuer's order.
	Keys []Key
	// KeysURL is where the issuer publishes its JWK set;
	// RevocationsURL its revocation list.
	KeysURL, RevocationsURL string
	// GRPCURL, when set, is where the issuer's gRPC API answers
	// ("https://host:port", TLS with the system's roots, or "http://…"
	// in clear on a private network): other provinces report their
	// shops' receipts of its stamps there (CustodyService.ReportReceipts).
	GRPCURL string
}

// Key is one public key of an issuer.
type Key struct {
	ID     stampcode.KeyID
	Public ed25519.PublicKey
	Status Status
	// NotAfter, when not zero, is the last moment stamps of this key are
	// trusted, whatever their own dates say.
	NotAfter time.Time
}

// The JSON of the payload: field names as the document shows them, every
// value a string or an integer, so that the canonical form needs no number
// formatting rules beyond integers.
type (
	wireList struct {
		Expires string       `json:"expires"`
		Format  int          `json:"format"`
		Issued  string       `json:"issued"`
		Issuers []wireIssuer `json:"issuers"`
		Version uint64       `json:"version"`
	}
	wireIssuer struct {
		BaseURLs       []string  `json:"base_urls"`
		GRPCURL        string    `json:"grpc_url,omitempty"`
		ID             string    `json:"id"`
		Keys           []wireKey `json:"keys"`
		KeysURL        string    `json:"keys_url"`
		Name           string    `json:"name"`
		RevocationsURL string    `json:"revocations_url"`
	}
	wireKey struct {
		ID       string `json:"id"`
		NotAfter string `json:"not_after,omitempty"`
		Public   string `json:"public"`
		Status   string `json:"status"`
	}
	envelope struct {
		KeyID     string `json:"key_id"`
		Payload   string `json:"payload"`
		Signature string `json:"signature"`
	}
)

var b64 = base64.RawURLEncoding.Strict()

// timeFormat is RFC 3339 in UTC to the second: one way to write a moment.
const timeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// Sign encodes list canonically and signs it with the anchor's signer,
// which must be an Ed25519 key. The list is checked as Parse would check
// it (save expiry, which is the reader's clock's business), so that the
// national operator cannot publish a list every reader refuses.
func Sign(list *List, signer crypto.Signer) ([]byte, error) {
	pub, ok := signer.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("trust: the anchor key is %T, not Ed25519", signer.Public())
	}
	if err := list.Check(); err != nil {
		return nil, err
	}
	payload := encodeList(list)
	sig, err := signer.Sign(nil, append([]byte(signingContext), payload...), crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("trust: sign: %w", err)
	}
	return encodeEnvelope(envelope{
		KeyID:     stampcode.KeyIDOf(pub).String(),
		Payload:   b64.EncodeToString(payload),
		Signature: b64.EncodeToString(sig),
	}), nil
}

// Parse reads a signed trust list and returns it if one of anchors signed
// it, it is well formed, and it has not expired at now. It does not compare
// versions: that needs the list held before (Newer).
func Parse(data []byte, anchors []ed25519.PublicKey, now time.Time) (*List, error) {
	if len(data) > MaxSize {
		return nil, ocop.Invalid("trust list", "dài %d byte, quá giới hạn %d", "is %d bytes, more than the %d allowed", len(data), MaxSize)
	}
	var env envelope
	if err := strictJSON(data, &env); err != nil {
		return nil, ocop.Invalid("trust list", "không phải danh sách tin cậy đã ký: %v", "is not a signed trust list: %v", err)
	}
	if !bytes.Equal(data, encodeEnvelope(env)) && !bytes.Equal(data, append(encodeEnvelope(env), '\n')) {
		return nil, ocop.Invalid("trust list", "không ở dạng chuẩn (đã bị sửa?)", "is not in its canonical form (altered?)")
	}
	anchor, err := findAnchor(env.KeyID, anchors)
	if err != nil {
		return nil, err
	}
	payload, err1 := b64.DecodeString(env.Payload)
	sig, err2 := b64.DecodeString(env.Signature)
	if err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize {
		return nil, ocop.Invalid("signature", "chữ ký sai (danh sách đã bị sửa?)", "bad signature (was the list altered?)")
	}
	if !ed25519.Verify(anchor, append([]byte(signingContext), payload...), sig) {
		return nil, ocop.Invalid("signature", "chữ ký sai (danh sách đã bị sửa?)", "bad signature (was the list altered?)")
	}
	list, err := decodePayload(payload)
	if err != nil {
		return nil, err
	}
	if !list.Expires.After(now) {
		return nil, ocop.Invalid("expires", "danh sách đã hết hạn lúc %s", "the list expired at %s", formatTime(list.Expires))
	}
	return list, nil
}

// findAnchor is the anchor whose key id is id.
func findAnchor(id string, anchors []ed25519.PublicKey) (ed25519.PublicKey, error) {
	for _, a := range anchors {
		if len(a) == ed25519.PublicKeySize && stampcode.KeyIDOf(a).String() == id {
			return a, nil
		}
	}
	return nil, ocop.Invalid("key_id", "danh sách được ký bằng khóa %q, không phải khóa gốc tin cậy đã cấu hình", "the list is signed by key %q, which is not a configured trust anchor", id)
}

// Newer refuses a candidate that would not replace current: a list of a
// lower or equal version is an old list replayed, or a mistake of the
// operator, and must not undo what a newer list said (a key marked
// compromised, an issuer removed). A nil current accepts any candidate.
func Newer(current, candidate *List) error {
	if current != nil && candidate.Version <= current.Version {
		return ocop.Precondition("danh sách phiên bản %d không mới hơn phiên bản %d đang dùng", "version %d is not newer than version %d in use", candidate.Version, current.Version)
	}
	return nil
}

// decodePayload reads the signed payload and checks it.
func decodePayload(payload []byte) (*List, error) {
	var w wireList
	if err := strictJSON(payload, &w); err != nil {
		return nil, ocop.Invalid("payload", "không đọc được: %v", "cannot be read: %v", err)
	}
	list, err := fromWire(&w)
	if err != nil {
		return nil, err
	}
	if err := list.Check(); err != nil {
		return nil, err
	}
	if !bytes.Equal(payload, encodeList(list)) {
		return nil, ocop.Invalid("payload", "không ở dạng chuẩn", "is not in its canonical form")
	}
	return list, nil
}

// strictJSON decodes one JSON value with no unknown fields and nothing
// after it.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func fromWire(w *wireList) (*List, error) {
	if w.Format != Format {
		return nil, ocop.Invalid("format", "định dạng %d không được hỗ trợ (cần %d)", "format %d is not supported (want %d)", w.Format, Format)
	}
	list := &List{Version: w.Version}
	var err error
	if list.Issued, err = parseTime("issued", w.Issued); err != nil {
		return nil, err
	}
	if list.Expires, err = parseTime("expires", w.Expires); err != nil {
		return nil, err
	}
	for i, wi := range w.Issuers {
		is := Issuer{ID: wi.ID, Name: wi.Name, BaseURLs: wi.BaseURLs, KeysURL: wi.KeysURL, RevocationsURL: wi.RevocationsURL, GRPCURL: wi.GRPCURL}
		for j, wk := range wi.Keys {
			k, err := wk.key(fmt.Sprintf("issuers[%d].keys[%d]", i, j), false)
			if err != nil {
				return nil, err
			}
			is.Keys = append(is.Keys, k)
		}
		list.Issuers = append(list.Issuers, is)
	}
	return list, nil
}

// key reads a key; with idOptional a missing id is computed (the issuer
// entries the operator writes), otherwise it must be there.
func (wk wireKey) key(field string, idOptional bool) (Key, error) {
	pub, err := b64.DecodeString(wk.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return Key{}, ocop.Invalid(field+".public", "cần 32 byte khóa công khai Ed25519, base64url không đệm", "want the 32 bytes of an Ed25519 public key, base64url without padding")
	}
	k := Key{Public: pub, Status: Status(wk.Status), ID: stampcode.KeyIDOf(pub)}
	if wk.ID != "" || !idOptional {
		if wk.ID != k.ID.String() {
			return Key{}, ocop.Invalid(field+".id", "mã khóa %q không khớp khóa công khai (cần %q)", "key id %q does not match the public key (want %q)", wk.ID, k.ID.String())
		}
	}
	if wk.NotAfter != "" {
		if k.NotAfter, err = parseTime(field+".not_after", wk.NotAfter); err != nil {
			return Key{}, err
		}
	}
	return k, nil
}

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil || formatTime(t) != s {
		return time.Time{}, ocop.Invalid(field, "%q: cần thời điểm UTC dạng 2026-01-02T03:04:05Z", "%q: want a UTC time as 2026-01-02T03:04:05Z", s)
	}
	return t, nil
}

// Check applies the rules of docs/trust-list.md §4 that do not need a
// clock: the ones Sign and Parse share.
func (l *List) Check() error {
	if l.Version < 1 || l.Version > MaxVersion {
		return ocop.Invalid("version", "phiên bản %d: cần từ 1 đến %d", "version %d: want 1 to %d", l.Version, uint64(MaxVersion))
	}
	if l.Issued.IsZero() || l.Expires.IsZero() || !l.Expires.After(l.Issued) {
		return ocop.Invalid("expires", "hạn %s phải sau lúc ký %s", "expiry %s must be after issue %s", formatTime(l.Expires), formatTime(l.Issued))
	}
	if l.Issued.Truncate(time.Second) != l.Issued || l.Expires.Truncate(time.Second) != l.Expires {
		return ocop.Invalid("issued", "thời điểm phải tròn giây", "times must be whole seconds")
	}
	if len(l.Issuers) == 0 {
		return ocop.Invalid("issuers", "danh sách không có đơn vị cấp tem nào", "the list names no issuer")
	}
	ids := map[string]bool{}
	urls := map[string]string{}
	keyIDs := map[stampcode.KeyID]string{}
	for i, is := range l.Issuers {
		field := fmt.Sprintf("issuers[%d]", i)
		if !validID(is.ID) {
			return ocop.Invalid(field+".id", "%q: cần mã tỉnh hai chữ số, ví dụ 38", "%q: want a two-digit province code, e.g. 38", is.ID)
		}
		if ids[is.ID] {
			return ocop.Invalid(field+".id", "mã %q xuất hiện hai lần", "issuer id %q appears twice", is.ID)
		}
		ids[is.ID] = true
		if i > 0 && is.ID < l.Issuers[i-1].ID {
			return ocop.Invalid(field+".id", "các đơn vị phải xếp theo mã tăng dần (%q sau %q)", "issuers must be sorted by id (%q after %q)", is.ID, l.Issuers[i-1].ID)
		}
		if !validName(is.Name) {
			return ocop.Invalid(field+".name", "cần tên từ 1 đến 200 byte UTF-8, không có ký tự điều khiển", "want a name of 1 to 200 bytes of UTF-8 without control characters")
		}
		if len(is.BaseURLs) == 0 {
			return ocop.Invalid(field+".base_urls", "cần ít nhất một địa chỉ", "want at least one address")
		}
		for j, u := range is.BaseURLs {
			f := fmt.Sprintf("%s.base_urls[%d]", field, j)
			if err := checkURL(f, u, true); err != nil {
				return err
			}
			// Scanners may change a code's case, so verifiers match base
			// URLs without regard to it: two that differ only in case
			// would name one address twice.
			if other, dup := urls[strings.ToLower(u)]; dup {
				return ocop.Invalid(f, "%q đã là địa chỉ của %s", "%q is already an address of %s", u, other)
			}
			urls[strings.ToLower(u)] = is.ID
		}
		if err := checkURL(field+".keys_url", is.KeysURL, false); err != nil {
			return err
		}
		if err := checkURL(field+".revocations_url", is.RevocationsURL, false); err != nil {
			return err
		}
		if is.GRPCURL != "" {
			if err := checkURL(field+".grpc_url", is.GRPCURL, true); err != nil {
				return err
			}
			if u, _ := url.Parse(is.GRPCURL); u.Path != "" {
				return ocop.Invalid(field+".grpc_url", "%q: cần https://máy:cổng, không có đường dẫn", "%q: want https://host:port, without a path", is.GRPCURL)
			}
		}
		if len(is.Keys) == 0 {
			return ocop.Invalid(field+".keys", "cần ít nhất một khóa", "want at least one key")
		}
		for j, k := range is.Keys {
			f := fmt.Sprintf("%s.keys[%d]", field, j)
			if len(k.Public) != ed25519.PublicKeySize {
				return ocop.Invalid(f+".public", "cần 32 byte khóa công khai Ed25519", "want the 32 bytes of an Ed25519 public key")
			}
			if want := stampcode.KeyIDOf(k.Public); k.ID != want {
				return ocop.Invalid(f+".id", "mã khóa %q không khớp khóa công khai (cần %q)", "key id %q does not match the public key (want %q)", k.ID.String(), want.String())
			}
			if other, dup := keyIDs[k.ID]; dup {
				return ocop.Invalid(f+".id", "khóa %s đã có trong đơn vị %s", "key %s is already listed for issuer %s", k.ID.String(), other)
			}
			keyIDs[k.ID] = is.ID
			switch k.Status {
			case Active, Retired, Compromised:
			default:
				return ocop.Invalid(f+".status", "%q: cần active, retired hoặc compromised", "%q: want active, retired or compromised", string(k.Status))
			}
			if k.NotAfter.Truncate(time.Second) != k.NotAfter {
				return ocop.Invalid(f+".not_after", "thời điểm phải tròn giây", "times must be whole seconds")
			}
		}
	}
	return nil
}

// validID is a two-digit code other than 00.
func validID(id string) bool {
	return len(id) == 2 && id[0] >= '0' && id[0] <= '9' && id[1] >= '0' && id[1] <= '9' && id != "00"
}

func validName(s string) bool {
	if s == "" || len(s) > 200 || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// checkURL accepts an absolute http or https URL in its plain form: no
// user, query or fragment, and, for a base URL, no trailing slash (codes
// are the base URL followed by "/V/").
func checkURL(field, s string, base bool) error {
	u, err := url.Parse(s)
	bad := err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(s, "#") || u.Opaque != "" ||
		len(s) > 2048 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f })
	if !bad && base && strings.HasSuffix(s, "/") {
		bad = true
	}
	if bad {
		return ocop.Invalid(field, "%q: cần địa chỉ http(s) đầy đủ, không có truy vấn hay #, địa chỉ gốc không kết thúc bằng /", "%q: want an absolute http(s) URL without query or fragment, a base URL without a trailing /", s)
	}
	return nil
}

// encodeList is the canonical JSON of a checked list (docs/trust-list.md
// §2): RFC 8785 for the values this format has.
func encodeList(l *List) []byte {
	var b canon
	b.raw("{")
	b.field("expires", true).str(formatTime(l.Expires))
	b.field("format", false).raw(strconv.Itoa(Format))
	b.field("issued", false).str(formatTime(l.Issued))
	b.field("issuers", false).raw("[")
	for i, is := range l.Issuers {
		if i > 0 {
			b.raw(",")
		}
		b.raw("{")
		b.field("base_urls", true).strs(is.BaseURLs)
		if is.GRPCURL != "" {
			b.field("grpc_url", false).str(is.GRPCURL)
		}
		b.field("id", false).str(is.ID)
		b.field("keys", false).raw("[")
		for j, k := range is.Keys {
			if j > 0 {
				b.raw(",")
			}
			b.raw("{")
			b.field("id", true).str(hex.EncodeToString(k.ID[:]))
			if !k.NotAfter.IsZero() {
				b.field("not_after", false).str(formatTime(k.NotAfter))
			}
			b.field("public", false).str(b64.EncodeToString(k.Public))
			b.field("status", false).str(string(k.Status))
			b.raw("}")
		}
		b.raw("]")
		b.field("keys_url", false).str(is.KeysURL)
		b.field("name", false).str(is.Name)
		b.field("revocations_url", false).str(is.RevocationsURL)
		b.raw("}")
	}
	b.raw("]")
	b.field("version", false).raw(strconv.FormatUint(l.Version, 10))
	b.raw("}")
	return b.Bytes()
}

func encodeEnvelope(e envelope) []byte {
	var b canon
	b.raw("{")
	b.field("key_id", true).str(e.KeyID)
	b.field("payload", false).str(e.Payload)
	b.field("signature", false).str(e.Signature)
	b.raw("}")
	return b.Bytes()
}

// canon writes canonical JSON; the callers write members in the order of
// their names, which are ASCII, so that byte order is RFC 8785's order.
type canon struct{ bytes.Buffer }

func (b *canon) raw(s string) *canon { b.WriteString(s); return b }

func (b *canon) field(name string, first bool) *canon {
	if !first {
		b.WriteByte(',')
	}
	return b.str(name).raw(":")
}

func (b *canon) strs(ss []string) *canon {
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.str(s)
	}
	b.WriteByte(']')
	return b
}

// str writes a string as RFC 8785 §3.2.2.2 does: the two-character escapes
// for " \ and the five control characters that have one, \u00xx (lower-case
// hex) for the other control characters, every other character as itself
// in UTF-8.
func (b *canon) str(s string) *canon {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b
}

// Payload is the canonical JSON a signed list carries, for a person to read
// (estamp admin trust-list show --json).
func Payload(l *List) []byte { return encodeList(l) }

// ReadIssuers reads the issuer entries the national operator writes
// (docs/trust-list.md §5): {"issuers": [...]}, each issuer as in the payload,
// a key's id optional. The issuers are returned sorted by id.
func ReadIssuers(data []byte) ([]Issuer, error) {
	var in struct {
		Issuers []wireIssuer `json:"issuers"`
	}
	if err := strictJSON(data, &in); err != nil {
		return nil, ocop.Invalid("issuers", "không đọc được tệp đơn vị cấp tem: %v", "cannot read the issuer file: %v", err)
	}
	var out []Issuer
	for i, wi := range in.Issuers {
		is := Issuer{ID: wi.ID, Name: wi.Name, BaseURLs: wi.BaseURLs, KeysURL: wi.KeysURL, RevocationsURL: wi.RevocationsURL, GRPCURL: wi.GRPCURL}
		for j, wk := range wi.Keys {
			k, err := wk.key(fmt.Sprintf("issuers[%d].keys[%d]", i, j), true)
			if err != nil {
				return nil, err
			}
			is.Keys = append(is.Keys, k)
		}
		out = append(out, is)
	}
	slices.SortStableFunc(out, func(a, b Issuer) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ReadAnchor reads a trust anchor's public key: a PEM "PUBLIC KEY" block
// (PKIX, as estamp keys list --json shows a key), or a PEM private key
// (PKCS #8), of which the public half is taken.
func ReadAnchor(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, ocop.Invalid("anchor", "không có khối PEM", "no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		if priv, ok := key.(ed25519.PrivateKey); ok {
			key = priv.Public()
		}
	default:
		return nil, ocop.Invalid("anchor", "khối PEM %q: cần PUBLIC KEY", "PEM block %q: want PUBLIC KEY", block.Type)
	}
	if err != nil {
		return nil, ocop.Invalid("anchor", "không đọc được khóa: %v", "cannot read the key: %v", err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, ocop.Invalid("anchor", "khóa %T không phải Ed25519", "key %T is not Ed25519", key)
	}
	return pub, nil
}

// IssuerOf is the issuer whose base URLs include base (upper-cased, without
// "/V/"), as a verifier reads it off a scanned code. Base URLs are compared
// upper-cased because a QR code's alphanumeric mode carries capitals only.
func (l *List) IssuerOf(base string) (Issuer, bool) {
	if l == nil {
		return Issuer{}, false
	}
	base = strings.ToUpper(strings.TrimSuffix(base, stampcode.PathSegment))
	for _, is := range l.Issuers {
		for _, u := range is.BaseURLs {
			if strings.ToUpper(strings.TrimSuffix(u, stampcode.PathSegment)) == base {
				return is, true
			}
		}
	}
	return Issuer{}, false
}

// Key is the issuer's key of id.
func (is Issuer) Key(id stampcode.KeyID) (Key, bool) {
	for _, k := range is.Keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

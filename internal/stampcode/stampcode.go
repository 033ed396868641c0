// Package stampcode defines the text an e-stamp's QR code holds: a URL whose
// last path segment is a compact Ed25519-signed token. The format is specified
// in docs/stamp-format.md; this package is its reference implementation, and
// its golden tests pin the bytes that document describes.
//
// The token is Base32 (RFC 4648, upper case, no padding) so that the whole URL
// stays in the QR alphanumeric character set and survives a scanner or a
// person lower-casing it.
package stampcode

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sizes of the version 1 token.
const (
	// Version1 is the only format version so far.
	Version1 = 1
	// PayloadSize is the length of the signed claims.
	PayloadSize = 22
	// SignatureSize is the length of an Ed25519 signature.
	SignatureSize = ed25519.SignatureSize
	// TokenBytes is the length of the decoded token.
	TokenBytes = PayloadSize + SignatureSize
	// TokenLength is the length of the Base32 text of a token.
	TokenLength = (TokenBytes*8 + 4) / 5
	// MaxSerial is the largest serial a 48-bit field holds.
	MaxSerial = 1<<48 - 1
	// PathSegment sits between the base URL and the token. Upper case
	// because the whole URL must be QR alphanumeric.
	PathSegment = "/V/"
	// KeyIDSize is the length of a key id in bytes.
	KeyIDSize = 4
)

// signingContext is prepended to the payload before signing so that a
// signature over a stamp can never be replayed as a signature over anything
// else the same key might sign later.
const signingContext = "OCOP-ESTAMP"

// QRAlphanumeric is the character set of QR alphanumeric mode.
const QRAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var (
	// ErrMalformed means the text is not a stamp of this format.
	ErrMalformed = errors.New("stampcode: not an e-stamp code")
	// ErrUnsupportedVersion means the token names a version this code
	// cannot read.
	ErrUnsupportedVersion = errors.New("stampcode: unsupported format version")
	// ErrNonCanonical means the token decodes, but its last character has
	// non-zero unused bits: no issuer writes that, so the code was altered.
	// Verifiers report it as a bad signature (docs/stamp-format.md §2).
	ErrNonCanonical = errors.New("stampcode: token is not canonical Base32")
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// epochDay is day 0 of the valid-until field.
var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// LastValidUntil is the last day the 16-bit valid-until field can carry,
// 2149-06-06: the registry refuses a certificate valid past it, whose
// stamps could never be signed.
var LastValidUntil = epochDay.AddDate(0, 0, 0xFFFF)

// KeyID names an issuer key: the first 4 bytes of SHA-256 of the raw
// 32-byte Ed25519 public key.
type KeyID [KeyIDSize]byte

// KeyIDOf derives the key id of an Ed25519 public key.
func KeyIDOf(pub ed25519.PublicKey) KeyID {
	sum := sha256.Sum256(pub)
	var id KeyID
	copy(id[:], sum[:KeyIDSize])
	return id
}

// String is the key id as 8 lower-case hex digits.
func (k KeyID) String() string { return hex.EncodeToString(k[:]) }

// ParseKeyID reads the 8-hex-digit form.
func ParseKeyID(s string) (KeyID, error) {
	var id KeyID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != KeyIDSize {
		return id, fmt.Errorf("key id %q: want %d hex digits", s, 2*KeyIDSize)
	}
	copy(id[:], b)
	return id, nil
}

// Claims are what a stamp asserts, readable offline.
type Claims struct {
	KeyID         KeyID
	Serial        uint64 // 1..MaxSerial
	ProductNumber uint32
	BatchID       uint32
	StarGrade     uint8
	// ValidUntil is the last day (UTC date) the product's certificate was
	// valid for when the stamp was issued.
	ValidUntil time.Time
}

// days converts a date to the 16-bit day count, refusing dates outside it.
func days(t time.Time) (uint16, error) {
	y, m, d := t.Date()
	n := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epochDay).Hours() / 24
	if n < 0 || n > 0xFFFF {
		return 0, fmt.Errorf("stampcode: valid-until %s outside %s..%s", t.Format(time.DateOnly), epochDay.Format(time.DateOnly), LastValidUntil.Format(time.DateOnly))
	}
	return uint16(n), nil
}

// MarshalPayload returns the 22 signed bytes of version 1.
func (c Claims) MarshalPayload() ([]byte, error) {
	p := make([]byte, PayloadSize)
	if err := c.putPayload(p); err != nil {
		return nil, err
	}
	return p, nil
}

// putPayload writes the payload into p, PayloadSize bytes.
func (c Claims) putPayload(p []byte) error {
	if c.Serial == 0 || c.Serial > MaxSerial {
		return fmt.Errorf("stampcode: serial %d outside 1..%d", c.Serial, uint64(MaxSerial))
	}
	d, err := days(c.ValidUntil)
	if err != nil {
		return err
	}
	p[0] = Version1
	copy(p[1:5], c.KeyID[:])
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], c.Serial)
	copy(p[5:11], s[2:])
	binary.BigEndian.PutUint32(p[11:15], c.ProductNumber)
	binary.BigEndian.PutUint32(p[15:19], c.BatchID)
	p[19] = c.StarGrade
	binary.BigEndian.PutUint16(p[20:22], d)
	return nil
}

func unmarshalPayload(p []byte) (Claims, error) {
	if len(p) != PayloadSize {
		return Claims{}, ErrMalformed
	}
	if p[0] != Version1 {
		return Claims{}, ErrUnsupportedVersion
	}
	var c Claims
	copy(c.KeyID[:], p[1:5])
	var s [8]byte
	copy(s[2:], p[5:11])
	c.Serial = binary.BigEndian.Uint64(s[:])
	c.ProductNumber = binary.BigEndian.Uint32(p[11:15])
	c.BatchID = binary.BigEndian.Uint32(p[15:19])
	c.StarGrade = p[19]
	c.ValidUntil = epochDay.AddDate(0, 0, int(binary.BigEndian.Uint16(p[20:22])))
	if c.Serial == 0 {
		return Claims{}, ErrMalformed
	}
	return c, nil
}

// SignedMessage is what the signature covers: the ASCII context string
// "OCOP-ESTAMP" followed by the payload.
func SignedMessage(payload []byte) []byte {
	m := make([]byte, 0, len(signingContext)+len(payload))
	m = append(m, signingContext...)
	return append(m, payload...)
}

// Issuer turns claims into stamp codes under one key. It signs through
// crypto.Signer so the private key may live in memory, a file or a hardware
// token.
type Issuer struct {
	signer crypto.Signer
	keyID  KeyID
}

// NewIssuer returns an issuer for signer, whose public key must be Ed25519.
func NewIssuer(signer crypto.Signer) (*Issuer, error) {
	pub, ok := signer.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("stampcode: signer key is %T, want Ed25519", signer.Public())
	}
	return &Issuer{signer: signer, keyID: KeyIDOf(pub)}, nil
}

// KeyID is the id of the signing key.
func (e *Issuer) KeyID() KeyID { return e.keyID }

// Sign signs the claims and returns the full code: prefix (from URLPrefix)
// followed by the token. The claims' KeyID is set to the issuer's.
func (e *Issuer) Sign(prefix string, c Claims) (string, error) {
	c.KeyID = e.keyID
	// The token's bytes, the signed message and the text live on the
	// stack: issuance signs ~100,000 codes a second, and every
	// allocation here is garbage a moment later.
	var raw [TokenBytes]byte
	if err := c.putPayload(raw[:PayloadSize]); err != nil {
		return "", err
	}
	var msg [len(signingContext) + PayloadSize]byte
	copy(msg[copy(msg[:], signingContext):], raw[:PayloadSize])
	sig, err := e.signer.Sign(nil, msg[:], crypto.Hash(0))
	if err != nil {
		return "", fmt.Errorf("stampcode: sign: %w", err)
	}
	if len(sig) != SignatureSize {
		return "", fmt.Errorf("stampcode: signer returned %d bytes, want %d", len(sig), SignatureSize)
	}
	copy(raw[PayloadSize:], sig)
	var text [TokenLength]byte
	b32.Encode(text[:], raw[:])
	var sb strings.Builder
	sb.Grow(len(prefix) + TokenLength)
	sb.WriteString(prefix)
	sb.Write(text[:])
	return sb.String(), nil
}

// URLPrefix validates a base URL and returns the prefix codes start with.
// The base URL is upper-cased: scheme and host are case-insensitive, and the
// server routes paths without regard to case.
func URLPrefix(baseURL string) (string, error) {
	u, ok := Normalize(strings.TrimRight(strings.TrimSpace(baseURL), "/"))
	if !ok {
		return "", fmt.Errorf("base URL %q: only ASCII characters are allowed", baseURL)
	}
	if !strings.HasPrefix(u, "HTTP://") && !strings.HasPrefix(u, "HTTPS://") {
		return "", fmt.Errorf("base URL %q: must start with http:// or https://", baseURL)
	}
	if len(u) <= len("HTTPS://") {
		return "", fmt.Errorf("base URL %q: no host", baseURL)
	}
	for _, r := range u {
		if !strings.ContainsRune(QRAlphanumeric, r) || r == ' ' {
			return "", fmt.Errorf("base URL %q: character %q is outside the QR alphanumeric set (A-Z 0-9 $%%*+-./:)", baseURL, r)
		}
	}
	return u + PathSegment, nil
}

// Token is a parsed, not yet verified, stamp code.
type Token struct {
	Claims Claims
	// Prefix is the upper-cased text up to and including the last "/V/"
	// ("" for a bare token): the base URL followed by PathSegment.
	Prefix string
	// raw is the token's bytes: the payload, then the signature.
	raw [TokenBytes]byte
}

func (t *Token) payload() []byte   { return t.raw[:PayloadSize:PayloadSize] }
func (t *Token) signature() []byte { return t.raw[PayloadSize:] }

// Normalize turns scanned text into the form codes are compared in: the
// Unicode White_Space characters around it removed, then a-z upper-cased.
// Only ASCII letters change case: upper-casing U+017F (ſ) or U+0131 (ı)
// would make them S and I, so a code holding them would pass for one that
// does not. Any other non-ASCII character makes the text not a code (false).
func Normalize(text string) (string, bool) {
	s := strings.TrimSpace(text) // unicode.IsSpace: the White_Space property
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return "", false
		case 'a' <= c && c <= 'z':
			if b == nil {
				b = []byte(s)
			}
			b[i] = c - ('a' - 'A')
		}
	}
	if b == nil {
		return s, true
	}
	return string(b), true
}

// Split cuts normalized text at its last "/V/" into the prefix (up to and
// including "/V/") and the token; a text without "/V/" is a bare token.
func Split(s string) (prefix, token string) {
	if i := strings.LastIndex(s, PathSegment); i >= 0 {
		return s[:i+len(PathSegment)], s[i+len(PathSegment):]
	}
	return "", s
}

// Parse reads a scanned code: a stamp URL or a bare token, in any letter
// case, with surrounding whitespace. It checks form only; Verify checks the
// signature. The errors come in the order of docs/stamp-format.md §6:
// ErrMalformed for text that is not a code, ErrNonCanonical for an altered
// last character, then ErrUnsupportedVersion or ErrMalformed for the
// payload.
func Parse(text string) (*Token, error) {
	s, ok := Normalize(text)
	if !ok {
		return nil, ErrMalformed
	}
	prefix, token := Split(s)
	if prefix != "" && !strings.HasPrefix(prefix, "HTTP://") && !strings.HasPrefix(prefix, "HTTPS://") {
		return nil, ErrMalformed
	}
	t, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	t.Prefix = prefix
	return t, nil
}

// ParseToken reads a normalized bare token.
func ParseToken(s string) (*Token, error) {
	if len(s) != TokenLength {
		return nil, ErrMalformed
	}
	// Decoded and checked in arrays, not on the heap: every
	// verification parses a token.
	var text, canonical [TokenLength]byte
	copy(text[:], s)
	t := new(Token)
	if n, err := b32.Decode(t.raw[:], text[:]); err != nil || n != TokenBytes {
		return nil, ErrMalformed
	}
	b32.Encode(canonical[:], t.raw[:])
	if string(canonical[:]) != s {
		return nil, ErrNonCanonical
	}
	c, err := unmarshalPayload(t.payload())
	if err != nil {
		return nil, err
	}
	t.Claims = c
	return t, nil
}

// Text is the token in its canonical form: 138 upper-case Base32
// characters.
func (t *Token) Text() string { return b32.EncodeToString(t.raw[:]) }

// Verify reports whether the token was signed by pub, whose key id must be
// the token's.
func (t *Token) Verify(pub ed25519.PublicKey) bool {
	if KeyIDOf(pub) != t.Claims.KeyID {
		return false
	}
	return ed25519.Verify(pub, SignedMessage(t.payload()), t.signature())
}

// VerifyBySigning reports whether the token's signature is the one priv
// makes for its payload. Ed25519 signing is deterministic (RFC 8032
// §5.1.6) and every stamp is signed that way, so for the issuer, who holds
// the key, this is the same check as Verify at less than half the cost.
// It is stricter only for a signature made with the same key by a signer
// that picks its nonce at random, which is not Ed25519 as specified.
func (t *Token) VerifyBySigning(priv ed25519.PrivateKey) bool {
	if len(priv) != ed25519.PrivateKeySize || KeyIDOf(ed25519.PublicKey(priv[ed25519.SeedSize:])) != t.Claims.KeyID {
		return false
	}
	var msg [len(signingContext) + PayloadSize]byte
	copy(msg[copy(msg[:], signingContext):], t.payload())
	return subtle.ConstantTimeCompare(ed25519.Sign(priv, msg[:]), t.signature()) == 1
}

// Payload returns a copy of the signed bytes.
func (t *Token) Payload() []byte { return bytes.Clone(t.payload()) }

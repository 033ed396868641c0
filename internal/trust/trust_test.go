package trust

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

var (
	goldenIssued  = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	goldenExpires = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	// goldenNow is a moment the golden list is valid at.
	goldenNow = time.Date(2026, 8, 15, 9, 30, 0, 0, time.UTC)
)

func readKey(t testing.TB, name string) *keys.Key {
	t.Helper()
	k, err := keys.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// goldenList is the list of docs/trust-list.md §6.
func goldenList(t testing.TB) *List {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "issuers.json"))
	if err != nil {
		t.Fatal(err)
	}
	issuers, err := ReadIssuers(data)
	if err != nil {
		t.Fatal(err)
	}
	return &List{Version: 1, Issued: goldenIssued, Expires: goldenExpires, Issuers: issuers}
}

func anchors(t testing.TB) []ed25519.PublicKey {
	return []ed25519.PublicKey{readKey(t, "anchor-test-key.pem").Public}
}

func TestGoldenVector(t *testing.T) {
	signed, err := Sign(goldenList(t), readKey(t, "anchor-test-key.pem").Signer)
	if err != nil {
		t.Fatal(err)
	}
	signed = append(signed, '\n')
	path := filepath.Join("testdata", "golden.json")
	if *update {
		if err := os.WriteFile(path, signed, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(signed, want) {
		t.Fatalf("signed list differs from %s:\n got %s\nwant %s", path, signed, want)
	}
	list, err := Parse(want, anchors(t), goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := list.Issuers; len(got) != 2 || got[0].ID != "01" || got[1].ID != "38" || got[1].Name != "Tỉnh Thanh Hóa" ||
		got[1].Keys[0].ID.String() != "68894d58" || got[1].Keys[1].Status != Retired || !got[1].Keys[1].NotAfter.Equal(time.Date(2031, 12, 31, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("parsed golden list: %+v", got)
	}
}

// The document of docs/trust-list.md is the one the test pins: its
// payload, decoded, is the canonical JSON the document shows, and the
// document shows the golden bytes.
func TestDocumentShowsTheGoldenVector(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "trust-list.md"))
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := json.Unmarshal(golden, &env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"signed document": bytes.TrimSpace(golden), "payload": payload, "signature": []byte(env.Signature)} {
		if !bytes.Contains(doc, want) {
			t.Errorf("docs/trust-list.md does not show the golden %s:\n%s", name, want)
		}
	}
}

// Whatever byte of the signed document changes, to whatever value, the
// document is refused.
func TestEveryFlippedByteIsRefused(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	as := anchors(t)
	for i := range golden {
		for _, mask := range []byte{0x01, 0x20, 0x80} {
			flipped := bytes.Clone(golden)
			flipped[i] ^= mask
			if _, err := Parse(flipped, as, goldenNow); err == nil {
				t.Fatalf("byte %d ^ %#x (%q → %q) accepted", i, mask, golden[i], flipped[i])
			}
		}
	}
}

func TestParseRefuses(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := readKey(t, "other-anchor-test-key.pem")
	for _, tt := range []struct {
		name    string
		data    []byte
		anchors []ed25519.PublicKey
		now     time.Time
		want    string
	}{
		{"wrong anchor", golden, []ed25519.PublicKey{other.Public}, goldenNow, "not a configured trust anchor"},
		{"no anchor", golden, nil, goldenNow, "not a configured trust anchor"},
		{"expired at its expiry", golden, anchors(t), goldenExpires, "expired at 2027-01-01T00:00:00Z"},
		{"expired after", golden, anchors(t), goldenExpires.Add(time.Hour), "expired"},
		{"signed by another key claiming the anchor's id", resign(t, golden, other.Signer), anchors(t), goldenNow, "bad signature"},
		{"not JSON", []byte("hello"), anchors(t), goldenNow, "not a signed trust list"},
		{"indented", indent(t, golden), anchors(t), goldenNow, "canonical"},
		{"two newlines", append(bytes.Clone(golden), '\n'), anchors(t), goldenNow, "canonical"},
		{"too large", bytes.Repeat([]byte(" "), MaxSize+1), anchors(t), goldenNow, "more than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data, tt.anchors, tt.now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			var inv *ocop.InvalidError
			if !errors.As(err, &inv) || inv.ReasonVI == "" {
				t.Errorf("error %v is not said in Vietnamese", err)
			}
		})
	}
	if _, err := Parse(golden, anchors(t), goldenExpires.Add(-time.Second)); err != nil {
		t.Errorf("a second before its expiry: %v", err)
	}
	if _, err := Parse(golden, []ed25519.PublicKey{other.Public, anchors(t)[0]}, goldenNow); err != nil {
		t.Errorf("with the anchor second of two: %v", err)
	}
}

// resign signs the golden payload with signer but keeps the golden key id.
func resign(t *testing.T, golden []byte, signer crypto.Signer) []byte {
	var env envelope
	if err := json.Unmarshal(golden, &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := b64.DecodeString(env.Payload)
	sig, err := signer.Sign(nil, append([]byte(signingContext), payload...), crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	env.Signature = b64.EncodeToString(sig)
	return encodeEnvelope(env)
}

func indent(t *testing.T, golden []byte) []byte {
	var b bytes.Buffer
	if err := json.Indent(&b, golden, "", "  "); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// signPayload signs any payload with the test anchor, as a faulty or
// hostile signer of the anchor could: what only Sign's checks keep out
// must still be refused by Parse.
func signPayload(t testing.TB, payload []byte) []byte {
	t.Helper()
	anchor := readKey(t, "anchor-test-key.pem")
	sig, err := anchor.Signer.Sign(nil, append([]byte(signingContext), payload...), crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	return encodeEnvelope(envelope{KeyID: anchor.ID.String(), Payload: b64.EncodeToString(payload), Signature: b64.EncodeToString(sig)})
}

// Each rule of docs/trust-list.md §4, broken in a payload the anchor
// signed, is refused with what was wrong; the unbroken list is accepted,
// so that each case fails for its own reason.
func TestParseRefusesMalformedLists(t *testing.T) {
	list := goldenList(t)
	if _, err := Parse(signPayload(t, encodeList(list)), anchors(t), goldenNow); err != nil {
		t.Fatalf("the golden list: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(l *List)
		// edit changes the canonical payload instead, for what a List
		// cannot hold.
		edit func(s string) string
		want string
	}{
		{name: "duplicate issuer id", change: func(l *List) { l.Issuers[1].ID = "01" }, want: `issuers[1].id: issuer id "01" appears twice`},
		{name: "issuers out of order", change: func(l *List) { l.Issuers[0], l.Issuers[1] = l.Issuers[1], l.Issuers[0] }, want: "sorted by id"},
		{name: "issuer id not two digits", change: func(l *List) { l.Issuers[0].ID = "VN-HN" }, want: "two-digit province code"},
		{name: "issuer id 00", change: func(l *List) { l.Issuers[0].ID = "00" }, want: "two-digit province code"},
		{name: "key id mismatch", change: func(l *List) { l.Issuers[1].Keys[0].ID = stampcode.KeyID{1, 2, 3, 4} }, want: `issuers[1].keys[0].id: key id "01020304" does not match the public key (want "68894d58")`},
		{name: "key listed twice", change: func(l *List) { l.Issuers[0].Keys = append(l.Issuers[0].Keys, l.Issuers[1].Keys[0]) }, want: "already listed for issuer"},
		{name: "unknown key status", change: func(l *List) { l.Issuers[0].Keys[0].Status = "revoked" }, want: "want active, retired or compromised"},
		{name: "no keys", change: func(l *List) { l.Issuers[0].Keys = nil }, want: "at least one key"},
		{name: "no issuers", change: func(l *List) { l.Issuers = nil }, want: "names no issuer"},
		{name: "empty name", change: func(l *List) { l.Issuers[0].Name = "" }, want: "issuers[0].name"},
		{name: "name with a newline", change: func(l *List) { l.Issuers[0].Name = "Hà\nNội" }, want: "issuers[0].name"},
		{name: "base URL ftp", change: func(l *List) { l.Issuers[0].BaseURLs[0] = "ftp://tem.hanoi.example" }, want: "issuers[0].base_urls[0]"},
		{name: "base URL relative", change: func(l *List) { l.Issuers[0].BaseURLs[0] = "tem.hanoi.example" }, want: "absolute http(s) URL"},
		{name: "base URL trailing slash", change: func(l *List) { l.Issuers[0].BaseURLs[0] = "https://tem.hanoi.example/" }, want: "trailing /"},
		{name: "base URL with query", change: func(l *List) { l.Issuers[0].BaseURLs[0] = "https://tem.hanoi.example?a=1" }, want: "without query"},
		{name: "base URL of two issuers", change: func(l *List) { l.Issuers[1].BaseURLs[0] = "https://tem.hanoi.example" }, want: "already an address of 01"},
		{name: "no base URL", change: func(l *List) { l.Issuers[0].BaseURLs = nil }, want: "at least one address"},
		{name: "keys URL missing", change: func(l *List) { l.Issuers[0].KeysURL = "" }, want: "issuers[0].keys_url"},
		{name: "revocations URL with user", change: func(l *List) { l.Issuers[0].RevocationsURL = "https://u:p@tem.hanoi.example/r" }, want: "issuers[0].revocations_url"},
		{name: "version 0", change: func(l *List) { l.Version = 0 }, want: "version 0: want 1 to"},
		{name: "version too large", change: func(l *List) { l.Version = MaxVersion + 1 }, want: "want 1 to"},
		{name: "expires before issued", change: func(l *List) { l.Expires = l.Issued }, want: "must be after issue"},
		{name: "format 2", edit: func(s string) string { return strings.Replace(s, `"format":1`, `"format":2`, 1) }, want: "format 2 is not supported"},
		{name: "unknown field", edit: func(s string) string { return strings.Replace(s, `"format":1`, `"format":1,"extra":1`, 1) }, want: "unknown field"},
		{name: "time not UTC", edit: func(s string) string {
			return strings.Replace(s, `"2026-07-01T00:00:00Z"`, `"2026-07-01T07:00:00+07:00"`, 1)
		}, want: "want a UTC time"},
		{name: "fractional seconds", edit: func(s string) string {
			return strings.Replace(s, `"2026-07-01T00:00:00Z"`, `"2026-07-01T00:00:00.5Z"`, 1)
		}, want: "want a UTC time"},
		{name: "public key of 31 bytes", edit: func(s string) string {
			return strings.Replace(s, `"T9CZzNR9eJPf6ewkQU7LDZtUICMqrTDZHEZb4zy-ZcQ"`, `"T9CZzNR9eJPf6ewkQU7LDZtUICMqrTDZHEZb4zy-ZQ"`, 1)
		}, want: "32 bytes of an Ed25519 public key"},
		{name: "escaped where the canonical form is not", edit: func(s string) string { return strings.Replace(s, `Thanh`, `\u0054hanh`, 1) }, want: "canonical"},
		{name: "duplicate member", edit: func(s string) string { return strings.Replace(s, `"format":1`, `"format":1,"format":1`, 1) }, want: "canonical"},
		{name: "whitespace", edit: func(s string) string { return strings.Replace(s, `"format":1`, `"format": 1`, 1) }, want: "canonical"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := goldenList(t)
			payload := string(encodeList(l))
			if tt.change != nil {
				tt.change(l)
				payload = string(encodeList(l))
			}
			if tt.edit != nil {
				edited := tt.edit(payload)
				if edited == payload {
					t.Fatal("the edit changed nothing")
				}
				payload = edited
			}
			_, err := Parse(signPayload(t, []byte(payload)), anchors(t), goldenNow)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if tt.change != nil {
				if _, err := Sign(l, readKey(t, "anchor-test-key.pem").Signer); err == nil {
					t.Error("Sign signed it")
				}
			}
		})
	}
}

func TestNewer(t *testing.T) {
	v := func(n uint64) *List { return &List{Version: n} }
	for _, tt := range []struct {
		name               string
		current, candidate *List
		ok                 bool
	}{
		{"first list", nil, v(1), true},
		{"newer", v(4), v(5), true},
		{"much newer", v(4), v(MaxVersion), true},
		{"same version", v(5), v(5), false},
		{"older", v(5), v(4), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Newer(tt.current, tt.candidate)
			if (err == nil) != tt.ok {
				t.Fatalf("Newer: %v, want ok %v", err, tt.ok)
			}
			var pre *ocop.PreconditionError
			if err != nil && (!errors.As(err, &pre) || !strings.Contains(err.Error(), "not newer than version")) {
				t.Errorf("error %v does not say what was wrong", err)
			}
		})
	}
}

func TestSignRefusesNonEd25519(t *testing.T) {
	if _, err := Sign(goldenList(t), notEd25519{}); err == nil || !strings.Contains(err.Error(), "not Ed25519") {
		t.Fatalf("error %v", err)
	}
}

type notEd25519 struct{ crypto.Signer }

func (notEd25519) Public() crypto.PublicKey { return "rsa, say" }

func TestReadAnchor(t *testing.T) {
	want := readKey(t, "anchor-test-key.pem").Public
	for _, tt := range []struct {
		file string
		ok   bool
	}{
		{"anchor-test-pub.pem", true},
		{"anchor-test-key.pem", true},
		{"README.md", false},
		{"issuers.json", false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadAnchor(data)
			if (err == nil) != tt.ok || (tt.ok && !got.Equal(want)) {
				t.Fatalf("ReadAnchor: %x, %v", got, err)
			}
		})
	}
}

func TestReadIssuersRefusesWrongKeyID(t *testing.T) {
	data := []byte(`{"issuers":[{"id":"01","keys":[{"id":"00000000","public":"T9CZzNR9eJPf6ewkQU7LDZtUICMqrTDZHEZb4zy-ZcQ","status":"active"}]}]}`)
	if _, err := ReadIssuers(data); err == nil || !strings.Contains(err.Error(), `key id "00000000" does not match`) {
		t.Fatalf("error %v", err)
	}
}

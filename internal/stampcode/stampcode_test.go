package stampcode_test

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base32"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/stampcode"
)

// loadKey reads a test key from testdata (see testdata/README.md).
func loadKey(t testing.TB, name string) ed25519.PrivateKey {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(ed25519.PrivateKey)
}

func issuer(t testing.TB, name string) *stampcode.Issuer {
	t.Helper()
	iss, err := stampcode.NewIssuer(loadKey(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func prefix(t testing.TB, base string) string {
	t.Helper()
	p, err := stampcode.URLPrefix(base)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// goldenClaims are the claims of the vectors in docs/stamp-format.md.
var goldenClaims = stampcode.Claims{
	Serial:        1234567,
	ProductNumber: 42,
	BatchID:       7,
	StarGrade:     4,
	ValidUntil:    time.Date(2028, 3, 9, 0, 0, 0, 0, time.UTC),
}

// The golden vectors. Ed25519 signatures are deterministic, so a fixed key
// and fixed claims give fixed bytes; docs/stamp-format.md quotes these.
const (
	goldenKeyID   = "56475aa7"
	goldenPayload = "0156475aa700000012d6870000002a00000007045304"
	goldenURL     = "HTTP://LOCALHOST:8080/V/AFLEOWVHAAAAAEWWQ4AAAABKAAAAABYEKMCGSAFPDJD2OXDKSL6MQUWWYOTCBHG7TAC3UYZK7VHCIUGL6SRTQAKOQZWZXBX5O5SNLRABI3GRBYR3NGEO34NMOQCPO5KGRSORQ7JCA4"
)

func TestGoldenVector(t *testing.T) {
	iss := issuer(t, "issuer-test-key.pem")
	if got := iss.KeyID().String(); got != goldenKeyID {
		t.Errorf("key id = %s, want %s", got, goldenKeyID)
	}
	c := goldenClaims
	c.KeyID = iss.KeyID()
	payload, err := c.MarshalPayload()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(payload); got != goldenPayload {
		t.Errorf("payload = %s, want %s", got, goldenPayload)
	}
	code, err := iss.Sign(prefix(t, "http://localhost:8080"), goldenClaims)
	if err != nil {
		t.Fatal(err)
	}
	if code != goldenURL {
		t.Errorf("code =\n%s, want\n%s", code, goldenURL)
	}
}

func TestParseAcceptsScannedForms(t *testing.T) {
	iss := issuer(t, "issuer-test-key.pem")
	pub := loadKey(t, "issuer-test-key.pem").Public().(ed25519.PublicKey)
	code, err := iss.Sign(prefix(t, "https://tem.ocop.example.vn/"), goldenClaims)
	if err != nil {
		t.Fatal(err)
	}
	token := code[strings.LastIndex(code, "/")+1:]
	tests := []struct {
		name, text, wantPrefix string
	}{
		{"as printed", code, "HTTPS://TEM.OCOP.EXAMPLE.VN/V/"},
		{"lower-cased by a scanner", strings.ToLower(code), "HTTPS://TEM.OCOP.EXAMPLE.VN/V/"},
		{"surrounding whitespace", "  \t" + code + "\r\n", "HTTPS://TEM.OCOP.EXAMPLE.VN/V/"},
		{"bare token", token, ""},
		{"bare token lower case", strings.ToLower(token), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := stampcode.Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tok.Prefix != tt.wantPrefix {
				t.Errorf("prefix = %q, want %q", tok.Prefix, tt.wantPrefix)
			}
			want := goldenClaims
			want.KeyID = iss.KeyID()
			if tok.Claims != want {
				t.Errorf("claims = %+v, want %+v", tok.Claims, want)
			}
			if !tok.Verify(pub) {
				t.Error("Verify = false for an untouched code")
			}
		})
	}
}

func TestParseRejectsNonStamps(t *testing.T) {
	iss := issuer(t, "issuer-test-key.pem")
	code, err := iss.Sign(prefix(t, "http://localhost:8080"), goldenClaims)
	if err != nil {
		t.Fatal(err)
	}
	token := code[strings.LastIndex(code, "/")+1:]
	raw := decode(t, token)
	v2 := append([]byte{2}, raw[1:]...)
	zeroSerial := append([]byte(nil), raw...)
	copy(zeroSerial[5:11], make([]byte, 6))
	tests := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", stampcode.ErrMalformed},
		{"random text", "hello world", stampcode.ErrMalformed},
		{"other URL", "https://example.com/product/123", stampcode.ErrMalformed},
		{"URL without token", "HTTP://LOCALHOST:8080/V/", stampcode.ErrMalformed},
		{"token one short", token[:len(token)-1], stampcode.ErrMalformed},
		{"token one long", token + "A", stampcode.ErrMalformed},
		{"not base32", strings.Replace(token, token[10:11], "1", 1), stampcode.ErrMalformed},
		{"not http", "FTP://LOCALHOST/V/" + token, stampcode.ErrMalformed},
		{"version 2", encode(v2), stampcode.ErrUnsupportedVersion},
		{"serial zero", encode(zeroSerial), stampcode.ErrMalformed},
		{"padding", token[:len(token)-2] + "==", stampcode.ErrMalformed},
		{"long s for S", strings.Replace(code, "S", "\u017f", 1), stampcode.ErrMalformed},
		{"dotless i for I", strings.Replace(code, "I", "\u0131", 1), stampcode.ErrMalformed},
		{"long s in the token", strings.Replace(token, "S", "\u017f", 1), stampcode.ErrMalformed},
		{"dotless i in the token", strings.Replace(token, "I", "\u0131", 1), stampcode.ErrMalformed},
		{"non-ASCII in the URL", "HTTP://LOCALHÖST:8080/V/" + token, stampcode.ErrMalformed},
		{"non-canonical last character", nonCanonical(token), stampcode.ErrNonCanonical},
		// The canonical check comes before the payload's (spec §6 step 2).
		{"non-canonical, version 2", nonCanonical(encode(v2)), stampcode.ErrNonCanonical},
		{"non-canonical, serial zero", nonCanonical(encode(zeroSerial)), stampcode.ErrNonCanonical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stampcode.Parse(tt.text)
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(%q) error = %v, want %v", tt.text, err, tt.want)
			}
		})
	}
}

// Every single-character change to a code must stop it verifying: it either
// no longer parses, or its signature fails, checked by verifying and by
// re-signing.
func TestEverySingleCharacterChangeFails(t *testing.T) {
	iss := issuer(t, "issuer-test-key.pem")
	priv := loadKey(t, "issuer-test-key.pem")
	pub := priv.Public().(ed25519.PublicKey)
	code, err := iss.Sign(prefix(t, "http://localhost:8080"), goldenClaims)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := stampcode.Parse(code); err != nil || !tok.Verify(pub) || !tok.VerifyBySigning(priv) {
		t.Fatal("the unchanged code does not verify both ways")
	}
	start := strings.LastIndex(code, "/") + 1
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	for i := start; i < len(code); i++ {
		for _, r := range alphabet {
			if byte(r) == code[i] {
				continue
			}
			changed := code[:i] + string(r) + code[i+1:]
			tok, err := stampcode.Parse(changed)
			if err == nil && (tok.Verify(pub) || tok.VerifyBySigning(priv)) {
				t.Fatalf("code with %q at %d still verifies", r, i)
			}
		}
	}
}

func TestOtherKeyDoesNotVerify(t *testing.T) {
	other := issuer(t, "other-test-key.pem")
	pub := loadKey(t, "issuer-test-key.pem").Public().(ed25519.PublicKey)
	code, err := other.Sign(prefix(t, "http://localhost:8080"), goldenClaims)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := stampcode.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Claims.KeyID == stampcode.KeyIDOf(pub) {
		t.Fatal("test keys share a key id")
	}
	if tok.Verify(pub) || tok.VerifyBySigning(loadKey(t, "issuer-test-key.pem")) {
		t.Error("a code signed by another key verifies")
	}
	if !tok.VerifyBySigning(loadKey(t, "other-test-key.pem")) {
		t.Error("re-signing with the signer's own key does not match")
	}
}

// A code must stay in QR alphanumeric mode and fit version 7-M (178
// alphanumeric characters) so small labels stay scannable.
func TestCodeFitsQRVersion7M(t *testing.T) {
	iss := issuer(t, "issuer-test-key.pem")
	extremes := []stampcode.Claims{
		goldenClaims,
		{Serial: stampcode.MaxSerial, ProductNumber: 0xFFFFFFFF, BatchID: 0xFFFFFFFF, StarGrade: 5, ValidUntil: time.Date(2149, 6, 6, 0, 0, 0, 0, time.UTC)},
		{Serial: 1, ValidUntil: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range extremes {
		code, err := iss.Sign(prefix(t, "http://localhost:8080"), c)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) > 178 {
			t.Errorf("code is %d characters, more than 178", len(code))
		}
		for _, r := range code {
			if !strings.ContainsRune(stampcode.QRAlphanumeric, r) {
				t.Errorf("code holds %q, outside the QR alphanumeric set", r)
			}
		}
		q, err := qrcode.New(code, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		if q.VersionNumber > 7 {
			t.Errorf("code needs QR version %d at level M, want at most 7", q.VersionNumber)
		}
	}
}

func TestURLPrefix(t *testing.T) {
	tests := []struct {
		base, want string
		ok         bool
	}{
		{"http://localhost:8080", "HTTP://LOCALHOST:8080/V/", true},
		{"https://tem.ocop.thanhhoa.gov.vn/", "HTTPS://TEM.OCOP.THANHHOA.GOV.VN/V/", true},
		{"https://example.vn/tem", "HTTPS://EXAMPLE.VN/TEM/V/", true},
		{"ftp://example.vn", "", false},
		{"example.vn", "", false},
		{"https://", "", false},
		{"https://example.vn/?a=b", "", false},
		{"https://my_host.vn", "", false},
	}
	for _, tt := range tests {
		got, err := stampcode.URLPrefix(tt.base)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("URLPrefix(%q) = %q, %v; want %q, ok=%v", tt.base, got, err, tt.want, tt.ok)
		}
	}
}

func TestMarshalRejectsOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		c    stampcode.Claims
	}{
		{"serial zero", stampcode.Claims{Serial: 0, ValidUntil: goldenClaims.ValidUntil}},
		{"serial over 48 bits", stampcode.Claims{Serial: stampcode.MaxSerial + 1, ValidUntil: goldenClaims.ValidUntil}},
		{"valid-until before 1970", stampcode.Claims{Serial: 1, ValidUntil: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{"valid-until after 2149-06-06", stampcode.Claims{Serial: 1, ValidUntil: time.Date(2149, 6, 7, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		if _, err := tt.c.MarshalPayload(); err == nil {
			t.Errorf("%s: MarshalPayload succeeded", tt.name)
		}
	}
}

func TestKeyIDRoundTrip(t *testing.T) {
	id, err := stampcode.ParseKeyID(goldenKeyID)
	if err != nil || id.String() != goldenKeyID {
		t.Errorf("ParseKeyID(%q) = %v, %v", goldenKeyID, id, err)
	}
	for _, bad := range []string{"", "1234567", "123456789", "zzzzzzzz"} {
		if _, err := stampcode.ParseKeyID(bad); err == nil {
			t.Errorf("ParseKeyID(%q) succeeded", bad)
		}
	}
}

// FuzzParse feeds scanned text from anywhere to the parser: it must never
// panic, and whatever it accepts must re-encode to the same payload.
func FuzzParse(f *testing.F) {
	iss := issuer(f, "issuer-test-key.pem")
	code, err := iss.Sign(prefix(f, "http://localhost:8080"), goldenClaims)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(code)
	f.Add(strings.ToLower(code))
	f.Add(code[strings.LastIndex(code, "/")+1:])
	f.Add(" " + code + "\n")
	f.Add("https://example.com/V/")
	f.Add("")
	f.Add("http:///V/" + strings.Repeat("A", stampcode.TokenLength))
	pub := loadKey(f, "issuer-test-key.pem").Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, text string) {
		tok, err := stampcode.Parse(text)
		if err != nil {
			if !errors.Is(err, stampcode.ErrMalformed) && !errors.Is(err, stampcode.ErrUnsupportedVersion) && !errors.Is(err, stampcode.ErrNonCanonical) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		again, err := tok.Claims.MarshalPayload()
		if err != nil {
			t.Fatalf("accepted claims do not marshal: %v", err)
		}
		if string(again) != string(tok.Payload()) {
			t.Fatalf("payload does not round-trip: %x vs %x", again, tok.Payload())
		}
		_ = tok.Verify(pub)
		for _, r := range text {
			if r >= 0x80 && !unicode.IsSpace(r) {
				t.Fatalf("accepted text with non-ASCII %q", r)
			}
		}
		if got := tok.Text(); !strings.Contains(strings.ToUpper(text), got) {
			t.Fatalf("canonical token %s is not the text's", got)
		}
	})
}

func decode(t *testing.T, token string) []byte {
	t.Helper()
	raw, err := b32.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func encode(raw []byte) string { return b32.EncodeToString(raw) }

// nonCanonical sets an unused low bit of the token's last character: the
// bytes decode the same, the text is not what any issuer writes.
func nonCanonical(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[last|1])
}

package verdict_test

import (
	"crypto/ed25519"
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verdict"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// keyring holds the test keys (never for production: see
// internal/stampcode/testdata/README.md).
type keyring map[stampcode.KeyID]verdict.Key

func (k keyring) Key(id stampcode.KeyID) (verdict.Key, bool) { v, ok := k[id]; return v, ok }

func testKey(t testing.TB, name string) *keys.Key {
	t.Helper()
	k, err := keys.ReadFile("../stampcode/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	now    = time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	claims = stampcode.Claims{Serial: 1234567, ProductNumber: 42, BatchID: 7, StarGrade: 4, ValidUntil: time.Date(2028, 3, 9, 0, 0, 0, 0, time.UTC)}
)

// signRaw signs any payload bytes, even ones the issuer would refuse to
// marshal (version 2, serial 0), and returns the token text.
func signRaw(k *keys.Key, payload []byte) string {
	sig := ed25519.Sign(k.Signer.(ed25519.PrivateKey), stampcode.SignedMessage(payload))
	return b32.EncodeToString(append(append([]byte(nil), payload...), sig...))
}

// nonCanonical sets an unused low bit of the last character.
func nonCanonical(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[last|1])
}

// The steps run in the order of docs/stamp-format.md §6: an altered last
// character is a bad signature whatever the payload says, because the
// canonical check is step 2 and comes before the version, the serial and
// the key.
func TestStepsRunInTheSpecsOrder(t *testing.T) {
	k := testKey(t, "issuer-test-key.pem")
	other := testKey(t, "other-test-key.pem")
	ring := keyring{k.ID: {Public: k.Public}}
	c, err := verdict.New([]string{"http://localhost:8080"}, ring)
	if err != nil {
		t.Fatal(err)
	}
	good := claims
	good.KeyID = k.ID
	payload, _ := good.MarshalPayload()
	v2 := append([]byte{2}, payload[1:]...)
	serial0 := append([]byte(nil), payload...)
	copy(serial0[5:11], make([]byte, 6))
	unknown := good
	unknown.KeyID = other.ID
	unknownPayload, _ := unknown.MarshalPayload()
	grade9 := append([]byte(nil), payload...)
	grade9[19] = 9
	token := signRaw(k, payload)

	tests := []struct {
		name  string
		text  string
		want  estampv1.Verdict
		cause verdict.Cause
	}{
		{"genuine signature", token, estampv1.Verdict_VERDICT_UNSPECIFIED, verdict.NoCause},
		{"altered last character", nonCanonical(token), estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause},
		{"altered last character, version 2", nonCanonical(signRaw(k, v2)), estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause},
		{"altered last character, serial 0", nonCanonical(signRaw(k, serial0)), estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause},
		{"altered last character, unknown key", nonCanonical(signRaw(other, unknownPayload)), estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause},
		{"version 2", signRaw(k, v2), estampv1.Verdict_VERDICT_MALFORMED, verdict.NewerFormat},
		{"serial 0", signRaw(k, serial0), estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
		{"unknown key", signRaw(other, unknownPayload), estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause},
		// The grade is not checked before the signature: a payload is
		// judged by its signature alone.
		{"grade 9, signed", signRaw(k, grade9), estampv1.Verdict_VERDICT_UNSPECIFIED, verdict.NoCause},
		{"grade 9, not signed", token[:30] + b32.EncodeToString(grade9)[30:35] + token[35:], estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause},
		{"wrong length", token[:137], estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
		{"padding", token[:136] + "==", estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
		{"not Base32", strings.Replace(token, token[5:6], "1", 1), estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
		{"long s", strings.Replace(token, "S", "\u017f", 1), estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
		{"dotless i", strings.Replace(token, "I", "\u0131", 1), estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
		{"no-break spaces around", "\u00a0" + strings.ToLower(token) + "\u3000", estampv1.Verdict_VERDICT_UNSPECIFIED, verdict.NoCause},
		{"zero-width space inside", token[:50] + "\u200b" + token[50:], estampv1.Verdict_VERDICT_MALFORMED, verdict.NotACode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.ContainsAny(token, "SI") {
				t.Fatal("the test token has neither S nor I")
			}
			chk := c.Check(tt.text, verdict.Scanned)
			if chk.Verdict != tt.want || chk.Cause != tt.cause {
				t.Errorf("Check = %v (cause %d), want %v (cause %d)", chk.Verdict, chk.Cause, tt.want, tt.cause)
			}
		})
	}
}

// The address before /V/ must be the service's own, or the one the
// stamp's batch was issued under; anything else is a look-alike, whatever
// the signature says. On an HTTP request only the path counts.
func TestAddressRule(t *testing.T) {
	k := testKey(t, "issuer-test-key.pem")
	c, err := verdict.New([]string{"https://tem.ocop.example.vn/qr"}, keyring{k.ID: {Public: k.Public}})
	if err != nil {
		t.Fatal(err)
	}
	code, err := k.Issuer.Sign("HTTPS://TEM.OCOP.EXAMPLE.VN/QR/V/", claims)
	if err != nil {
		t.Fatal(err)
	}
	token := code[strings.LastIndex(code, "/")+1:]
	rec := &verdict.Record{Base: "HTTPS://TEM.OCOP.EXAMPLE.VN/QR", ProductNumber: 42, Certificate: &estampv1.Certificate{ValidUntil: "2028-03-09"}}
	moved := &verdict.Record{Base: "HTTP://OLD.EXAMPLE.VN", ProductNumber: 42, Certificate: rec.Certificate}
	tests := []struct {
		name string
		text string
		form verdict.Form
		rec  *verdict.Record
		want estampv1.Verdict
	}{
		{"own URL", code, verdict.Scanned, rec, estampv1.Verdict_VERDICT_GENUINE},
		{"own URL, lower case", strings.ToLower(code), verdict.Scanned, rec, estampv1.Verdict_VERDICT_GENUINE},
		{"bare token", token, verdict.Scanned, rec, estampv1.Verdict_VERDICT_GENUINE},
		{"another host", "HTTPS://EVIL.EXAMPLE/QR/V/" + token, verdict.Scanned, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"another path", "HTTPS://TEM.OCOP.EXAMPLE.VN/X/V/" + token, verdict.Scanned, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"the batch's old address", "HTTP://OLD.EXAMPLE.VN/V/" + token, verdict.Scanned, moved, estampv1.Verdict_VERDICT_GENUINE},
		{"an old address, not the batch's", "HTTP://OLD.EXAMPLE.VN/V/" + token, verdict.Scanned, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"another host, never issued", "HTTPS://EVIL.EXAMPLE/V/" + token, verdict.Scanned, nil, estampv1.Verdict_VERDICT_MALFORMED},
		{"own URL, never issued", code, verdict.Scanned, nil, estampv1.Verdict_VERDICT_NOT_ISSUED},
		{"own path", "/QR/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_GENUINE},
		{"own path, lower case", "/qr/v/" + strings.ToLower(token), verdict.Path, rec, estampv1.Verdict_VERDICT_GENUINE},
		{"root path", "/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"prefixed path", "/X/QR/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"/V/ twice", "/QR/V/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"token twice", "/QR/V/" + token + "/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"host in the path", "//evil.example/QR/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{"the batch's old path", "/V/" + token, verdict.Path, moved, estampv1.Verdict_VERDICT_GENUINE},
		{"a full URL as a path", "/HTTPS://TEM.OCOP.EXAMPLE.VN/QR/V/" + token, verdict.Path, rec, estampv1.Verdict_VERDICT_MALFORMED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chk := c.Check(tt.text, tt.form)
			o := c.Decide(chk, tt.rec, now)
			if o.Verdict != tt.want {
				t.Errorf("verdict %v (cause %d), want %v", o.Verdict, o.Cause, tt.want)
			}
			if o.Verdict == estampv1.Verdict_VERDICT_MALFORMED && o.Cause != verdict.LookAlike {
				t.Errorf("cause %d, want LookAlike", o.Cause)
			}
		})
	}
}

func TestStatusOrder(t *testing.T) {
	active := &estampv1.Certificate{ValidUntil: "2028-03-09"}
	expired := &estampv1.Certificate{ValidUntil: "2026-11-27"}
	revoked := &estampv1.Certificate{ValidUntil: "2028-03-09", RevocationReason: "gian lận", RevokeTime: timestamppb.New(now)}
	tests := []struct {
		name   string
		rec    verdict.Record
		want   estampv1.Verdict
		cause  verdict.Cause
		reason string
	}{
		{"genuine", verdict.Record{Certificate: active}, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
		{"stamp revoked before all", verdict.Record{StampRevoked: true, StampReason: "mất", BatchRevoked: true, Certificate: revoked}, estampv1.Verdict_VERDICT_REVOKED, verdict.StampRevoked, "mất"},
		{"batch revoked", verdict.Record{BatchRevoked: true, BatchReason: "lỗi bao bì", Certificate: expired}, estampv1.Verdict_VERDICT_REVOKED, verdict.BatchRevoked, "lỗi bao bì"},
		{"certificate revoked", verdict.Record{Certificate: revoked}, estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, verdict.NoCause, "gian lận"},
		{"certificate expired yesterday in Vietnam", verdict.Record{Certificate: expired}, estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, verdict.NoCause, ""},
	}
	for _, tt := range tests {
		v, cause, reason := verdict.Status(&tt.rec, now)
		if v != tt.want || cause != tt.cause || reason != tt.reason {
			t.Errorf("%s: %v %d %q, want %v %d %q", tt.name, v, cause, reason, tt.want, tt.cause, tt.reason)
		}
		if s := verdict.Sentence(verdict.Outcome{Verdict: v, Cause: cause, Reason: reason}, ocop.VI); !strings.Contains(s, reason) || s == "" {
			t.Errorf("%s: sentence %q lacks the reason", tt.name, s)
		}
	}
}

// A compromised key's stamp says so under its own address or its batch's;
// under any other address it is a look-alike like any other code.
func TestCompromisedKeyAndAddress(t *testing.T) {
	k := testKey(t, "issuer-test-key.pem")
	c, err := verdict.New([]string{"https://new.example.vn"}, keyring{k.ID: {Public: k.Public, Compromised: true, Reason: "lộ khóa"}})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := k.Issuer.Sign("HTTP://OLD.EXAMPLE.VN/V/", claims)
	token := code[strings.LastIndex(code, "/")+1:]
	rec := &verdict.Record{Base: "HTTP://OLD.EXAMPLE.VN", ProductNumber: 42, Certificate: &estampv1.Certificate{ValidUntil: "2028-03-09"}}
	for _, tt := range []struct {
		text string
		rec  *verdict.Record
		want estampv1.Verdict
	}{
		{code, rec, estampv1.Verdict_VERDICT_KEY_COMPROMISED},
		{"HTTPS://NEW.EXAMPLE.VN/V/" + token, rec, estampv1.Verdict_VERDICT_KEY_COMPROMISED},
		{"HTTPS://NEW.EXAMPLE.VN/V/" + token, nil, estampv1.Verdict_VERDICT_KEY_COMPROMISED},
		{token, nil, estampv1.Verdict_VERDICT_KEY_COMPROMISED},
		{"HTTPS://EVIL.EXAMPLE/V/" + token, rec, estampv1.Verdict_VERDICT_MALFORMED},
		{code, nil, estampv1.Verdict_VERDICT_MALFORMED},
	} {
		chk := c.Check(tt.text, verdict.Scanned)
		if !chk.Signed() || chk.Passed() {
			t.Fatalf("%s: Signed %v, Passed %v", tt.text, chk.Signed(), chk.Passed())
		}
		if o := c.Decide(chk, tt.rec, now); o.Verdict != tt.want || (o.Verdict == estampv1.Verdict_VERDICT_KEY_COMPROMISED && o.Reason != "lộ khóa") {
			t.Errorf("%s (record %v): %v %q, want %v", tt.text, tt.rec != nil, o.Verdict, o.Reason, tt.want)
		}
	}
}

// FuzzCheck feeds any text, as scanned and as a request path, to the
// checker: it never panics, an accepted code is exactly one of the
// issuer's, and the canonical token it reports is in the text.
func FuzzCheck(f *testing.F) {
	k := testKey(f, "issuer-test-key.pem")
	c, err := verdict.New([]string{"http://localhost:8080"}, keyring{k.ID: {Public: k.Public}})
	if err != nil {
		f.Fatal(err)
	}
	code, _ := k.Issuer.Sign("HTTP://LOCALHOST:8080/V/", claims)
	for _, s := range []string{code, strings.ToLower(code), code[24:], "/V/" + code[24:], "//evil/V/" + code[24:], "", "/V/", "HTTP://X/V/V/" + code[24:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, form := range []verdict.Form{verdict.Scanned, verdict.Path} {
			chk := c.Check(text, form)
			o := c.Decide(chk, nil, now)
			if o.Verdict == estampv1.Verdict_VERDICT_UNSPECIFIED || o.Verdict == estampv1.Verdict_VERDICT_GENUINE {
				t.Fatalf("%q: verdict %v without a record", text, o.Verdict)
			}
			if chk.Token != "" && !strings.Contains(strings.ToUpper(text), chk.Token) {
				t.Fatalf("%q: token %s is not the text's", text, chk.Token)
			}
			if chk.Passed() && chk.Claims.Serial == 0 {
				t.Fatalf("%q: passed with serial 0", text)
			}
		}
	})
}

package verdict_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
)

// held is a trust list as a holder gives it: nil when none is held.
type held struct{ list *trust.List }

func (h held) List() *trust.List { return h.list }

// seeded is a key made in the test: a province's keys beyond the two test
// files.
func seeded(b byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = b
	return ed25519.NewKeyFromSeed(seed)
}

func idOf(k ed25519.PrivateKey) stampcode.KeyID {
	return stampcode.KeyIDOf(k.Public().(ed25519.PublicKey))
}

// tokenBy is a token of c signed by k, which need not be the key c names.
func tokenBy(t *testing.T, k ed25519.PrivateKey, c stampcode.Claims) string {
	t.Helper()
	payload, err := c.MarshalPayload()
	if err != nil {
		t.Fatal(err)
	}
	return b32.EncodeToString(append(payload, ed25519.Sign(k, stampcode.SignedMessage(payload))...))
}

// A code of another province on the trust list is judged by that
// province's keys; an address no issuer claims is UNKNOWN_ISSUER while a
// list is held, and the look-alike it always was when none is.
func TestForeignCodesAreJudgedByTheTrustList(t *testing.T) {
	own := testKey(t, "issuer-test-key.pem")
	active, retired, expired, leaked := seeded(1), seeded(2), seeded(3), seeded(4)
	pub := func(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }
	list := &trust.List{Version: 1, Expires: now.Add(24 * time.Hour), Issuers: []trust.Issuer{
		{ID: "01", Name: "Thành phố Hà Nội", BaseURLs: []string{"HTTP://LOCALHOST:8080"},
			Keys: []trust.Key{{ID: own.ID, Public: own.Public, Status: trust.Active}}},
		{ID: "38", Name: "Tỉnh Thanh Hóa", BaseURLs: []string{"HTTPS://TEM.THANHHOA.EXAMPLE", "HTTPS://OCOP.THANHHOA.EXAMPLE/TEM"},
			Keys: []trust.Key{
				{ID: idOf(active), Public: pub(active), Status: trust.Active},
				{ID: idOf(retired), Public: pub(retired), Status: trust.Retired, NotAfter: now.Add(time.Hour)},
				{ID: idOf(expired), Public: pub(expired), Status: trust.Retired, NotAfter: now.Add(-time.Hour)},
				{ID: idOf(leaked), Public: pub(leaked), Status: trust.Compromised},
			}},
	}}
	plain, err := verdict.New([]string{"http://localhost:8080"}, keyring{own.ID: {Public: own.Public}})
	if err != nil {
		t.Fatal(err)
	}
	by := func(k ed25519.PrivateKey, edit func(*stampcode.Claims)) string {
		c := claims
		c.KeyID = idOf(k)
		if edit != nil {
			edit(&c)
		}
		return tokenBy(t, k, c)
	}
	ownClaims := claims
	ownClaims.KeyID = own.ID
	ownToken := tokenBy(t, own.Signer.(ed25519.PrivateKey), ownClaims)
	genuine := by(active, nil)
	// The serial is changed after signing: the signature no longer fits.
	tampered := func() string {
		c := claims
		c.KeyID = idOf(active)
		p, _ := c.MarshalPayload()
		sig := ed25519.Sign(active, stampcode.SignedMessage(p))
		c.Serial++
		p, _ = c.MarshalPayload()
		return b32.EncodeToString(append(p, sig...))
	}()
	ownRecord := &verdict.Record{Base: "HTTP://LOCALHOST:8080", ProductNumber: claims.ProductNumber, Certificate: &estampv1.Certificate{ValidUntil: ocop.FormatDate(claims.ValidUntil)}}

	tests := []struct {
		name    string
		issuers verdict.Issuers
		code    string
		rec     *verdict.Record
		want    estampv1.Verdict
		cause   verdict.Cause
		issuer  string
	}{
		{"genuine of another province", held{list}, "https://tem.thanhhoa.example/v/" + genuine, nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"under the province's second address", held{list}, "HTTPS://OCOP.THANHHOA.EXAMPLE/TEM/V/" + genuine, nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"certificate past the valid-until it carries", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(active, func(c *stampcode.Claims) { c.ValidUntil = now.AddDate(0, 0, -2) }), nil, estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"retired key still trusted", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(retired, nil), nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"key past its not-after", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(expired, nil), nil, estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"key the province marked compromised", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(leaked, nil), nil, estampv1.Verdict_VERDICT_KEY_COMPROMISED, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"tampered code of another province", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + tampered, nil, estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"key the province does not list", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(seeded(5), nil), nil, estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"own key under another province's address", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + ownToken, ownRecord, estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause, "Tỉnh Thanh Hóa"},
		{"unlisted address, list held", held{list}, "HTTPS://TEM.FAKE.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_UNKNOWN_ISSUER, verdict.NoCause, ""},
		{"unlisted address, no list configured", nil, "HTTPS://TEM.FAKE.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_MALFORMED, verdict.LookAlike, ""},
		{"listed province, no list configured", nil, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_MALFORMED, verdict.LookAlike, ""},
		{"the held list expired", held{nil}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_MALFORMED, verdict.LookAlike, ""},
		{"own stamp, own province listed", held{list}, "HTTP://LOCALHOST:8080/V/" + ownToken, ownRecord, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := plain
			if tt.issuers != nil {
				c = plain.WithIssuers(tt.issuers)
			}
			chk := c.Check(tt.code, verdict.Scanned)
			rec := tt.rec
			if !chk.Signed() {
				rec = nil
			}
			o := c.Decide(chk, rec, now)
			if o.Verdict != tt.want || o.Cause != tt.cause || o.IssuerName != tt.issuer {
				t.Errorf("got %v (cause %v, issuer %q), want %v (cause %v, issuer %q)", o.Verdict, o.Cause, o.IssuerName, tt.want, tt.cause, tt.issuer)
			}
			if tt.issuer != "" && chk.Signed() {
				t.Error("a code of another province is to be looked up in this service's records")
			}
		})
	}
}

// A foreign genuine stamp is told by who issued it.
func TestForeignIssuerSaysWho(t *testing.T) {
	w := verdict.ForeignIssuer("Tỉnh Thanh Hóa")
	for _, s := range []string{w.VI, w.EN} {
		if !strings.Contains(s, "Tỉnh Thanh Hóa") {
			t.Errorf("%q does not name the issuer", s)
		}
	}
}

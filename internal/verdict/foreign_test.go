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
	stale := by(active, func(c *stampcode.Claims) { c.ValidUntil = now.AddDate(0, 0, -2) })
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
		// page is the code's page at its issuer: scheme and host in lower
		// case, the base path and token as the QR code carries them.
		page string
	}{
		{"genuine of another province", held{list}, "https://tem.thanhhoa.example/v/" + genuine, nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + genuine},
		{"under the province's second address", held{list}, "HTTPS://OCOP.THANHHOA.EXAMPLE/TEM/V/" + genuine, nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "Tỉnh Thanh Hóa", "https://ocop.thanhhoa.example/TEM/V/" + genuine},
		{"certificate past the valid-until it carries", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + stale, nil, estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + stale},
		{"retired key still trusted", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(retired, nil), nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + by(retired, nil)},
		{"key past its not-after", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(expired, nil), nil, estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + by(expired, nil)},
		{"key the province marked compromised", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(leaked, nil), nil, estampv1.Verdict_VERDICT_KEY_COMPROMISED, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + by(leaked, nil)},
		{"tampered code of another province", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + tampered, nil, estampv1.Verdict_VERDICT_BAD_SIGNATURE, verdict.NoCause, "Tỉnh Thanh Hóa", ""},
		{"key the province does not list", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + by(seeded(5), nil), nil, estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + by(seeded(5), nil)},
		{"own key under another province's address", held{list}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + ownToken, ownRecord, estampv1.Verdict_VERDICT_UNKNOWN_KEY, verdict.NoCause, "Tỉnh Thanh Hóa", "https://tem.thanhhoa.example/V/" + ownToken},
		{"unlisted address, list held", held{list}, "HTTPS://TEM.FAKE.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_UNKNOWN_ISSUER, verdict.NoCause, "", ""},
		{"unlisted address, no list configured", nil, "HTTPS://TEM.FAKE.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_MALFORMED, verdict.LookAlike, "", ""},
		{"listed province, no list configured", nil, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_MALFORMED, verdict.LookAlike, "", ""},
		{"the held list expired", held{nil}, "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + genuine, nil, estampv1.Verdict_VERDICT_MALFORMED, verdict.LookAlike, "", ""},
		{"own stamp, own province listed", held{list}, "HTTP://LOCALHOST:8080/V/" + ownToken, ownRecord, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, "", ""},
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
			if o.IssuerPage != tt.page {
				t.Errorf("the code's page at its issuer: %q, want %q", o.IssuerPage, tt.page)
			}
			if tt.issuer != "" && chk.Signed() {
				t.Error("a code of another province is to be looked up in this service's records")
			}
		})
	}
}

// A code of another province is told by whose it is, and as issued by
// that province only when its key in good standing proves it: an altered
// code merely bears the province's address. A genuine stamp's status is
// told by the list this service fetched, or said to be unknown without
// one, and a leaked or unknown key is the province's, not this service's.
func TestForeignMessageSaysWhose(t *testing.T) {
	const name = "Tỉnh Thanh Hóa"
	fetched := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		o      verdict.Outcome
		vi, en string
	}{
		{verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE, StatusTime: fetched}, "Tem do Tỉnh Thanh Hóa cấp. Tỉnh chưa thu hồi tem này.", "Issued by Tỉnh Thanh Hóa. The province has not withdrawn it."},
		{verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}, "Tem do Tỉnh Thanh Hóa cấp. Chưa tải được danh sách thu hồi", "Issued by Tỉnh Thanh Hóa. This service has not yet fetched"},
		{verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.BatchRevoked, Reason: "Lô bị nhiễm khuẩn", StatusTime: fetched},
			"Tem do Tỉnh Thanh Hóa cấp. Mọi sản phẩm cùng lô với tem này đã bị rút khỏi thị trường. Lý do: Lô bị nhiễm khuẩn", "Issued by Tỉnh Thanh Hóa. Every item of this stamp's lot"},
		{verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_BAD_SIGNATURE}, "Mã mang địa chỉ của Tỉnh Thanh Hóa. Mã trên tem đã bị sửa hoặc là mã giả.", "The code bears the address of Tỉnh Thanh Hóa. The code was altered"},
		{verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_KEY_COMPROMISED}, "Mã mang địa chỉ của Tỉnh Thanh Hóa. Tỉnh đã báo mã bí mật", "The code bears the address of Tỉnh Thanh Hóa. The province reports"},
		{verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_UNKNOWN_KEY}, "Mã mang địa chỉ của Tỉnh Thanh Hóa. Tỉnh không công nhận", "The code bears the address of Tỉnh Thanh Hóa. The province does not recognise"},
	} {
		tt.o.IssuerID, tt.o.IssuerName = "38", name
		w := verdict.ForeignMessage(tt.o)
		if !strings.HasPrefix(w.VI, tt.vi) || !strings.HasPrefix(w.EN, tt.en) {
			t.Errorf("%v: %q / %q, want %q… / %q…", tt.o.Verdict, w.VI, w.EN, tt.vi, tt.en)
		}
	}
	// Another province's genuine stamp is a genuine stamp: the product is
	// not shown here to be matched against the label.
	own, other := verdict.TellCause(estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, nil), verdict.TellForeign(estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause)
	if other.Headline == own.Headline || other.Advice == own.Advice || other.Tone != own.Tone || other.Label != own.Label {
		t.Errorf("a genuine stamp of another province is told as an own one: %v", other)
	}
	if got := verdict.TellForeign(estampv1.Verdict_VERDICT_REVOKED, verdict.BatchRevoked); got != verdict.TellCause(estampv1.Verdict_VERDICT_REVOKED, verdict.BatchRevoked, nil) {
		t.Errorf("a recalled lot of another province is told apart: %v", got)
	}
}

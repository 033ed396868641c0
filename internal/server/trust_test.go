package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/web"
)

// estampd takes the national trust list at start and keeps the last good
// one: a list with one flipped byte is refused, counted in /metrics by
// reason, and the version held stays.
func TestServerHoldsTheTrustList(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("..", "trust", "testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	anchor := testAnchors(t)[0]
	path := filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(path, golden, 0o600); err != nil {
		t.Fatal(err)
	}
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) {
		c.TrustList, c.TrustAnchors = path, []ed25519.PublicKey{anchor}
	})
	if l := e.srv.Trust.List(); l == nil || l.Version != 1 || len(l.Issuers) != 2 {
		t.Fatalf("the trust list held at start: %+v", l)
	}
	flipped := append([]byte(nil), golden...)
	flipped[len(flipped)-10] ^= 1
	if err := os.WriteFile(path, flipped, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Trust.Refresh(context.Background()); err == nil {
		t.Error("a flipped byte was taken")
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	r, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{"estamp_trust_list_version 1\n", `estamp_trust_list_refusals_total{reason="invalid"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// provinces is a trust list naming province A (01, this test's issuer key)
// and province B (38, the other test key), signed with the test anchor.
// B publishes its revocations at bRevocations, or under its address when
// that is "".
func provinces(t *testing.T, version uint64, a, b *keys.Key, bStatus trust.Status, bRevocations string) []byte {
	t.Helper()
	return provincesAt(t, version, a, b, bStatus, bRevocations, "http://tem.thanhhoa.example:8080")
}

// provincesAt is provinces with B at bBase.
func provincesAt(t *testing.T, version uint64, a, b *keys.Key, bStatus trust.Status, bRevocations, bBase string) []byte {
	t.Helper()
	if bRevocations == "" {
		bRevocations = bBase + web.RevocationsPath
	}
	anchor, err := keys.ReadFile(filepath.Join("..", "trust", "testdata", "anchor-test-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	list := &trust.List{Version: version, Issued: issued, Expires: issued.AddDate(1, 0, 0), Issuers: []trust.Issuer{
		{ID: "01", Name: "Thành phố Hà Nội", BaseURLs: []string{"HTTP://LOCALHOST:8080"},
			Keys:    []trust.Key{{ID: a.ID, Public: a.Public, Status: trust.Active}},
			KeysURL: "http://localhost:8080/.well-known/estamp-keys.json", RevocationsURL: "http://localhost:8080/.well-known/estamp-revocations.json"},
		{ID: "38", Name: "Tỉnh Thanh Hóa", BaseURLs: []string{strings.ToUpper(bBase)},
			Keys:    []trust.Key{{ID: b.ID, Public: b.Public, Status: bStatus}},
			KeysURL: bBase + web.KeysPath, RevocationsURL: bRevocations},
	}}
	data, err := trust.Sign(list, anchor.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// testAnchors are the public keys of the test anchor that signs
// provinces' lists.
func testAnchors(t *testing.T) []ed25519.PublicKey {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join("..", "trust", "testdata", "anchor-test-pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := trust.ReadAnchor(pem)
	if err != nil {
		t.Fatal(err)
	}
	return []ed25519.PublicKey{anchor}
}

// provincesChanged is provinces' list at version as change leaves it,
// signed again by the test anchor.
func provincesChanged(t *testing.T, version uint64, a, b *keys.Key, change func(*trust.List)) []byte {
	t.Helper()
	// provinces signs a list issued on 1 November 2026.
	list, err := trust.Parse(provinces(t, version, a, b, trust.Active, ""), testAnchors(t), time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	change(list)
	anchor, err := keys.ReadFile(filepath.Join("..", "trust", "testdata", "anchor-test-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := trust.Sign(list, anchor.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Province A verifies province B's stamps by the trust list both hold: B's
// genuine stamp is GENUINE and names B, an address no province claims is
// UNKNOWN_ISSUER, and once a newer list marks B's key compromised, B's
// stamps are KEY_COMPROMISED at A.
func TestProvincesVerifyEachOthersStamps(t *testing.T) {
	keyA, keyB := testKey(t, "issuer-test-key.pem"), testKey(t, "other-test-key.pem")
	anchor := testAnchors(t)[0]
	path := filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(path, provinces(t, 1, keyA, keyB, trust.Active, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	withList := func(c *server.Config) { c.TrustList, c.TrustAnchors = path, []ed25519.PublicKey{anchor} }
	a := startAt(t, t.TempDir(), "http://localhost:8080", 0, withList)
	b := startAt(t, t.TempDir(), "http://tem.thanhhoa.example:8080", 0, withList, func(c *server.Config) { c.Ring = keys.NewRing(keyB) })
	b.seedRegistry(t)
	stamp := b.issue(t, "NEM-CHUA", 1, "req-b").Stamps[0]
	token := strings.TrimPrefix(stamp.Code, "HTTP://TEM.THANHHOA.EXAMPLE:8080/V/")
	if token == stamp.Code {
		t.Fatalf("B's code %q is not under B's address", stamp.Code)
	}

	got := a.verify(t, stamp.Code)
	if got.Verdict != estampv1.Verdict_VERDICT_GENUINE || got.IssuerId != "38" || got.IssuerName != "Tỉnh Thanh Hóa" || got.Serial != stamp.Serial {
		t.Errorf("B's stamp at A: %v", got)
	}
	if !strings.Contains(got.Message, "Tỉnh Thanh Hóa") {
		t.Errorf("A's answer does not say who issued B's stamp: %q", got.Message)
	}
	if got.ForeignStatusTime != nil {
		t.Errorf("B's list was never fetched, yet A's answer gives its time: %v", got.ForeignStatusTime)
	}
	// The stamp's own page is at B, under the address the list gives B.
	atB := "http://tem.thanhhoa.example:8080/V/" + token
	if got.IssuerPageUrl != atB {
		t.Errorf("B's stamp at A links to %q, want %q", got.IssuerPageUrl, atB)
	}
	hs := httptest.NewServer(a.srv.HTTP)
	defer hs.Close()
	html := get(t, hs.URL+"/verify?code="+url.QueryEscape(stamp.Code)).body
	for _, want := range []string{"<h1>Tem chính hãng</h1>", "Tem do Tỉnh Thanh Hóa cấp.", `href="` + atB + `" rel="external noopener"`, "Xem lịch sử quét trên trang của"} {
		if !strings.Contains(html, want) {
			t.Errorf("A's page for B's stamp lacks %q", want)
		}
	}
	// A has no scans or shops of B's stamps, and shows none.
	for _, absent := range []string{"Số lần quét", "Cửa hàng đã nhận", "Lần quét"} {
		if strings.Contains(html, absent) {
			t.Errorf("A's page for B's stamp shows %q", absent)
		}
	}
	js := get(t, hs.URL+"/verify?code="+url.QueryEscape(stamp.Code), "Accept", "application/json").body
	for _, want := range []string{`"issuer_id":"38"`, `"issuer_name":"Tỉnh Thanh Hóa"`, `"issuer_page_url":"` + atB + `"`} {
		if !strings.Contains(js, want) {
			t.Errorf("A's JSON for B's stamp lacks %s: %s", want, js)
		}
	}
	if own := b.verify(t, stamp.Code); own.Verdict != estampv1.Verdict_VERDICT_GENUINE || own.IssuerId != "" {
		t.Errorf("B's stamp at B: %v", own)
	}
	tampered := a.verify(t, "HTTP://TEM.THANHHOA.EXAMPLE:8080/V/"+nonCanonicalFlip(token))
	if tampered.Verdict != estampv1.Verdict_VERDICT_BAD_SIGNATURE || tampered.IssuerPageUrl != "" || strings.Contains(tampered.Message, "Tem do") {
		t.Errorf("an altered code of B at A: %v", tampered)
	}
	if v := a.verify(t, "HTTP://TEM.NOWHERE.EXAMPLE/V/"+token).Verdict; v != estampv1.Verdict_VERDICT_UNKNOWN_ISSUER {
		t.Errorf("an unlisted address at A: %v", v)
	}

	if err := os.WriteFile(path, provinces(t, 2, keyA, keyB, trust.Compromised, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.srv.Trust.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := a.verify(t, stamp.Code); got.Verdict != estampv1.Verdict_VERDICT_KEY_COMPROMISED || got.IssuerPageUrl != atB || !strings.HasPrefix(got.Message, "Mã mang địa chỉ của Tỉnh Thanh Hóa.") {
		t.Errorf("B's stamp at A after B's key was marked compromised: %v", got)
	}
}

// nonCanonicalFlip alters one payload character of a token: the serial it
// claims changes, and the signature no longer fits.
func nonCanonicalFlip(token string) string {
	c := byte('A')
	if token[12] == 'A' {
		c = 'B'
	}
	return token[:12] + string(c) + token[13:]
}

// Province A judges B's stamps by B's revocation list as A last fetched
// it: a batch B recalled is REVOKED at A with B's reason once A refreshes,
// and the answer says as of when; B's other stamps stay GENUINE; with B
// unreachable, A keeps what it fetched last and still verifies by
// signature.
func TestProvincesApplyEachOthersRevocations(t *testing.T) {
	keyA, keyB := testKey(t, "issuer-test-key.pem"), testKey(t, "other-test-key.pem")
	anchor := testAnchors(t)[0]
	path := filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(path, provinces(t, 1, keyA, keyB, trust.Active, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	withList := func(c *server.Config) { c.TrustList, c.TrustAnchors = path, []ed25519.PublicKey{anchor} }
	a := startAt(t, t.TempDir(), "http://localhost:8080", 0, withList)
	b := startAt(t, t.TempDir(), "http://tem.thanhhoa.example:8080", 0, withList, func(c *server.Config) { c.Ring = keys.NewRing(keyB) })
	b.seedRegistry(t)
	recalled := b.issue(t, "NEM-CHUA", 2, "req-recalled")
	kept := b.issue(t, "NEM-CHUA", 1, "req-kept").Stamps[0]
	alone := b.issue(t, "NEM-CHUA", 1, "req-alone").Stamps[0]
	hb := httptest.NewServer(b.srv.HTTP)
	defer hb.Close()
	// The list now sends A to B's test server for B's revocations.
	if err := os.WriteFile(path, provinces(t, 2, keyA, keyB, trust.Active, hb.URL+web.RevocationsPath), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.srv.Trust.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.srv.Foreign.Refresh(ctx); err != nil {
		t.Fatalf("A fetching B's revocations: %v", err)
	}
	if got := a.verify(t, recalled.Stamps[0].Code); got.Verdict != estampv1.Verdict_VERDICT_GENUINE || got.ForeignStatusTime == nil {
		t.Errorf("B's stamp at A before B recalled its batch: %v", got)
	}

	const reason = "Lô bị nhiễm khuẩn"
	if _, err := b.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(recalled.Batch.Id), Reason: reason}); err != nil {
		t.Fatal(err)
	}
	const lost = "Tem bị mất cắp tại kho"
	if _, err := b.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: []uint64{alone.Serial}}}, Reason: lost}); err != nil {
		t.Fatal(err)
	}
	if got := a.verify(t, recalled.Stamps[0].Code).Verdict; got != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("A knew of B's recall before fetching it: %v", got)
	}
	if err := a.srv.Foreign.Refresh(ctx); err != nil {
		t.Fatalf("A fetching B's changes: %v", err)
	}
	fetched := a.clock.Now()
	check := func(when string) {
		t.Helper()
		for _, st := range recalled.Stamps {
			got := a.verify(t, st.Code)
			if got.Verdict != estampv1.Verdict_VERDICT_REVOKED || !strings.Contains(got.Message, reason) || got.IssuerId != "38" || !got.GetForeignStatusTime().AsTime().Equal(fetched) {
				t.Errorf("%s: a recalled stamp of B at A: %v", when, got)
			}
		}
		if got := a.verify(t, kept.Code); got.Verdict != estampv1.Verdict_VERDICT_GENUINE || !got.GetForeignStatusTime().AsTime().Equal(fetched) {
			t.Errorf("%s: B's stamp of another batch at A: %v", when, got)
		}
	}
	check("after A's refresh")
	// A stamp B revoked alone is told as a revoked stamp, not a recalled
	// lot.
	if got := a.verify(t, alone.Code); got.Verdict != estampv1.Verdict_VERDICT_REVOKED || got.StampRevocationReason != lost {
		t.Errorf("a stamp B revoked alone, at A: %v", got)
	}
	ha := httptest.NewServer(a.srv.HTTP)
	defer ha.Close()
	html := get(t, ha.URL+"/verify?code="+url.QueryEscape(recalled.Stamps[0].Code)).body
	for _, want := range []string{"<h1>Lô hàng đã bị thu hồi</h1>", "Tem do Tỉnh Thanh Hóa cấp. Mọi sản phẩm cùng lô", "Tình trạng theo danh sách thu hồi của tỉnh phát hành, tải về lúc 10:00, 28/11/2026."} {
		if !strings.Contains(html, want) {
			t.Errorf("A's page for B's recalled stamp lacks %q", want)
		}
	}
	if html := get(t, ha.URL+"/verify?code="+url.QueryEscape(alone.Code)).body; !strings.Contains(html, "<h1>Tem đã bị thu hồi</h1>") {
		t.Errorf("A's page for a stamp B revoked alone:\n%s", html)
	}

	hb.Close()
	a.clock.Set(fetched.Add(time.Hour))
	if err := a.srv.Foreign.Refresh(ctx); err == nil {
		t.Error("an unreachable B was fetched")
	}
	check("with B unreachable")
	if want := "estamp_foreign_revocations_age_seconds 3600\n"; !strings.Contains(get(t, ha.URL+"/metrics").body, want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

// listSource serves a trust list as the national operator's server does,
// with an ETag; down is a source that cannot be reached.
type listSource struct {
	mu   sync.Mutex
	doc  []byte
	down bool
}

func (s *listSource) set(doc []byte, down bool) {
	s.mu.Lock()
	s.doc, s.down = doc, down
	s.mu.Unlock()
}

func (s *listSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	sum := sha256.Sum256(s.doc)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Write(s.doc)
}

// estampd keeps the last good trust list and the other provinces'
// revocation lists in its data directory: restarted while the list's
// source and province B are both down, A still verifies B's stamps by
// the list and still says B's recalled batch is REVOKED, as of the fetch
// before the restart. The saved list is taken through the same checks:
// a source that comes back serving an older list is refused, the same
// list again is no refusal. A serves the list it holds, byte for byte,
// at /.well-known/estamp-trust-list.json and through GetTrustList.
func TestRestartKeepsTheTrustListAndForeignRevocations(t *testing.T) {
	keyA, keyB := testKey(t, "issuer-test-key.pem"), testKey(t, "other-test-key.pem")
	anchor := testAnchors(t)[0]
	b := startAt(t, t.TempDir(), "http://tem.thanhhoa.example:8080", 0, func(c *server.Config) { c.Ring = keys.NewRing(keyB) })
	b.seedRegistry(t)
	recalled := b.issue(t, "NEM-CHUA", 2, "req-recalled")
	kept := b.issue(t, "NEM-CHUA", 1, "req-kept").Stamps[0]
	hb := httptest.NewServer(b.srv.HTTP)
	defer hb.Close()
	v1 := provinces(t, 1, keyA, keyB, trust.Active, hb.URL+web.RevocationsPath)
	v2 := provinces(t, 2, keyA, keyB, trust.Active, hb.URL+web.RevocationsPath)
	source := &listSource{doc: v1}
	ls := httptest.NewServer(source)
	defer ls.Close()

	dirA := t.TempDir()
	withList := func(c *server.Config) { c.TrustList, c.TrustAnchors = ls.URL, []ed25519.PublicKey{anchor} }
	a := startAt(t, dirA, "http://localhost:8080", 0, withList)
	ctx := context.Background()
	const reason = "Lô bị nhiễm khuẩn"
	if _, err := b.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(recalled.Batch.Id), Reason: reason}); err != nil {
		t.Fatal(err)
	}
	source.set(v2, false)
	if err := a.srv.Trust.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.srv.Foreign.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	fetched := a.clock.Now()
	if saved, err := os.ReadFile(server.TrustListPath(dirA)); err != nil || !bytes.Equal(saved, v2) {
		t.Errorf("the list saved in the data directory: %v, %d bytes, want version 2's %d", err, len(saved), len(v2))
	}
	if _, err := os.Stat(filepath.Join(server.ForeignDir(dirA), "38.json")); err != nil {
		t.Errorf("B's revocation list is not saved: %v", err)
	}
	ha := httptest.NewServer(a.srv.HTTP)
	r, err := http.Get(ha.URL + web.TrustListPath)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(r.Body)
	r.Body.Close()
	ha.Close()
	if r.StatusCode != http.StatusOK || !bytes.Equal(served, v2) || r.Header.Get("ETag") == "" {
		t.Errorf("A serves %d %q (ETag %q), want the list it holds", r.StatusCode, served, r.Header.Get("ETag"))
	}
	if got, err := a.Verification.GetTrustList(ctx, &estampv1.GetTrustListRequest{}); err != nil || !bytes.Equal(got.Document, v2) {
		t.Errorf("GetTrustList: %v, %q", err, got.GetDocument())
	}
	a.srv.Close()

	check := func(phase string, a *env) {
		t.Helper()
		if l := a.srv.Trust.List(); l == nil || l.Version != 2 {
			t.Fatalf("%s: the list held is %+v, want version 2", phase, l)
		}
		for _, st := range recalled.Stamps {
			if got := a.verify(t, st.Code); got.Verdict != estampv1.Verdict_VERDICT_REVOKED || !strings.Contains(got.Message, reason) || got.IssuerId != "38" || !got.GetForeignStatusTime().AsTime().Equal(fetched) {
				t.Errorf("%s: B's recalled stamp at A: %v", phase, got)
			}
		}
		if got := a.verify(t, kept.Code); got.Verdict != estampv1.Verdict_VERDICT_GENUINE || got.IssuerName != "Tỉnh Thanh Hóa" || !got.GetForeignStatusTime().AsTime().Equal(fetched) {
			t.Errorf("%s: B's other stamp at A: %v", phase, got)
		}
		token := kept.Code[strings.LastIndex(kept.Code, "/")+1:]
		if v := a.verify(t, "HTTP://TEM.NOWHERE.EXAMPLE/V/"+token).Verdict; v != estampv1.Verdict_VERDICT_UNKNOWN_ISSUER {
			t.Errorf("%s: an unlisted address at A: %v", phase, v)
		}
	}
	refusals := func(a *env) string {
		t.Helper()
		h := httptest.NewServer(a.srv.HTTP)
		defer h.Close()
		r, err := http.Get(h.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		body, _ := io.ReadAll(r.Body)
		var lines []string
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, "estamp_trust_list_refusals_total{") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "; ")
	}

	// Both sources down: the saved copies.
	source.set(nil, true)
	hb.Close()
	a = startAt(t, dirA, "http://localhost:8080", 0, withList)
	a.clock.Set(fetched.Add(24 * time.Hour))
	check("restarted with the sources down", a)
	if err := a.srv.Foreign.Refresh(ctx); err == nil {
		t.Error("an unreachable B was fetched")
	}
	check("after a failed refresh", a)
	a.srv.Close()

	// The same list again is the list held, not a list replayed; an
	// older one is refused, and the saved newer one stays.
	for _, tt := range []struct {
		name     string
		doc      []byte
		refusals string
	}{
		{"the same list", v2, ""},
		{"an older list", v1, `estamp_trust_list_refusals_total{reason="not newer"} 1`},
	} {
		source.set(tt.doc, false)
		a = startAt(t, dirA, "http://localhost:8080", 0, withList)
		check("restarted with "+tt.name+" served", a)
		if got := refusals(a); got != tt.refusals {
			t.Errorf("restarted with %s served: refusals %q, want %q", tt.name, got, tt.refusals)
		}
		a.srv.Close()
	}
}

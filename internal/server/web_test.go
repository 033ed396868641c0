package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verify"
	"github.com/ocopvn/estamp/internal/web"
)

type page struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, url string, header ...string) page {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header, string(b)}
}

// path turns a code into the path a phone would request.
func path(code string) string { return code[strings.Index(code, "/V/"):] }

func TestStampPageForEveryVerdict(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()

	good := e.issue(t, "NEM-CHUA", 4, "web").Stamps
	five := e.issue(t, "NEM-CHUA-5S", 1, "web-5").Stamps[0].Code
	e.revokeCert(t, "NEM-CHUA-5S")
	if _, err := e.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{Target: stampsOfBatch(1, good[1].Serial), Reason: "Tem bị mất", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	for range verify.DefaultManyScans {
		e.verify(t, good[2].Code)
	}
	tok, _ := stampcode.Parse(good[0].Code)
	forged, _ := testKey(t, "other-test-key.pem").Issuer.Sign(tok.Prefix, tok.Claims)
	unissued := tok.Claims
	unissued.BatchID = 77
	notIssued, _ := e.key.Issuer.Sign(tok.Prefix, unissued)
	tampered := good[0].Code[:100] + string("AB"[boolInt(good[0].Code[100] == 'A')]) + good[0].Code[101:]

	tests := []struct {
		name, path, kind, vi, en string
	}{
		{"genuine", path(good[0].Code), "ok", "Sản phẩm chính hãng", "Genuine product"},
		{"genuine, lower-cased by the scanner", strings.ToLower(path(good[3].Code)), "ok", "Sản phẩm chính hãng", "Genuine product"},
		{"scanned many times", path(good[2].Code), "warn", "Tem có thể đã bị sao chép", "This stamp may have been copied"},
		{"certificate revoked", path(five), "bad", "Chứng nhận OCOP đã bị thu hồi", "OCOP certificate revoked"},
		{"stamp revoked", path(good[1].Code), "bad", "Tem đã bị thu hồi", "Stamp withdrawn"},
		{"tampered", path(tampered), "bad", "Không phải tem chính hãng", "Not a genuine stamp"},
		{"another issuer's key", path(forged), "bad", "Không xác thực được tem", "Stamp cannot be verified"},
		{"never issued", path(notIssued), "bad", "Tem chưa từng được phát hành", "Stamp never issued"},
		{"not a stamp", "/V/HELLO", "bad", "Không nhận ra mã", "Code not recognised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vi := get(t, hs.URL+tt.path)
			if vi.status != 200 || !strings.Contains(vi.body, `class="verdict `+tt.kind+`"`) || !strings.Contains(vi.body, tt.vi) || !strings.Contains(vi.body, `lang="vi"`) {
				t.Errorf("Vietnamese page: status %d, want %s verdict %q:\n%s", vi.status, tt.kind, tt.vi, vi.body)
			}
			en := get(t, hs.URL+tt.path+"?lang=en")
			if !strings.Contains(en.body, tt.en) || !strings.Contains(en.body, `lang="en"`) {
				t.Errorf("English page lacks %q", tt.en)
			}
			if byHeader := get(t, hs.URL+tt.path, "Accept-Language", "en-GB,en;q=0.9,vi;q=0.5"); !strings.Contains(byHeader.body, tt.en) {
				t.Errorf("Accept-Language: en did not give English")
			}
			if tt.kind != "ok" && strings.Contains(vi.body, "Sản phẩm chính hãng</h1>") {
				t.Error("a page that is not genuine says genuine")
			}
			if cc := vi.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
				t.Errorf("Cache-Control = %q: a shared cache could serve one scan's page for another", cc)
			}
		})
	}

	// Details of a genuine stamp, in the reader's conventions. The table
	// above viewed it three times from one client: one scan. Two more
	// phones make three.
	p := get(t, hs.URL+path(good[0].Code))
	for _, want := range []string{"Nem chua NEM-CHUA", "★★★★☆", "4 sao", "Thực phẩm", "Hợp tác xã Nem chua Thanh Hóa", "Phường Hạc Thành, Thanh Hóa",
		"Thành phố Thanh Hóa", "1/QĐ-UBND", "UBND tỉnh", "20/08/2025", "19/08/2028", "Còn hiệu lực", "L-2026-11", "20/11/2026", "20/05/2027", "<dt>Lần quét đầu</dt><dd>10:00, 28/11/2026</dd>"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("genuine page lacks %q", want)
		}
	}
	get(t, hs.URL+path(good[0].Code), "User-Agent", "phone 2")
	if p := get(t, hs.URL+path(good[0].Code), "User-Agent", "phone 3"); !strings.Contains(p.body, "<dt>Số lần quét</dt><dd>3 lần</dd>") {
		t.Errorf("a third phone's view:\n%s", p.body)
	}
	if p := get(t, hs.URL+path(good[0].Code)+"?lang=en", "User-Agent", "phone 3"); !strings.Contains(p.body, "20 Aug 2025") || !strings.Contains(p.body, "4 stars") || !strings.Contains(p.body, "<dt>Scans</dt><dd>3 times</dd>") {
		t.Errorf("English page conventions:\n%s", p.body)
	}

	// Certificate expired since issuance.
	e.clock.Set(time.Date(2028, 8, 21, 3, 0, 0, 0, time.UTC))
	if p := get(t, hs.URL+path(good[3].Code)); !strings.Contains(p.body, `class="verdict warn"`) || !strings.Contains(p.body, "Chứng nhận OCOP đã hết hạn") {
		t.Errorf("expired certificate page:\n%s", p.body)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStampJSONKeysFormAndHeaders(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	code := e.issue(t, "NEM-CHUA", 1, "web").Stamps[0].Code

	j := get(t, hs.URL+path(code), "Accept", "application/json")
	var v estampv1.VerifyResponse
	if err := protojson.Unmarshal([]byte(j.body), &v); err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE || v.Origin.GetProvince() != "Thanh Hóa" {
		t.Errorf("JSON = %v %v\n%s", err, v.Verdict, j.body)
	}
	if !strings.HasPrefix(j.header.Get("Content-Type"), "application/json") || !strings.Contains(j.body, `"star_grade":4`) {
		t.Errorf("JSON form: %s\n%s", j.header.Get("Content-Type"), j.body)
	}

	k := get(t, hs.URL+web.KeysPath)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(k.body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWK set: %v\n%s", err, k.body)
	}
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0]["x"])
	if set.Keys[0]["kty"] != "OKP" || set.Keys[0]["crv"] != "Ed25519" || set.Keys[0]["kid"] != "56475aa7" || string(x) != string(e.key.Public) {
		t.Errorf("JWK = %v", set.Keys[0])
	}

	home := get(t, hs.URL+"/")
	if home.status != 200 || !strings.Contains(home.body, `action="/verify"`) || !strings.Contains(home.body, "Kiểm tra tem điện tử OCOP") {
		t.Errorf("home: %d\n%s", home.status, home.body)
	}
	typed := get(t, hs.URL+"/verify?code="+strings.ToLower(code[strings.LastIndex(code, "/")+1:]))
	if !strings.Contains(typed.body, "Sản phẩm chính hãng") {
		t.Errorf("typed bare token:\n%s", typed.body)
	}
	empty := get(t, hs.URL+"/verify?code=+")
	if empty.status != 400 || !strings.Contains(empty.body, "Hãy nhập mã") {
		t.Errorf("empty code: %d", empty.status)
	}
	if nf := get(t, hs.URL+"/khong-co"); nf.status != 404 {
		t.Errorf("unknown path: %d", nf.status)
	}

	css := get(t, hs.URL+"/assets/style.css")
	for _, p := range []page{home, typed, css, j} {
		csp := p.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP = %q", csp)
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("no nosniff")
		}
	}
	if size := len(typed.body) + len(css.body); size > 30_000 {
		t.Errorf("page plus CSS is %d bytes, budget 30,000", size)
	} else {
		t.Logf("stamp page %d bytes + CSS %d bytes", len(typed.body), len(css.body))
	}
	for _, p := range []page{home, typed} {
		if strings.Contains(p.body, "<script") || strings.Contains(p.body, "http://") || strings.Contains(p.body, "https://") {
			t.Error("page loads a script or something from another site")
		}
	}
}

func TestStampPageEscapesRegistryText(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	evil := "<script>alert(1)</script>"
	_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: "EVIL", Name: `Cơ sở "<b>đậm</b>"`, Kind: estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: `<img src=x onerror=alert(2)>`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "EVIL-1", ProducerId: "EVIL", Name: evil, Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, StarGrade: 3,
		Certificate: &estampv1.Certificate{DecisionNumber: "1/QĐ-UBND", DecisionDate: "2025-08-20"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	code := e.issue(t, "EVIL-1", 1, "evil").Stamps[0].Code
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	p := get(t, hs.URL+path(code))
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, "<img") || strings.Contains(p.body, "<b>") {
		t.Errorf("registry text reached the page unescaped:\n%s", p.body)
	}
	if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("product name not shown as text:\n%s", p.body)
	}
}

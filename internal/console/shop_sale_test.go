package console_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

var (
	outcomeTag = regexp.MustCompile(`(?s)<section class="till-outcome ([a-z]+)" data-scan-outcome data-outcome="([A-Z_]+)"[^>]*>(.*?)</section>`)
	saleKey    = regexp.MustCompile(`name="sale_key" value="([^"]+)"`)
)

// tillOutcome is the till's outcome as a person reads it: its tone, its
// kind (data-outcome) and its words, tags left out.
type tillOutcome struct{ tone, kind, text string }

func readOutcome(body string) tillOutcome {
	m := outcomeTag.FindStringSubmatch(body)
	if m == nil {
		return tillOutcome{}
	}
	text := html.UnescapeString(tags.ReplaceAllString(m[3], " "))
	return tillOutcome{m[1], strings.TrimPrefix(m[2], "INTAKE_VERDICT_"), strings.TrimSpace(spaces.ReplaceAllString(text, " "))}
}

// sellScan sells a code as scan.js does at the till: the code and its key
// as a form, the CSRF token in a header.
func (b *browser) sellScan(code, key, token string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.web.URL+"/console/shop/sale/scan", strings.NewReader(url.Values{"code": {code}, "key": {key}}.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", b.e.web.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	return b.do(req)
}

// TestTill: a shop sells one code at a time, typed by a scanner into the
// form without JavaScript: the outcome is shown big with the item it is;
// the form sent twice is one sale; the same label at another shop's till
// is a label sold before, named by where and when; a revoked stamp is not
// sold. In both languages.
func TestTill(t *testing.T) {
	e := start(t, false)
	shopAName := func() string {
		r, err := e.admin.Registry.GetRetailer(context.Background(), &estampv1.GetRetailerRequest{Id: shopA})
		if err != nil {
			t.Fatal(err)
		}
		return r.Retailer.Name
	}()
	for _, tc := range []struct {
		lang                                ocop.Lang
		sold, before, soldAt, revoked, keep string
		lot, none                           string
	}{
		{ocop.VI, "Đã bán ✓", "Tem này đã bán trước đây", "Tem này đã bán tại " + shopAName + " lúc 10:00, 28/11/2026: nghi tem sao chép.",
			"Tem đã bị thu hồi", "Đừng giao món hàng này cho khách", "Lô", "Chưa có mã"},
		{ocop.EN, "Sold ✓", "This stamp was sold before", "This stamp was already sold at " + shopAName + " on 28 Nov 2026, 10:00 (UTC+7): a suspected copy.",
			"Stamp withdrawn", "Do not hand this item to the buyer", "Lot", "No code yet"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			lot := "TILL-" + strings.ToUpper(string(tc.lang))
			_, stamps := e.issue(t, productA, lot, 2)
			if _, err := e.admin.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{
				Target: &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: []uint64{stamps[1].Serial}}}, Reason: "Tem bị mất",
			}); err != nil {
				t.Fatal(err)
			}
			a := e.person(t, "till.a."+string(tc.lang), estampv1.Role_ROLE_RETAILER, shopA)
			a.switchLanguage(tc.lang)
			till := a.get("/console/shop/sale")
			if till.code != http.StatusOK || !strings.Contains(till.body, `<input id="code" name="code"`) || !strings.Contains(till.body, `href="/console/shop/sale"`) ||
				strings.Contains(till.body, `data-outcome=`) {
				t.Fatalf("till: %d\n%s", till.code, till.body)
			}
			key := saleKey.FindStringSubmatch(till.body)[1]
			// A scanner types in capitals and ends with Enter.
			sold := a.post("/console/shop/sale", url.Values{"code": {strings.ToUpper(stamps[0].Code) + "\r\n"}, "sale_key": {key}})
			o := readOutcome(sold.body)
			if sold.code != http.StatusOK || o.kind != "SOLD" || o.tone != "ok" || !strings.Contains(o.text, tc.sold) || !strings.Contains(o.text, "Chè lam Phủ Quảng · "+tc.lot+" "+lot) ||
				strings.Contains(o.text, tc.keep) {
				t.Fatalf("sale: %d %+v\n%s", sold.code, o, sold.body)
			}
			if next := saleKey.FindStringSubmatch(sold.body)[1]; next == key {
				t.Errorf("the next code's form has the sold one's key %s", key)
			}
			// The same form again (a double tap, a reload) is the same sale.
			if again := readOutcome(a.post("/console/shop/sale", url.Values{"code": {stamps[0].Code}, "sale_key": {key}}).body); again.kind != "SOLD" {
				t.Errorf("the same form sent again: %+v", again)
			}
			b := e.person(t, "till.b."+string(tc.lang), estampv1.Role_ROLE_RETAILER, shopB)
			b.switchLanguage(tc.lang)
			b.get("/console/shop/sale")
			copied := readOutcome(b.post("/console/shop/sale", url.Values{"code": {stamps[0].Code}}).body)
			if copied.kind != "SUSPECTED_COPY" || copied.tone != "bad" || !strings.Contains(copied.text, tc.before) || !strings.Contains(copied.text, tc.soldAt) || !strings.Contains(copied.text, tc.keep) {
				t.Errorf("the same label at shop B's till: %+v", copied)
			}
			revoked := readOutcome(a.post("/console/shop/sale", url.Values{"code": {stamps[1].Code}}).body)
			if revoked.kind != "REVOKED" || revoked.tone != "bad" || !strings.Contains(revoked.text, tc.revoked) || !strings.Contains(revoked.text, "Tem bị mất") || !strings.Contains(revoked.text, tc.keep) {
				t.Errorf("a revoked stamp: %+v", revoked)
			}
			if v, err := e.admin.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: stamps[1].Code}); err != nil || v.Sold != nil {
				t.Errorf("the revoked stamp was sold: %v %v", v.GetSold(), err)
			}
			empty := a.post("/console/shop/sale", url.Values{"code": {"  "}})
			if empty.code != http.StatusBadRequest || !strings.Contains(empty.body, tc.none) || !strings.Contains(empty.body, `aria-invalid="true"`) {
				t.Errorf("no code: %d\n%s", empty.code, empty.body)
			}
		})
	}
}

// TestTillCamera: the camera's endpoint sells a code and answers with the
// outcome as JSON; the camera seeing the item again sends the same key and
// is told SOLD, not a copy; without the CSRF token nothing is sold.
func TestTillCamera(t *testing.T) {
	e := start(t, false)
	_, stamps := e.issue(t, productA, "TILL-CAM", 2)
	a := e.person(t, "till.cam", estampv1.Role_ROLE_RETAILER, shopA)
	till := a.get("/console/shop/sale")
	if !strings.Contains(till.body, `data-scan-till="/console/shop/sale/scan"`) || !strings.Contains(till.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("the till has no camera:\n%s", till.body)
	}
	var got struct{ Kind, Tone, Icon, Headline, Detail, Item, Advice string }
	for i, tc := range []struct {
		code, key, token string
		status           int
		kind, tone       string
	}{
		{stamps[0].Code, "till-1", a.csrf, http.StatusOK, "INTAKE_VERDICT_SOLD", "ok"},
		{stamps[0].Code, "till-1", a.csrf, http.StatusOK, "INTAKE_VERDICT_SOLD", "ok"},
		{stamps[0].Code, "till-2", a.csrf, http.StatusOK, "INTAKE_VERDICT_SUSPECTED_COPY", "bad"},
		{"https://example.com/khuyen-mai", "till-3", a.csrf, http.StatusOK, "INTAKE_VERDICT_MALFORMED", "bad"},
		{stamps[1].Code, "till-4", "", http.StatusForbidden, "", ""},
	} {
		p := a.sellScan(tc.code, tc.key, tc.token)
		if p.code != tc.status {
			t.Fatalf("scan %d: %d %s", i+1, p.code, p.body)
		}
		if tc.status != http.StatusOK {
			continue
		}
		if err := json.Unmarshal([]byte(p.body), &got); err != nil || got.Kind != tc.kind || got.Tone != tc.tone || got.Headline == "" || got.Detail == "" {
			t.Errorf("scan %d: %v %+v, want %s %s", i+1, err, got, tc.kind, tc.tone)
		}
	}
	if v, err := e.admin.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: stamps[1].Code}); err != nil || v.Sold != nil {
		t.Errorf("a scan without the CSRF token sold: %v %v", v.GetSold(), err)
	}
}

// TestIntakeOfASoldStamp: a label sold at shop A and taken in at shop B
// is a suspected copy whose row says where and when it was sold, in the
// intake's answer and on the delivery's page read back; not that another
// shop received it.
func TestIntakeOfASoldStamp(t *testing.T) {
	e := start(t, false)
	r, err := e.admin.Registry.GetRetailer(context.Background(), &estampv1.GetRetailerRequest{Id: shopA})
	if err != nil {
		t.Fatal(err)
	}
	_, stamps := e.issue(t, productA, "SOLD-01", 1)
	if _, err := e.admin.Custody.RecordSale(context.Background(), &estampv1.RecordSaleRequest{RetailerId: shopA, Codes: []string{stamps[0].Code}}); err != nil {
		t.Fatal(err)
	}
	want := "Tem này đã bán tại " + r.Retailer.Name + " lúc 10:00, 28/11/2026: nghi tem sao chép."
	b := e.person(t, "shop.b", estampv1.Role_ROLE_RETAILER, shopB)
	b.get("/console/shop")
	result := b.post("/console/shop", url.Values{"codes": {stamps[0].Code}})
	id := regexp.MustCompile(`href="/console/shop/deliveries/(\d+)"`).FindStringSubmatch(result.body)
	if result.code != http.StatusOK || id == nil {
		t.Fatalf("intake: %d\n%s", result.code, result.body)
	}
	for name, body := range map[string]string{"the answer": result.body, "the delivery read back": b.get("/console/shop/deliveries/" + id[1]).body} {
		rows := verdictRows(body)
		if len(rows) != 1 || rows[0].kind != "SUSPECTED_COPY" || !strings.Contains(rows[0].text, want) || strings.Contains(rows[0].text, "nhận") {
			t.Errorf("%s: rows %+v, want one SUSPECTED_COPY saying %q", name, rows, want)
		}
	}
}

package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

// verdictRow is one row of a page's verdict table, as a person reads it.
type verdictRow struct {
	kind string // the outcome's API name (data-verdict)
	text string // the row's words, tags left out
}

var (
	rowTag = regexp.MustCompile(`(?s)<tr class="[^"]*" data-verdict="([A-Z_]+)">(.*?)</tr>`)
	tags   = regexp.MustCompile(`<[^>]+>`)
	spaces = regexp.MustCompile(`\s+`)
)

// verdictRows reads the verdict table of a result or delivery page.
func verdictRows(body string) []verdictRow {
	var rows []verdictRow
	for _, m := range rowTag.FindAllStringSubmatch(body, -1) {
		text := html.UnescapeString(tags.ReplaceAllString(m[2], " "))
		rows = append(rows, verdictRow{kind: strings.TrimPrefix(m[1], "INTAKE_VERDICT_"), text: strings.TrimSpace(spaces.ReplaceAllString(text, " "))})
	}
	return rows
}

func kinds(rows []verdictRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.kind)
	}
	return out
}

// switchLanguage sets the person's language as the switch link does.
func (b *browser) switchLanguage(to ocop.Lang) {
	b.t.Helper()
	if p := b.get("/console/lang?to=" + string(to) + "&back=%2Fconsole%2Fshop"); p.code != http.StatusSeeOther {
		b.t.Fatalf("language switch: %d", p.code)
	}
}

// TestIntakeOfTypedCodes sends a delivery as a handheld scanner types it,
// without JavaScript, in both languages: the result page counts each
// outcome, shows the problems first, and names the shop that had received
// a copied stamp, by its name, with the day.
func TestIntakeOfTypedCodes(t *testing.T) {
	e := start(t, false)
	resp, err := e.admin.Registry.GetRetailer(context.Background(), &estampv1.GetRetailerRequest{Id: shopB})
	if err != nil {
		t.Fatal(err)
	}
	other := resp.Retailer
	for _, tc := range []struct {
		lang ocop.Lang
		// copied is how the row of the copied stamp names shop B.
		copied string
		lot    string
	}{
		{ocop.VI, "Đã được " + other.Name + " nhận ngày 28/11/2026.", "Lô"},
		{ocop.EN, "Received by " + other.Name + " on 28 Nov 2026.", "Lot"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			lot := "CHE-" + strings.ToUpper(string(tc.lang))
			_, stamps := e.issue(t, productA, lot, 3)
			// Shop B received the third stamp first: shop A's label of it
			// is a copy.
			e.receive(t, shopB, "", stamps[2])
			b := e.person(t, "shop.a."+string(tc.lang), estampv1.Role_ROLE_RETAILER, shopA)
			b.switchLanguage(tc.lang)
			form := b.get("/console/shop")
			if form.code != http.StatusOK || !strings.Contains(form.body, `<textarea id="codes" name="codes"`) {
				t.Fatalf("intake page: %d %s", form.code, form.body)
			}
			// A scanner ends each code with Enter, a clerk may leave blank
			// lines, and a label scanned twice is one code twice.
			codes := strings.Join([]string{stamps[0].Code, stamps[1].Code, "", stamps[2].Code, "không phải mã tem", stamps[0].Code}, "\r\n") + "\r\n"
			p := b.post("/console/shop", url.Values{"codes": {codes}, "reference": {"PX-" + lot}})
			if p.code != http.StatusOK {
				t.Fatalf("intake: %d %s", p.code, p.body)
			}
			rows := verdictRows(p.body)
			// Problems first, then what was taken in, each in line order.
			want := []string{"SUSPECTED_COPY", "MALFORMED", "DUPLICATE_IN_DELIVERY", "ACCEPTED", "ACCEPTED"}
			if got := kinds(rows); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("rows %v, want %v:\n%s", got, want, p.body)
			}
			copied := rows[0].text
			for _, s := range []string{
				"4", strconv.FormatUint(stamps[2].Serial, 10), "Chè lam Phủ Quảng", lot,
				verdict.IntakeLabel(estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY).In(tc.lang), tc.copied,
			} {
				if !strings.Contains(copied, s) {
					t.Errorf("the copied stamp's row %q does not say %q", copied, s)
				}
			}
			if !strings.Contains(rows[3].text, verdict.IntakeLabel(estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED).In(tc.lang)) {
				t.Errorf("accepted row: %q", rows[3].text)
			}
			// The counts per outcome, in words, and per lot.
			for _, c := range []struct {
				v estampv1.IntakeVerdict
				n int
			}{
				{estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED, 2},
				{estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, 1},
				{estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED, 1},
			} {
				line := fmt.Sprintf(`%s</span> <strong>%d</strong>`, html.EscapeString(verdict.IntakeLabel(c.v).In(tc.lang)), c.n)
				if !strings.Contains(p.body, line) {
					t.Errorf("no count %q", line)
				}
			}
			id := regexpFind(t, p.body, `href="/console/shop/deliveries/(\d+)"`)
			// The delivery page has the problems, not the genuine codes.
			d := b.get("/console/shop/deliveries/" + id)
			if d.code != http.StatusOK || !strings.Contains(d.body, "PX-"+lot) {
				t.Fatalf("delivery page: %d %s", d.code, d.body)
			}
			kept := verdictRows(d.body)
			if got := kinds(kept); strings.Join(got, " ") != "SUSPECTED_COPY MALFORMED DUPLICATE_IN_DELIVERY" {
				t.Fatalf("delivery page rows %v", got)
			}
			// The copy is still told by the other shop's name and day.
			if !strings.Contains(kept[0].text, tc.copied) {
				t.Errorf("the delivery page's copied row %q does not say %q", kept[0].text, tc.copied)
			}
		})
	}
}

// TestIntakeFormErrors: a form without codes comes back with the error
// next to the field and what was typed kept; nothing is received.
func TestIntakeFormErrors(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "shop.a", estampv1.Role_ROLE_RETAILER, shopA)
	b.get("/console/shop")
	for _, codes := range []string{"", " \r\n \r\n"} {
		p := b.post("/console/shop", url.Values{"codes": {codes}, "reference": {"PX-01"}})
		if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="codes-error"`) || !strings.Contains(p.body, `value="PX-01"`) {
			t.Errorf("codes %q: %d, want the error next to the codes and the reference kept:\n%s", codes, p.code, p.body)
		}
	}
	if n := deliveries(t, e, shopA); n != 0 {
		t.Errorf("%d deliveries recorded", n)
	}
}

func deliveries(t *testing.T, e *env, shop string) int {
	t.Helper()
	resp, err := e.admin.Insight.ListDeliveries(context.Background(), &estampv1.ListDeliveriesRequest{RetailerId: shop})
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.Deliveries)
}

// lookup asks the camera's endpoint about a code as scan.js does: the
// code as the body, the CSRF token in a header.
func (b *browser) lookup(code, token string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.web.URL+"/console/shop/lookup", strings.NewReader(code))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", b.e.web.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	return b.do(req)
}

// TestLookupRecordsNoScan: the camera's lookup says a code's product and
// lot and does not count a scan, which would make every stamp a shop
// takes in look copied to its buyers.
func TestLookupRecordsNoScan(t *testing.T) {
	e := start(t, false)
	_, stamps := e.issue(t, productA, "CHE-01", 1)
	stamp := stamps[0]
	scans := func() uint64 {
		t.Helper()
		h, err := e.admin.Custody.GetStampHistory(context.Background(), &estampv1.GetStampHistoryRequest{Serial: stamp.Serial})
		if err != nil {
			t.Fatal(err)
		}
		return h.ScanCount
	}
	b := e.person(t, "shop.a", estampv1.Role_ROLE_RETAILER, shopA)
	b.get("/console/shop")
	for _, tc := range []struct {
		lang       ocop.Lang
		code, want string
	}{
		{ocop.VI, stamp.Code, "Chè lam Phủ Quảng · Lô CHE-01"},
		{ocop.EN, stamp.Code, "Chè lam Phủ Quảng · Lot CHE-01"},
		// Scanners type in capitals, with a stray space.
		{ocop.VI, " " + strings.ToUpper(stamp.Code) + "\n", "Chè lam Phủ Quảng · Lô CHE-01"},
		// What is no issued stamp is counted under what it is.
		{ocop.VI, "https://example.com/khong-phai-tem", verdict.Tell(estampv1.Verdict_VERDICT_MALFORMED, nil).Headline.VI},
		{ocop.EN, stamp.Code[:len(stamp.Code)-3] + "AAA", verdict.Tell(estampv1.Verdict_VERDICT_BAD_SIGNATURE, nil).Headline.EN},
	} {
		b.switchLanguage(tc.lang)
		p := b.lookup(tc.code, b.csrf)
		var got struct{ Label string }
		if p.code != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(p.body), &got) != nil {
			t.Fatalf("lookup %q: %d %s", tc.code, p.code, p.body)
		}
		if got.Label != tc.want {
			t.Errorf("lookup %q in %s: %q, want %q", tc.code, tc.lang, got.Label, tc.want)
		}
	}
	if n := scans(); n != 0 {
		t.Errorf("after the lookups the stamp has %d scans, want 0", n)
	}
	// The count above would be 0 on a broken measure too: a check that is
	// counted (Verify with a credential) moves it.
	if _, err := e.admin.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: stamp.Code}); err != nil {
		t.Fatal(err)
	}
	if n := scans(); n != 1 {
		t.Errorf("after a Verify the stamp has %d scans, want 1", n)
	}
}

// TestShopFormsNeedTheCSRFToken: the lookup and the intake are refused
// without the session's token, and the intake then records nothing.
func TestShopFormsNeedTheCSRFToken(t *testing.T) {
	e := start(t, false)
	_, stamps := e.issue(t, productA, "CHE-01", 1)
	b := e.person(t, "shop.a", estampv1.Role_ROLE_RETAILER, shopA)
	b.get("/console/shop")
	good := b.csrf
	for _, tc := range []struct {
		name string
		send func() page
	}{
		{"lookup without a token", func() page { return b.lookup(stamps[0].Code, "") }},
		{"lookup with another token", func() page { return b.lookup(stamps[0].Code, strings.Repeat("0", len(good))) }},
		{"intake without a token", func() page {
			return b.post("/console/shop", url.Values{"codes": {stamps[0].Code}, "csrf": {""}})
		}},
		{"intake with another token", func() page {
			return b.post("/console/shop", url.Values{"codes": {stamps[0].Code}, "csrf": {strings.Repeat("0", len(good))}})
		}},
	} {
		if p := tc.send(); p.code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, p.code)
		}
		b.csrf = good
	}
	if n := deliveries(t, e, shopA); n != 0 {
		t.Errorf("%d deliveries recorded without the token", n)
	}
	// The same requests with the token pass: the refusals were the token's.
	if p := b.lookup(stamps[0].Code, good); p.code != http.StatusOK {
		t.Errorf("lookup with the token: %d", p.code)
	}
	if p := b.post("/console/shop", url.Values{"codes": {stamps[0].Code}}); p.code != http.StatusOK {
		t.Errorf("intake with the token: %d", p.code)
	}
}

// TestShopSeesItsOwnDeliveries: a shop lists its deliveries a page at a
// time and opens each; another shop's delivery is refused, whether or not
// it exists.
func TestShopSeesItsOwnDeliveries(t *testing.T) {
	e := start(t, false)
	_, stamps := e.issue(t, productB, "CHIEU-01", 21)
	var last uint64
	for i, s := range stamps {
		last = e.receive(t, shopB, fmt.Sprintf("PHIEU-%02d", i+1), s).DeliveryId
	}
	a := e.person(t, "shop.a", estampv1.Role_ROLE_RETAILER, shopA)
	b := e.person(t, "shop.b", estampv1.Role_ROLE_RETAILER, shopB)

	first := b.get("/console/shop/deliveries")
	if n := strings.Count(first.body, `class="row-link"`); first.code != http.StatusOK || n != 20 || !strings.Contains(first.body, "PHIEU-21") {
		t.Fatalf("first page: %d, %d deliveries, want 20 from PHIEU-21:\n%s", first.code, n, first.body)
	}
	next := html.UnescapeString(regexpFind(t, first.body, `<a class="button" href="(/console/shop/deliveries\?after=[^"]+)"`))
	second := b.get(next)
	if n := strings.Count(second.body, `class="row-link"`); second.code != http.StatusOK || n != 1 || !strings.Contains(second.body, "PHIEU-01") {
		t.Fatalf("second page: %d, %d deliveries:\n%s", second.code, n, second.body)
	}
	own := b.get("/console/shop/deliveries/" + strconv.FormatUint(last, 10))
	if own.code != http.StatusOK || !strings.Contains(own.body, "PHIEU-21") {
		t.Fatalf("shop B's delivery as shop B: %d", own.code)
	}

	if p := a.get("/console/shop/deliveries"); p.code != http.StatusOK || strings.Contains(p.body, "PHIEU-") {
		t.Errorf("shop A's list: %d, shows shop B's", p.code)
	}
	for _, id := range []string{strconv.FormatUint(last, 10), "999999", "0", "x"} {
		p := a.get("/console/shop/deliveries/" + id)
		if p.code != http.StatusForbidden && p.code != http.StatusNotFound || strings.Contains(p.body, "PHIEU-") {
			t.Errorf("delivery %s as shop A: %d, want 403 or 404 and nothing of it", id, p.code)
		}
	}
}

// TestIntakeFormIsSentOnce: a double tap on "Nhận hàng", or a resend of
// the answer, takes the delivery in once; the second request is sent to
// the first's delivery page. A form shown afresh is a new delivery.
func TestIntakeFormIsSentOnce(t *testing.T) {
	e := start(t, false)
	_, stamps := e.issue(t, productA, "CHE-ONCE", 4)
	b := e.person(t, "shop.a", estampv1.Role_ROLE_RETAILER, shopA)
	form := func() url.Values {
		p := b.get("/console/shop")
		key := regexpFind(t, p.body, `name="intake_key" value="([^"]+)"`)
		return url.Values{"intake_key": {key}, "codes": {stamps[0].Code + "\n" + stamps[1].Code}}
	}
	f := form()
	first := b.post("/console/shop", f)
	if first.code != http.StatusOK {
		t.Fatalf("first: %d %s", first.code, first.body)
	}
	id := regexpFind(t, first.body, `href="/console/shop/deliveries/(\d+)"`)
	again := b.post("/console/shop", f)
	if again.code != http.StatusSeeOther || again.location != "/console/shop/deliveries/"+id {
		t.Fatalf("the same form again: %d %q, want the first's delivery %s", again.code, again.location, id)
	}
	if n := deliveries(t, e, shopA); n != 1 {
		t.Fatalf("%d deliveries after sending one form twice", n)
	}
	// Two at once (a double tap): one delivery.
	f = form()
	f.Set("codes", stamps[2].Code)
	f.Set("csrf", b.csrf)
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, e.web.URL+"/console/shop", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.web.URL)
			resp, err := b.http.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	got := []int{<-codes, <-codes}
	slices.Sort(got)
	if got[0] != http.StatusOK || got[1] != http.StatusSeeOther {
		t.Errorf("a double tap answered %v, want one answer and one redirect", got)
	}
	if n := deliveries(t, e, shopA); n != 2 {
		t.Errorf("%d deliveries after a double tap, want 2 in all", n)
	}
	// A form shown afresh is a new delivery.
	f = form()
	f.Set("codes", stamps[3].Code)
	if p := b.post("/console/shop", f); p.code != http.StatusOK {
		t.Fatalf("a new form: %d", p.code)
	}
	if n := deliveries(t, e, shopA); n != 3 {
		t.Errorf("%d deliveries, want 3", n)
	}
}

package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/console"
)

// The token's secret is on the page that answers the form, and nowhere
// after; revoking asks for the box that says software is refused at once.
func TestOfficeTokens(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	office.get("/console/office/tokens")

	p := office.post("/console/office/tokens", url.Values{"role": {"producer"}, "description": {"Máy in tem"}})
	if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, "producer_id"), "bắt buộc") || !strings.Contains(p.body, `value="Máy in tem"`) {
		t.Errorf("a producer token without its producer: %d %q", p.code, fieldError(p.body, "producer_id"))
	}
	// A shop chosen as well is not sent with a producer's role.
	p = office.post("/console/office/tokens", url.Values{"role": {"producer"}, "producer_id": {producerA}, "retailer_id": {shopA}, "description": {"Máy in tem Phủ Quảng"}})
	if p.code != http.StatusOK {
		t.Fatalf("create: %d %s", p.code, p.body)
	}
	secret := regexpFind(t, p.body, `data-testid="token-secret">([^<]+)<`)
	id := regexpFind(t, p.body, `Khóa bí mật của mã API ([0-9a-f]{16})`)
	if !strings.HasPrefix(secret, "estamp_"+id+"_") {
		t.Errorf("the secret %q is not token %s's", secret, id)
	}
	if p := office.get("/console/office/tokens"); strings.Contains(p.body, secret) || !strings.Contains(p.body, "<code>"+id+"</code>") || !strings.Contains(p.body, "Máy in tem Phủ Quảng") {
		t.Error("the list shows the secret, or lacks the token")
	}

	revoke := "/console/office/tokens/" + id + "/revoke"
	p = office.post(revoke, nil)
	if p.code != http.StatusBadRequest || fieldError(p.body, "confirm") != "Hãy đánh dấu ô xác nhận để tiếp tục." {
		t.Errorf("revoke without confirming: %d %q", p.code, fieldError(p.body, "confirm"))
	}
	if tokenRevoked(t, e, id) {
		t.Fatal("an unconfirmed revocation revoked the token")
	}
	if p := office.post(revoke, url.Values{"confirm": {"yes"}}); p.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", p.code, p.body)
	}
	if !tokenRevoked(t, e, id) {
		t.Fatal("the token is not revoked")
	}
	if p := office.get("/console/office/tokens?done=revoked"); !strings.Contains(p.body, "Đã thu hồi mã API.") {
		t.Error("no notice of the revocation")
	}
}

func tokenRevoked(t *testing.T, e *env, id string) bool {
	t.Helper()
	list, err := e.admin.Admin.ListTokens(context.Background(), &estampv1.ListTokensRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list.Tokens {
		if tok.Id == id {
			return tok.RevokeTime != nil
		}
	}
	t.Fatalf("token %s not listed", id)
	return false
}

// Each change of a key is refused until the box naming what it does to
// stamps is ticked; a compromised key's stamps are not genuine any more.
func TestOfficeKeys(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	first := e.srv.Ring.Active().ID.String()
	stamp := issue(t, e, productA, 1, "keys")[0].Code
	page := office.get("/console/office/keys")
	if !strings.Contains(page.body, "«Không còn xác thực được tem»") || !strings.Contains(page.body, "<code>"+first+"</code>") {
		t.Errorf("the keys page lacks the key, or the compromise's consequence:\n%s", page.body)
	}

	if p := office.post("/console/office/keys/rotate", nil); p.code != http.StatusBadRequest || fieldError(p.body, "confirm") == "" {
		t.Errorf("rotate without confirming: %d", p.code)
	}
	if got := e.srv.Ring.Active().ID.String(); got != first {
		t.Fatalf("an unconfirmed rotation: active key %s", got)
	}
	if p := office.post("/console/office/keys/rotate", url.Values{"confirm": {"yes"}}); p.code != http.StatusSeeOther || p.location != "/console/office/keys?done=rotated" {
		t.Fatalf("rotate: %d %q", p.code, p.location)
	}
	second := e.srv.Ring.Active().ID.String()
	if second == first {
		t.Fatal("the rotation kept the key")
	}
	page = office.get("/console/office/keys?done=rotated")
	if !strings.Contains(page.body, "Đã xoay khóa") || !strings.Contains(page.body, "<code>"+second+"</code>") {
		t.Error("the page does not show the new key")
	}
	// The old key's stamp stays genuine.
	verdict := func() estampv1.Verdict {
		t.Helper()
		v, err := e.admin.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: stamp})
		if err != nil {
			t.Fatal(err)
		}
		return v.Verdict
	}
	if v := verdict(); v != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("a stamp of the retired key: %v", v)
	}

	compromise := "/console/office/keys/" + first + "/compromise"
	p := office.post(compromise, url.Values{"reason": {"Máy chủ cũ bị đánh cắp"}})
	if p.code != http.StatusBadRequest || fieldError(p.body, "confirm") == "" || !strings.Contains(p.body, `value="Máy chủ cũ bị đánh cắp"`) {
		t.Errorf("compromise without confirming: %d %q", p.code, fieldError(p.body, "confirm"))
	}
	p = office.post(compromise, url.Values{"confirm": {"yes"}})
	if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, "reason"), "bắt buộc") {
		t.Errorf("compromise without a reason: %d %q", p.code, fieldError(p.body, "reason"))
	}
	if v := verdict(); v != estampv1.Verdict_VERDICT_GENUINE {
		t.Fatalf("a refused compromise: %v", v)
	}
	if p := office.post(compromise, url.Values{"confirm": {"yes"}, "reason": {"Máy chủ cũ bị đánh cắp"}}); p.code != http.StatusSeeOther {
		t.Fatalf("compromise: %d %s", p.code, p.body)
	}
	if v := verdict(); v != estampv1.Verdict_VERDICT_KEY_COMPROMISED {
		t.Errorf("a stamp of the compromised key: %v", v)
	}
	if p := office.get("/console/office/keys"); !strings.Contains(p.body, "Bị lộ") || !strings.Contains(p.body, "Máy chủ cũ bị đánh cắp") {
		t.Error("the page does not show the compromise")
	}

	retire := "/console/office/keys/" + second + "/retire"
	if p := office.post(retire, nil); p.code != http.StatusBadRequest || fieldError(p.body, "confirm") == "" {
		t.Errorf("retire without confirming: %d", p.code)
	}
	if p := office.post(retire, url.Values{"confirm": {"yes"}}); p.code != http.StatusSeeOther {
		t.Fatalf("retire: %d %s", p.code, p.body)
	}
	if _, err := e.admin.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: productA, Lot: "L", ProductionDate: "2026-11-20", Quantity: 1, RequestId: "after"}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("issuing with no active key: %v", err)
	}
}

var auditRow = regexp.MustCompile(`<tr><td class="num">(\d+)</td>`)

// The audit log's newest page first, every page reachable, and the chain
// checked on request.
func TestOfficeAuditLog(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	for i := range 60 {
		if _, err := e.admin.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
			Id: fmt.Sprintf("CH-%02d", i), Name: fmt.Sprintf("Cửa hàng số %d", i), Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.admin.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	last := len(all.Entries)
	sequences := func(p page) []string {
		var out []string
		for _, m := range auditRow.FindAllStringSubmatch(p.body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	p := office.get("/console/office/audit")
	got := sequences(p)
	if len(got) != 50 || got[0] != fmt.Sprint(last) || got[49] != fmt.Sprint(last-49) {
		t.Fatalf("the newest page shows %v, want %d down to %d", got, last, last-49)
	}
	if !strings.Contains(p.body, "Cửa hàng số 59") || !strings.Contains(p.body, "admin/") || !strings.Contains(p.body, "retailer.create") {
		t.Error("the newest page lacks the latest change, its actor or its action")
	}
	// Older: on from the newest page, down to the first entry.
	older := regexpFind(t, p.body, `<a class="button" href="(/console/office/audit\?to=\d+)">Cũ hơn</a>`)
	got = sequences(office.get(older))
	if len(got) != last-50 || got[0] != fmt.Sprint(last-50) || got[len(got)-1] != "1" {
		t.Errorf("the older page shows %v, want %d down to 1", got, last-50)
	}
	oldest := regexpFind(t, p.body, `<a class="button" href="(/console/office/audit\?to=\d+)">Cũ nhất</a>`)
	if got := sequences(office.get(oldest)); len(got) != 50 || got[49] != "1" {
		t.Errorf("the oldest page shows %v", got)
	}
	// Times in Vietnam: the tests' clock is 03:00 UTC.
	if !strings.Contains(p.body, "10:00, 28/11/2026") {
		t.Error("times are not in Vietnam's time")
	}

	p = office.post("/console/office/audit/verify", nil)
	if p.code != http.StatusOK || !strings.Contains(p.body, "Chuỗi nhật ký nguyên vẹn.") || !strings.Contains(p.body, fmt.Sprintf("Đã kiểm tra %d mục.", last)) {
		t.Errorf("verify: %d\n%s", p.code, p.body)
	}
}

// The revocation list, a page at a time.
func TestOfficeRevocationList(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	stamps := issue(t, e, productA, 60, "recall")
	for _, s := range stamps[:55] {
		if _, err := e.admin.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Reason: "Tem in hỏng",
			Target: &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: []uint64{s.Serial}}}}); err != nil {
			t.Fatal(err)
		}
	}
	p := office.get("/console/office/revocations")
	// The demo's revoked certificate is the first entry.
	if !strings.Contains(p.body, `<a href="/console/office/products/NEM-CHUA-CU-TH">NEM-CHUA-CU-TH</a>`) || !strings.Contains(p.body, "Tem in hỏng") || !strings.Contains(p.body, fmt.Sprintf("số sê-ri %d", stamps[0].Serial)) {
		t.Errorf("the first page:\n%s", p.body)
	}
	next := regexpFind(t, p.body, `<a class="button" href="([^"]+)">Trang sau</a>`)
	p = office.get(strings.ReplaceAll(next, "&amp;", "&"))
	if p.code != http.StatusOK || !strings.Contains(p.body, fmt.Sprintf("số sê-ri %d", stamps[54].Serial)) || !strings.Contains(p.body, "Trang đầu") {
		t.Errorf("the second page: %d\n%s", p.code, p.body)
	}
}

// Every page of the office says every word in the reader's language, has
// one heading, and puts its tables where a phone can scroll them.
func TestOfficePagesInBothLanguages(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	issue(t, e, productB, 1, "langs")
	params := map[string]string{"producer": producerB, "product": productB}
	param := regexp.MustCompile(`\{([a-z]+)\}`)
	for _, lang := range []string{"vi", "en"} {
		office.get("/console/lang?to=" + lang + "&back=/console/office")
		for _, rt := range console.Routes() {
			if rt.Method != http.MethodGet || !strings.HasPrefix(rt.Path, "/console/office") {
				continue
			}
			path := param.ReplaceAllStringFunc(rt.Path, func(m string) string { return params[param.FindStringSubmatch(m)[1]] })
			p := office.get(path)
			where := lang + " " + path
			switch {
			case p.code != http.StatusOK:
				t.Errorf("%s: %d", where, p.code)
			case strings.Contains(p.body, "¿"):
				t.Errorf("%s: a word is missing from the catalogue", where)
			case strings.Count(p.body, "<h1") != 1:
				t.Errorf("%s: %d headings", where, strings.Count(p.body, "<h1"))
			case strings.Count(p.body, "<table") != strings.Count(p.body, `<div class="table-wrap">`):
				t.Errorf("%s: a table outside .table-wrap", where)
			case !strings.Contains(p.body, `<html lang="`+lang+`">`):
				t.Errorf("%s: not in %s", where, lang)
			}
			// Each form field has a label.
			for _, m := range regexp.MustCompile(`<(?:input|select|textarea) id="([^"]+)"`).FindAllStringSubmatch(p.body, -1) {
				if !strings.Contains(p.body, `<label for="`+m[1]+`">`) {
					t.Errorf("%s: field %s has no label", where, m[1])
				}
			}
		}
	}
	if p := office.get("/console/office/keys"); !strings.Contains(p.body, "“Stamp can no longer be verified”") || !strings.Contains(p.body, "NOT GENUINE") {
		t.Error("the English keys page does not name the compromise's consequence")
	}
}

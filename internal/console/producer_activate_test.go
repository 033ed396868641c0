package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// A roll printed ahead is activated from its batch page: the first and the
// last label of a run are scanned into the form with a lot, and every
// label between them verifies GENUINE with that lot; the rest of the roll
// stays NOT_ACTIVATED. A label of another roll, or no lot, is refused
// next to its field.
func TestProducerActivatesARollAtPacking(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	roll, err := e.admin.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{ProductId: productA, Quantity: 20, RequestId: "roll"})
	if err != nil {
		t.Fatal(err)
	}
	other := b.issue(productA, "L-KHAC", 2)
	id := roll.Batch.Id
	path := "/console/producer/batches/" + strconv.FormatUint(id, 10)
	codes := e.codesOf(t, id)

	p := b.get(path)
	if p.code != http.StatusOK || !strings.Contains(p.body, "Nhãn in sẵn, chưa có số lô") || !strings.Contains(p.body, `action="/console/producer/batches/`+strconv.FormatUint(id, 10)+`/activate#activate"`) ||
		!strings.Contains(p.body, `src="/console/assets/scan.js"`) {
		t.Fatalf("the page of a roll printed ahead: %d\n%s", p.code, p.body)
	}
	for _, list := range []string{"/console/producer", "/console/producer/batches", "/console/producer/products/" + productA} {
		if p := b.get(list); p.code != http.StatusOK || !strings.Contains(p.body, "Nhãn in sẵn, chưa có số lô") {
			t.Errorf("%s does not show the roll as printed ahead: %d", list, p.code)
		}
	}
	if v := e.verdict(t, codes[0]); v != estampv1.Verdict_VERDICT_NOT_ACTIVATED {
		t.Errorf("before activation: %v", v)
	}
	form := func(codes, lot string) url.Values {
		return url.Values{"codes": {codes}, "lot": {lot}, "production_date": {"20/11/2026"}, "expiry_date": {"20/05/2027"}}
	}
	for _, tt := range []struct {
		name, codes, lot, field, want string
	}{
		{"no codes", "", "L-DONG-GOI", "codes", "Hãy quét nhãn đầu và nhãn cuối của đợt."},
		{"not a code", "xin chào", "L-DONG-GOI", "codes", "Dòng 1 không phải mã tem OCOP."},
		{"another roll", codes[0] + "\n" + e.codesOf(t, other)[0], "L-DONG-GOI", "codes", "Dòng 2 là nhãn của lô tem " + strconv.FormatUint(other, 10) + ", không phải lô này."},
		{"no lot", codes[0] + "\n" + codes[9], "", "activate-lot", "bắt buộc"},
	} {
		p := b.post(path+"/activate", form(tt.codes, tt.lot))
		if got := fieldError(p.body, tt.field); p.code != http.StatusBadRequest || !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %d, %s error %q, want %q", tt.name, p.code, tt.field, got, tt.want)
		}
	}
	// The last label scanned first: the order does not matter.
	p = b.post(path+"/activate", form(codes[9]+"\n"+codes[0], "L-DONG-GOI"))
	if p.code != http.StatusSeeOther {
		t.Fatalf("activate: %d\n%s", p.code, p.body)
	}
	if p := b.get(p.location); !strings.Contains(p.body, "Đã kích hoạt 10 tem") || !strings.Contains(p.body, "số lô L-DONG-GOI, sản xuất 20/11/2026") {
		t.Errorf("after activation the page does not say so:\n%s", p.body)
	}
	for i, want := range map[int]estampv1.Verdict{0: estampv1.Verdict_VERDICT_GENUINE, 9: estampv1.Verdict_VERDICT_GENUINE, 10: estampv1.Verdict_VERDICT_NOT_ACTIVATED} {
		if v := e.verdict(t, codes[i]); v != want {
			t.Errorf("label %d: %v, want %v", i, v, want)
		}
	}
	// Another producer cannot activate this roll.
	other2 := e.person(t, "minh", estampv1.Role_ROLE_PRODUCER, producerB)
	if p := other2.post(path+"/activate", form(codes[10]+"\n"+codes[19], "L-KHAC")); p.code == http.StatusSeeOther {
		t.Errorf("another producer activated the roll")
	}
}

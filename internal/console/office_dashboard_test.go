package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// busyFortnight gives the registry a history the overview can show: a
// certificate that runs out within 90 days, and over twelve days stamps
// issued and scanned, one scanned seven times (flagged: many scans) and
// one received by two shops (flagged: a copy). The clock ends eleven
// days on, on 09/12/2026.
func busyFortnight(t testing.TB, e *env) (manyScans, copied *estampv1.Stamp) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.admin.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "GIO-CHA-HOANG-HOA", ProducerId: producerA, Name: "Giò chả Hoằng Hóa", StarGrade: 3, Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
		// Valid until 19/01/2027: 41 days after 09/12/2026.
		Certificate: &estampv1.Certificate{DecisionNumber: "120/QĐ-UBND", DecisionDate: "2024-01-20"},
	}}); err != nil {
		t.Fatal(err)
	}
	verify := func(s *estampv1.Stamp) {
		t.Helper()
		if _, err := e.admin.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: s.Code}); err != nil {
			t.Fatal(err)
		}
	}
	for day := range 12 {
		if day > 0 {
			e.clock.Advance(24 * time.Hour)
		}
		if day%3 != 0 {
			continue
		}
		stamps := issue(t, e, productA, uint32(40+day*15), fmt.Sprintf("ngay-%d", day))
		for _, s := range stamps[:5+day*2] {
			verify(s)
		}
		if day == 3 {
			manyScans, copied = stamps[0], stamps[1]
		}
	}
	for range 6 {
		verify(manyScans)
	}
	for _, shop := range []string{shopA, shopB} {
		if _, err := e.admin.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: shop, Codes: []string{copied.Code}}); err != nil {
			t.Fatal(err)
		}
	}
	return manyScans, copied
}

var (
	chartSVG = regexp.MustCompile(`<svg viewBox="0 0 300 100" role="img" aria-label="([^"]+)">`)
	dayRow   = regexp.MustCompile(`<tr><td class="nowrap">(\d\d/\d\d/\d{4})</td><td class="num">([\d.]+)</td><td class="num">([\d.]+)</td><td class="num">([\d.]+)</td></tr>`)
)

func TestOfficeDashboard(t *testing.T) {
	e := start(t, false)
	manyScans, copied := busyFortnight(t, e)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	p := office.get("/console/office")
	if p.code != http.StatusOK {
		t.Fatalf("overview: %d %s", p.code, p.body)
	}
	for _, want := range []string{
		// The demo's six producers; its products by grade.
		`<strong>6</strong> chủ thể`, `<strong>1</strong> sản phẩm 5★`, `<strong>3</strong> sản phẩm 4★`, `<strong>6</strong> sản phẩm 3★`,
		// The new certificate runs out in 41 days; the demo's Bánh gai
		// ran out on 22/12/2022.
		`<li class="card warn"><a href="#expiring"><strong>1</strong> chứng nhận sắp hết hạn`,
		`<a href="/console/office/products/GIO-CHA-HOANG-HOA">Giò chả Hoằng Hóa</a>`, "19/01/2027", "còn 41 ngày",
		`<a href="/console/office/products/BANH-GAI-TU-TRU">Bánh gai Tứ Trụ</a>`, "hết hạn 1448 ngày trước",
		// Two flags, and a link to look at them.
		`<li class="card bad"><a href="/console/office/flags"><strong>2</strong> tem nghi sao chép chờ xem`,
		`<a href="/console/office/revocations"><strong>1</strong> mục trong danh sách thu hồi`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}

	// Two charts of thirty days, each said in words, and the same numbers
	// in a table, newest first, dated as people read dates.
	labels := chartSVG.FindAllStringSubmatch(p.body, -1)
	if len(labels) != 2 || !strings.HasPrefix(labels[0][1], "Biểu đồ cột: tem phát hành mỗi ngày trong 30 ngày qua, tổng cộng 430. Nhiều nhất 175, ngày 07/12/2026.") ||
		!strings.Contains(labels[1][1], "lượt quét mỗi ngày trong 30 ngày qua, tổng cộng 62. Nhiều nhất 23, ngày 07/12/2026.") {
		t.Errorf("chart labels: %q", labels)
	}
	if n := strings.Count(p.body, `<rect class="bar issued"`); n != 30 {
		t.Errorf("%d bars of stamps issued, want 30", n)
	}
	if !strings.Contains(p.body, "<title>01/12/2026: 85 tem</title>") || !strings.Contains(p.body, "<title>01/12/2026: 11 lượt quét, 11 tem quét lần đầu</title>") {
		t.Error("a bar's title does not say its day and count")
	}
	rows := dayRow.FindAllStringSubmatch(p.body, -1)
	if len(rows) != 30 || rows[0][1] != "09/12/2026" || rows[29][1] != "10/11/2026" {
		t.Fatalf("the table's days: %d rows, %v", len(rows), rows)
	}
	for _, r := range rows {
		if r[1] == "01/12/2026" && (r[2] != "85" || r[3] != "11" || r[4] != "11") {
			t.Errorf("01/12/2026 in the table: %v", r[1:])
		}
		// The flagged stamp's six more scans, none a first.
		if r[1] == "09/12/2026" && (r[2] != "0" || r[3] != "6" || r[4] != "0") {
			t.Errorf("09/12/2026 in the table: %v", r[1:])
		}
		if r[1] == "07/12/2026" && (r[2] != "175" || r[3] != "23" || r[4] != "23") {
			t.Errorf("07/12/2026 in the table: %v", r[1:])
		}
	}
	if strings.Contains(p.body, "<script") {
		t.Error("the overview has a script")
	}

	// The flags: both, then the office looks at one with a note.
	p = office.get("/console/office/flags")
	for _, want := range []string{fmt.Sprintf("Tem số %d", manyScans.Serial), "Quét nhiều lần", fmt.Sprintf("Tem số %d", copied.Serial), "Hai cửa hàng nhận", shopA + ", " + shopB} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the flags page lacks %q", want)
		}
	}
	review := fmt.Sprintf("/console/office/flags/%d/review", copied.Serial)
	if p := office.post(review, url.Values{"note": {strings.Repeat("dài ", 200)}}); p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, "note"), "tối đa 500") {
		t.Errorf("a note too long: %d %q", p.code, fieldError(p.body, "note"))
	}
	p = office.post(review, url.Values{"note": {"Đã gọi hai cửa hàng: ST-SAM-SON nhận hàng trôi nổi."}})
	if p.code != http.StatusSeeOther || p.location != "/console/office/flags?done=reviewed" {
		t.Fatalf("review: %d %q %s", p.code, p.location, p.body)
	}
	p = office.get(p.location)
	if !strings.Contains(p.body, "Đã đánh dấu tem là đã xem.") || strings.Contains(p.body, fmt.Sprintf("Tem số %d", copied.Serial)) {
		t.Error("the reviewed flag is still listed as open")
	}
	if p := office.get("/console/office/flags?all=1"); !strings.Contains(p.body, "ST-SAM-SON nhận hàng trôi nổi") || !strings.Contains(p.body, "admin/@van.phong") {
		t.Error("the reviewed flag does not say who looked and what they found")
	}
	if p := office.get("/console/office"); !strings.Contains(p.body, "<strong>1</strong> tem nghi sao chép chờ xem") {
		t.Error("the overview still counts the reviewed flag")
	}
	if p := office.post("/console/office/flags/999999/review", nil); p.code != http.StatusBadRequest || !strings.Contains(p.body, "không tìm thấy") {
		t.Errorf("a stamp that is not flagged: %d", p.code)
	}
}

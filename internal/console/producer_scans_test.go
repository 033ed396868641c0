package console_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// serialOf is a serial as its label prints it (ocop.ShowSerial).
func serialOf(n uint64) string { return ocop.ShowSerial(n) }

// The scans page is the producer's InsightService report: today's scans
// in the chart and its table, each batch's share of stamps scanned, the
// stamps that look copied and the shops that received the goods; and
// only the producer's own.
func TestScansPageShowsTheReport(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	id := b.issue(productA, "L-QUET", 10)
	codes := e.codesOf(t, id)
	first := e.batchesOf(t, productA)[0].FirstSerial
	// Scans with a token count every time: seven of one stamp, more
	// than verification's five, flag it.
	for range 7 {
		e.verdict(t, codes[0])
	}
	e.verdict(t, codes[1])
	e.verdict(t, codes[2])
	// Two shops receive one stamp: one of its labels is a copy.
	for _, d := range []struct {
		shop  string
		codes []string
	}{{shopA, codes[3:5]}, {shopB, codes[4:5]}} {
		if _, err := e.admin.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: d.shop, Codes: d.codes}); err != nil {
			t.Fatal(err)
		}
	}
	// Producer B's batch, which A's page must not show.
	if _, err := e.admin.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: productB, Lot: "CHIEU-B-01", ProductionDate: "2026-11-01", Quantity: 5, RequestId: "b"}); err != nil {
		t.Fatal(err)
	}

	p := b.get("/console/producer/scans")
	if p.code != http.StatusOK {
		t.Fatalf("scans page: %d\n%s", p.code, p.body)
	}
	svg := regexp.MustCompile(`(?s)<svg [^>]*role="img" aria-label="([^"]+)">(.*?)</svg>`).FindStringSubmatch(p.body)
	if svg == nil {
		t.Fatalf("no chart:\n%s", p.body)
	}
	if !strings.Contains(svg[1], "9 lượt quét từ 30/10/2026 đến 28/11/2026") {
		t.Errorf("the chart's label: %q", svg[1])
	}
	if n := strings.Count(svg[2], "<title>"); n != 30 {
		t.Errorf("%d bars with a title, want 30 days", n)
	}
	for _, want := range []string{
		"<title>28/11/2026: 9 lượt quét, 3 tem quét lần đầu</title>",
		"<title>27/11/2026: 0 lượt quét, 0 tem quét lần đầu</title>",
	} {
		if !strings.Contains(svg[2], want) {
			t.Errorf("the chart has no %s", want)
		}
	}
	row := func(cells ...string) string {
		return `<tr><td>` + strings.Join(cells, `</td><td class="num">`) + `</td></tr>`
	}
	for _, want := range []string{
		row("28/11/2026", "9", "3"),
		// Each batch's share of its stamps scanned.
		`<td class="num">3&nbsp;/&nbsp;10</td>`, "<td class=\"num\">30,0\u00a0%</td>",
		// The copied stamps, and why.
		`<span class="serial">` + serialOf(first) + `</span>`, "Quét quá nhiều lần",
		`<span class="serial">` + serialOf(first+4) + `</span>`, "Nghi bị sao chép", "Cửa hàng OCOP Hạc Thành, Siêu thị đặc sản Sầm Sơn",
		// The shops.
		"<td>Cửa hàng OCOP Hạc Thành<br>", "<td>Siêu thị đặc sản Sầm Sơn<br>",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the scans page does not show %s", want)
		}
	}
	if strings.Contains(p.body, "CHIEU-B-01") {
		t.Error("producer A's page shows producer B's batch")
	}
	if other := e.person(t, "hoa", estampv1.Role_ROLE_PRODUCER, producerB).get("/console/producer/scans"); other.code != http.StatusOK ||
		strings.Contains(other.body, "L-QUET") || !strings.Contains(other.body, "CHIEU-B-01") {
		t.Errorf("producer B's scans page: %d, shows A's batch %v, its own %v", other.code, strings.Contains(other.body, "L-QUET"), strings.Contains(other.body, "CHIEU-B-01"))
	}
}

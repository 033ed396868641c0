package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

var requestIDField = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// issueForm opens the issue form and returns the values it posts: its
// request_id and the fields filled in.
func (b *browser) issueForm(product, lot, quantity string) url.Values {
	b.t.Helper()
	p := b.get("/console/producer/batches/new")
	if p.code != http.StatusOK {
		b.t.Fatalf("issue form: %d %s", p.code, p.body)
	}
	m := requestIDField.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("the issue form has no request_id:\n%s", p.body)
	}
	return url.Values{
		"request_id": {m[1]}, "product_id": {product}, "lot": {lot},
		"production_date": {"20/11/2026"}, "quantity": {quantity},
	}
}

// issue issues a batch through the form and returns its id.
func (b *browser) issue(product, lot string, quantity int) uint64 {
	b.t.Helper()
	p := b.post("/console/producer/batches", b.issueForm(product, lot, strconv.Itoa(quantity)))
	return batchOfLocation(b.t, p)
}

var batchLocation = regexp.MustCompile(`^/console/producer/batches/(\d+)\?done=issued$`)

func batchOfLocation(t testing.TB, p page) uint64 {
	t.Helper()
	m := batchLocation.FindStringSubmatch(p.location)
	if p.code != http.StatusSeeOther || m == nil {
		t.Fatalf("issuing: %d %q, want a redirect to the batch\n%s", p.code, p.location, p.body)
	}
	id, _ := strconv.ParseUint(m[1], 10, 64)
	return id
}

// batchesOf counts a product's batches, as the office sees them.
func (e *env) batchesOf(t testing.TB, product string) []*estampv1.Batch {
	t.Helper()
	resp, err := e.admin.Issuance.ListBatches(context.Background(), &estampv1.ListBatchesRequest{ProductId: product})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Batches
}

// The form's request_id is the idempotency key: posting the same form
// twice (a double click) or again (a reload of the POST) issues one
// batch; a new form is a new batch.
func TestIssuingTwiceWithOneFormIssuesOnce(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	form := b.issueForm(productA, "L-2026-11", "12")

	first := batchOfLocation(t, b.post("/console/producer/batches", form))
	double := batchOfLocation(t, b.post("/console/producer/batches", form))
	// A reload of the POST after the redirect sends the same body again.
	b.get("/console/producer/batches/" + strconv.FormatUint(first, 10))
	reload := batchOfLocation(t, b.post("/console/producer/batches", form))
	if double != first || reload != first {
		t.Errorf("one form issued batches %d, %d and %d", first, double, reload)
	}
	if got := e.batchesOf(t, productA); len(got) != 1 || got[0].Quantity != 12 || got[0].Lot != "L-2026-11" {
		t.Fatalf("batches after one form posted three times: %v", got)
	}
	p := b.get("/console/producer/batches/" + strconv.FormatUint(first, 10) + "?done=issued")
	if p.code != http.StatusOK || !strings.Contains(p.body, "Đã phát hành lô tem.") || !strings.Contains(p.body, "L-2026-11") {
		t.Errorf("batch page: %d\n%s", p.code, p.body)
	}

	// Each form has its own key.
	second := b.issueForm(productA, "L-2026-11", "12")
	if second.Get("request_id") == form.Get("request_id") {
		t.Fatal("two forms with one request_id")
	}
	if id := batchOfLocation(t, b.post("/console/producer/batches", second)); id == first {
		t.Errorf("a new form returned batch %d again", id)
	}
	if got := e.batchesOf(t, productA); len(got) != 2 {
		t.Errorf("%d batches after two forms, want 2", len(got))
	}
}

// Mistakes come back next to their field, with what was typed kept, and
// nothing is issued: the form's own reading (a number, a date) and the
// service's refusals alike.
func TestIssueFormShowsErrorsNextToFields(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	for _, tt := range []struct {
		name   string
		change url.Values
		field  string
		says   string
	}{
		{"quantity not a number", url.Values{"quantity": {"mười hai"}}, "quantity", "Phải là một số nguyên dương"},
		{"quantity zero", url.Values{"quantity": {"0"}}, "quantity", "Phải là một số nguyên dương"},
		{"quantity too many", url.Values{"quantity": {"100.001"}}, "quantity", "100001 nằm ngoài khoảng"},
		{"no lot", url.Values{"lot": {""}}, "lot", "bắt buộc"},
		{"lot too long", url.Values{"lot": {strings.Repeat("L", 65)}}, "lot", "64"},
		{"no product", url.Values{"product_id": {""}}, "product_id", "Hãy chọn một sản phẩm"},
		{"date not a date", url.Values{"production_date": {"31/02/2026"}}, "production_date", "dd/mm/yyyy"},
		{"made tomorrow", url.Values{"production_date": {"29/11/2026"}}, "production_date", "trong tương lai"},
		{"expires before it is made", url.Values{"expiry_date": {"2026-11-01"}}, "expiry_date", "trước ngày sản xuất"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := b.issueForm(productA, "L-01", "12")
			for k, v := range tt.change {
				form[k] = v
			}
			p := b.post("/console/producer/batches", form)
			errAt := regexp.MustCompile(`<p class="field-error" id="` + tt.field + `-error">([^<]*)</p>`).FindStringSubmatch(p.body)
			if p.code != http.StatusBadRequest || errAt == nil || !strings.Contains(errAt[1], tt.says) {
				t.Fatalf("%d, want the error next to %s saying %q:\n%s", p.code, tt.field, tt.says, p.body)
			}
			if !strings.Contains(p.body, `aria-describedby="`+tt.field) || !strings.Contains(p.body, `value="`+form.Get("request_id")+`"`) {
				t.Errorf("the field is not marked, or the form lost its request_id")
			}
			if tt.field != "lot" && !strings.Contains(p.body, `value="L-01"`) {
				t.Errorf("the form lost what was typed")
			}
		})
	}
	if got := e.batchesOf(t, productA); len(got) != 0 {
		t.Errorf("refused forms issued %d batches", len(got))
	}
}

// A product whose certificate has expired or was revoked is refused by
// the service; the form says why, next to the product, in the person's
// words.
func TestIssuingForAnExpiredCertificateIsRefusedClearly(t *testing.T) {
	e := start(t, false)
	for _, tt := range []struct {
		producer, product string
		says              []string
	}{
		// Decided 23/12/2019, valid 36 months.
		{"HTX-BANH-GAI-TU-TRU", "BANH-GAI-TU-TRU", []string{"đã hết hiệu lực nên không thể phát hành tem mới", "5445/QĐ-UBND", "22/12/2022"}},
		{"HTX-NEM-CHUA-TH", "NEM-CHUA-CU-TH", []string{"đã bị thu hồi nên không thể phát hành tem mới", "Không đạt khi tái đánh giá chất lượng"}},
	} {
		t.Run(tt.product, func(t *testing.T) {
			b := e.person(t, "cs."+strings.ToLower(tt.producer), estampv1.Role_ROLE_PRODUCER, tt.producer)
			p := b.post("/console/producer/batches", b.issueForm(tt.product, "L-01", "10"))
			errAt := regexp.MustCompile(`id="product_id-error">([^<]*)<`).FindStringSubmatch(p.body)
			if p.code != http.StatusBadRequest || errAt == nil {
				t.Fatalf("%d, want the refusal next to the product:\n%s", p.code, p.body)
			}
			for _, s := range tt.says {
				if !strings.Contains(errAt[1], s) {
					t.Errorf("the refusal %q does not say %q", errAt[1], s)
				}
			}
			if got := e.batchesOf(t, tt.product); len(got) != 0 {
				t.Errorf("issued %d batches", len(got))
			}
		})
	}
}

// The home page and the products page say each certificate's state:
// revoked and expired in red, fewer than 90 days in amber.
func TestCertificatesShowTheirTime(t *testing.T) {
	e := start(t, false)
	// 1 September 2027 in Vietnam: Chiếu cói Nga Sơn's certificate runs
	// through 4 November 2027.
	e.clock.Advance(time.Date(2027, 9, 1, 3, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	for _, tt := range []struct {
		producer, product string
		badge             string
	}{
		{producerB, "Chiếu cói Nga Sơn", `<span class="badge warn">Còn 64 ngày</span>`},
		{"HTX-BANH-GAI-TU-TRU", "Rượu nếp cái Tứ Trụ", `<span class="badge ok">Còn 229 ngày</span>`},
		{"HTX-BANH-GAI-TU-TRU", "Bánh gai Tứ Trụ", `<span class="badge bad">Hết hiệu lực sau ngày 22/12/2022</span>`},
		{"HTX-NEM-CHUA-TH", "Nem chua lá ổi (mẫu cũ)", `<span class="badge bad">Đã bị thu hồi</span>`},
	} {
		t.Run(tt.product, func(t *testing.T) {
			b := e.person(t, "cert."+strings.ToLower(tt.producer)+strconv.Itoa(len(tt.product)), estampv1.Role_ROLE_PRODUCER, tt.producer)
			for _, path := range []string{"/console/producer", "/console/producer/products"} {
				p := b.get(path)
				row := regexp.MustCompile(`(?s)<tr>\s*<td><a href="/console/producer/products/[^"]+">` + regexp.QuoteMeta(tt.product) + `</a>.*?</tr>`).FindString(p.body)
				if p.code != http.StatusOK || !strings.Contains(row, tt.badge) {
					t.Errorf("%s: %d, row of %s %q, want %s", path, p.code, tt.product, row, tt.badge)
				}
			}
		})
	}
}

// The labels of a batch: a preview of the first page, then a job that
// renders the PDF while its page reloads itself, and the download, which
// is the starting account's alone.
func TestLabelsJobRendersAndDownloadsThePDF(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	id := b.issue(productA, "L-IN", 30)
	batch := "/console/producer/batches/" + strconv.FormatUint(id, 10)

	p := b.get(batch + "?layout=a4-5x13")
	preview := regexp.MustCompile(`<img src="([^"]+)" width="(\d+)" height="(\d+)"`).FindStringSubmatch(p.body)
	if p.code != http.StatusOK || preview == nil || !strings.Contains(p.body, "Trang 1 trong 1 trang nhãn") {
		t.Fatalf("batch page: %d\n%s", p.code, p.body)
	}
	img := b.get(strings.ReplaceAll(preview[1], "&amp;", "&"))
	if img.code != http.StatusOK || img.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.body, "\x89PNG") {
		t.Fatalf("preview: %d %s", img.code, img.header.Get("Content-Type"))
	}
	if w := beUint32(img.body[16:20]); strconv.Itoa(int(w)) != preview[2] {
		t.Errorf("preview %d pixels wide, the page says %s", w, preview[2])
	}

	start := b.post(batch+"/labels", url.Values{"layout": {"a4-5x13"}})
	if start.code != http.StatusSeeOther || !strings.HasPrefix(start.location, batch+"/labels/") {
		t.Fatalf("start: %d %q\n%s", start.code, start.location, start.body)
	}
	// A second click is the same job.
	if again := b.post(batch+"/labels", url.Values{"layout": {"a4-5x13"}}); again.location != start.location {
		t.Errorf("second click: %q, want %q", again.location, start.location)
	}
	job := start.location
	var ready page
	for deadline := time.Now().Add(30 * time.Second); ; {
		ready = b.get(job)
		if ready.code != http.StatusOK {
			t.Fatalf("job page: %d\n%s", ready.code, ready.body)
		}
		if strings.Contains(ready.body, "Tệp PDF đã sẵn sàng.") {
			break
		}
		if !strings.Contains(ready.body, `<meta http-equiv="refresh" content="2">`) || !regexp.MustCompile(`Đã dựng \d+ / 30 nhãn`).MatchString(ready.body) {
			t.Fatalf("a running job's page does not reload itself nor say its progress:\n%s", ready.body)
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(ready.body, `http-equiv="refresh"`) || !strings.Contains(ready.body, "Đã dựng 30 / 30 nhãn") {
		t.Errorf("a finished job's page:\n%s", ready.body)
	}

	// Nobody else finds the job: another producer, nor another account
	// of the same producer.
	for _, other := range []*browser{
		e.person(t, "hoa", estampv1.Role_ROLE_PRODUCER, producerB),
		e.person(t, "lan.em", estampv1.Role_ROLE_PRODUCER, producerA),
	} {
		for _, path := range []string{job, job + "/file"} {
			if p := other.get(path); p.code != http.StatusNotFound {
				t.Errorf("%s by another account: %d, want 404", path, p.code)
			}
		}
	}

	file := b.get(job + "/file")
	if file.code != http.StatusOK || file.header.Get("Content-Type") != "application/pdf" ||
		file.header.Get("Content-Disposition") != `attachment; filename="tem-`+strconv.FormatUint(id, 10)+`.pdf"` {
		t.Fatalf("download: %d %v", file.code, file.header)
	}
	if !strings.HasPrefix(file.body, "%PDF-") || !strings.HasSuffix(file.body, "%%EOF\n") || strings.Count(file.body, "/Type /Page ") != 1 {
		t.Errorf("not the PDF of one page: %d bytes", len(file.body))
	}
	// The file was the batch's codes: it is gone from the server.
	if p := b.get(job + "/file"); p.code != http.StatusNotFound {
		t.Errorf("second download: %d, want 404", p.code)
	}
	if p := b.get(job); !strings.Contains(p.body, "Tệp đã được tải xuống và xóa khỏi máy chủ.") {
		t.Errorf("job page after the download:\n%s", p.body)
	}
}

func beUint32(s string) uint32 {
	return uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3])
}

// codesOf are a batch's codes, as the office streams them.
func (e *env) codesOf(t testing.TB, batch uint64) []string {
	t.Helper()
	var codes []string
	_, err := client.Stamps(context.Background(), e.admin.Issuance, batch, func(_ *estampv1.Batch, _ uint32, stamps []*estampv1.Stamp) error {
		for _, s := range stamps {
			codes = append(codes, s.Code)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

func (e *env) verdict(t testing.TB, code string) estampv1.Verdict {
	t.Helper()
	resp, err := e.admin.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Verdict
}

// Revoking takes a reason and a confirmation that names what buyers will
// see; without either nothing is revoked.
func TestRevokingNeedsConfirmationAndReason(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	id := b.issue(productA, "L-THU-HOI", 10)
	other := b.issue(productA, "L-KHAC", 2)
	batch := "/console/producer/batches/" + strconv.FormatUint(id, 10)
	codes := e.codesOf(t, id)
	first := e.batchesOf(t, productA)[0].FirstSerial
	serial := func(i uint64) string { return strconv.FormatUint(first+i, 10) }
	// printed is a serial as its label prints it.
	printed := func(i uint64) string {
		s := fmt.Sprintf("%09d", first+i)
		return s[:3] + " " + s[3:6] + " " + s[6:]
	}

	p := b.get(batch)
	for _, want := range []string{"người mua quét các tem này sẽ thấy ĐÃ THU HỒI", "người mua quét bất kỳ tem nào của lô " + strconv.FormatUint(id, 10) + " sẽ thấy ĐÃ THU HỒI"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the batch page does not warn %q", want)
		}
	}
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
		says  string
	}{
		{"recall unconfirmed", url.Values{"target": {"batch"}, "reason": {"Lô bị lỗi bao bì"}}, "recall-confirm", "không hoàn tác được"},
		{"recall without reason", url.Values{"target": {"batch"}, "confirm": {"yes"}}, "recall-reason", "bắt buộc"},
		{"serials unconfirmed", url.Values{"target": {"stamps"}, "serials": {serial(1)}, "reason": {"Nhãn in hỏng"}}, "serials-confirm", "không hoàn tác được"},
		{"serials without reason", url.Values{"target": {"stamps"}, "serials": {serial(1)}, "confirm": {"yes"}}, "serials-reason", "bắt buộc"},
		{"no serials", url.Values{"target": {"stamps"}, "reason": {"Nhãn in hỏng"}, "confirm": {"yes"}}, "serials", "Bắt buộc"},
		{"not a serial", url.Values{"target": {"stamps"}, "serials": {"tem số 3"}, "reason": {"Nhãn in hỏng"}, "confirm": {"yes"}}, "serials", "Sê-ri là một số"},
		{"a serial of another batch", url.Values{"target": {"stamps"}, "serials": {strconv.FormatUint(e.batchesOf(t, productA)[1].FirstSerial, 10)}, "reason": {"Nhãn in hỏng"}, "confirm": {"yes"}}, "serials", "lô tem " + strconv.FormatUint(id, 10)},
		{"a serial never issued", url.Values{"target": {"stamps"}, "serials": {"99999"}, "reason": {"Nhãn in hỏng"}, "confirm": {"yes"}}, "serials", "chưa từng được phát hành"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := b.post(batch+"/revoke", tt.form)
			errAt := regexp.MustCompile(`id="` + tt.field + `-error">([^<]*)<`).FindStringSubmatch(p.body)
			if p.code != http.StatusBadRequest || errAt == nil || !strings.Contains(errAt[1], tt.says) {
				t.Fatalf("%d, want the error next to %s saying %q:\n%s", p.code, tt.field, tt.says, p.body)
			}
		})
	}
	for _, c := range codes {
		if v := e.verdict(t, c); v != estampv1.Verdict_VERDICT_GENUINE {
			t.Fatalf("refused forms revoked a stamp: %v", v)
		}
	}

	// Serials as printed on the labels, a range among them.
	p = b.post(batch+"/revoke", url.Values{"target": {"stamps"}, "serials": {printed(1) + "\n" + printed(3) + " - " + serial(4)}, "reason": {"Nhãn in hỏng"}, "confirm": {"yes"}})
	if p.code != http.StatusSeeOther || p.location != batch+"?done=revoked&n=3" {
		t.Fatalf("revoke serials: %d %q\n%s", p.code, p.location, p.body)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, "Đã thu hồi 3 tem.") || !strings.Contains(p.body, `<span class="badge warn">Đã thu hồi 3 tem</span>`) {
		t.Errorf("batch page after revoking 3 stamps:\n%s", p.body)
	}
	for i, c := range codes {
		want := estampv1.Verdict_VERDICT_GENUINE
		if i == 1 || i == 3 || i == 4 {
			want = estampv1.Verdict_VERDICT_REVOKED
		}
		if v := e.verdict(t, c); v != want {
			t.Errorf("stamp %d: %v, want %v", i, v, want)
		}
	}

	p = b.post(batch+"/revoke", url.Values{"target": {"batch"}, "reason": {"Lô bị lỗi bao bì"}, "confirm": {"yes"}})
	if p.code != http.StatusSeeOther || p.location != batch+"?done=recalled" {
		t.Fatalf("recall: %d %q\n%s", p.code, p.location, p.body)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, "Đã thu hồi cả lô.") || !strings.Contains(p.body, "Lý do: Lô bị lỗi bao bì") || strings.Contains(p.body, `action="`+batch+`/revoke"`) {
		t.Errorf("batch page after the recall:\n%s", p.body)
	}
	if v := e.verdict(t, codes[0]); v != estampv1.Verdict_VERDICT_REVOKED {
		t.Errorf("after the recall: %v", v)
	}
	if v := e.verdict(t, e.codesOf(t, other)[0]); v != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("the other batch after the recall: %v", v)
	}
}

// Every producer page says every word in both languages: a missing
// catalogue key shows as ¿key?.
func TestProducerPagesHaveTheirWords(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	id := strconv.FormatUint(b.issue(productA, "L-01", 3), 10)
	paths := []string{"/console/producer", "/console/producer/products", "/console/producer/products/" + productA,
		"/console/producer/batches", "/console/producer/batches/new", "/console/producer/batches/" + id, "/console/producer/scans"}
	for _, lang := range []string{"vi", "en"} {
		b.get("/console/lang?to=" + lang + "&back=/console/producer")
		for _, path := range paths {
			p := b.get(path)
			if p.code != http.StatusOK || strings.Contains(p.body, "¿") {
				t.Errorf("%s in %s: %d, missing words %v", path, lang, p.code, regexp.MustCompile(`¿[^?]*\?`).FindAllString(p.body, -1))
			}
			if lang == "en" && !strings.Contains(p.body, `<html lang="en">`) {
				t.Errorf("%s: not in English", path)
			}
		}
	}
}

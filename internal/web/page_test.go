package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

var (
	langs     = []ocop.Lang{ocop.VI, ocop.EN}
	issueTime = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	firstScan = time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	report    = "Văn phòng Điều phối OCOP tỉnh Thanh Hóa, 0237 385 2016"
	shops     = []*estampv1.PublicReceipt{
		{RetailerName: "Cửa hàng OCOP Hạc Thành", Commune: "Phường Hạc Thành", Province: "Thanh Hóa", ReceiveTime: timestamppb.New(issueTime.Add(48 * time.Hour))},
		{RetailerName: "Siêu thị đặc sản Sầm Sơn", Commune: "Phường Sầm Sơn", Province: "Thanh Hóa", ReceiveTime: timestamppb.New(issueTime.Add(72 * time.Hour))},
		{RetailerName: "Cửa hàng nông sản sạch Hoằng Hóa", Commune: "Xã Hoằng Hóa", Province: "Thanh Hóa", ReceiveTime: timestamppb.New(issueTime.Add(96 * time.Hour))},
		{RetailerName: "Gian hàng OCOP chợ Vườn Hoa", Commune: "Phường Hạc Thành", Province: "Thanh Hóa", ReceiveTime: timestamppb.New(issueTime.Add(120 * time.Hour))},
	}
	sale = &estampv1.PublicSale{RetailerName: "Cửa hàng OCOP Hạc Thành", Commune: "Phường Hạc Thành", Province: "Thanh Hóa", SaleTime: timestamppb.New(issueTime.Add(50 * time.Hour))}
	// description is a product's description as long as the registry
	// takes, in Vietnamese: the longest a page gets.
	description = string([]rune(strings.Repeat("Nem chua làm từ thịt lợn tươi, bì lợn, thính gạo và lá ổi, ủ chua tự nhiên ba ngày. ", 40))[:ocop.MaxDescriptionLength])
)

// answer is a Verify answer as package verify gives it, by name.
type answer struct {
	name string
	r    *estampv1.VerifyResponse
}

// issued is the answer for an issued stamp in full, with the message
// verify would give: scans so far, shops that received it, warnings.
func issued(v estampv1.Verdict, cause verdict.Cause, reason string, scans uint64, nShops int, ws ...estampv1.VerifyWarning) *estampv1.VerifyResponse {
	msg := verdict.Message(verdict.Outcome{Verdict: v, Cause: cause, Reason: reason}, verdict.Scans{Count: scans, First: firstScan, Shops: nShops}, ws)
	status := estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE
	r := &estampv1.VerifyResponse{
		Verdict: v, Message: msg.VI, MessageEn: msg.EN, Serial: 1234567, KeyId: "56475aa7", Warnings: ws,
		Product: &estampv1.PublicProduct{Name: "Nem chua Thanh Hóa", Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, StarGrade: 5,
			Description: description, PhotoUrl: "/photos/" + strings.Repeat("ab", 32) + ".jpg", PhotoWidth: 1200, PhotoHeight: 900,
			Certificate: &estampv1.PublicCertificate{DecisionNumber: "125/QĐ-BNNMT", DecisionDate: "2025-09-15", ValidUntil: "2028-09-14",
				Authority: estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL, Status: status}},
		Producer: &estampv1.PublicProducer{Name: "Hợp tác xã Nem chua Thanh Hóa", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE, Phone: "0237 385 1234",
			Address: &estampv1.PublicAddress{Province: "Thanh Hóa", Commune: "Phường Hạc Thành", Street: "Số 12 phố Tô Vĩnh Diện", LegacyDistrict: "Thành phố Thanh Hóa"}},
		Origin: &estampv1.Origin{Province: "Thanh Hóa", Commune: "Phường Hạc Thành", LegacyDistrict: "Thành phố Thanh Hóa"},
		Batch:  &estampv1.PublicBatch{Lot: "NC-2026-11", ProductionDate: "2026-11-20", ExpiryDate: "2026-12-20", IssueTime: timestamppb.New(issueTime)},
		Scans:  &estampv1.ScanHistory{ScanCount: scans},
	}
	if scans > 0 {
		r.Scans.FirstScanTime, r.Scans.LastScanTime = timestamppb.New(firstScan), timestamppb.New(firstScan.Add(time.Duration(scans)*time.Hour))
	}
	r.ReceivedBy = shops[:nShops]
	return r
}

// answers are every verdict a page tells, with every cause an answer
// shows and every warning, alone and together.
func answers() []answer {
	g := estampv1.Verdict_VERDICT_GENUINE
	many, several, lost := estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS, estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS, estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED
	out := []answer{
		{"genuine, not counted", issued(g, 0, "", 0, 0)},
		{"genuine, first scan", issued(g, 0, "", 1, 1)},
		{"genuine, scanned before", issued(g, 0, "", 3, 1)},
		{"genuine, scan not recorded", issued(g, 0, "", 1, 0, lost)},
		{"many scans", issued(g, 0, "", 9, 1, many)},
		{"two shops", issued(g, 0, "", 2, 2, several)},
		{"many scans and four shops", issued(g, 0, "", 12, 4, many, several)},
	}
	stolen := issued(estampv1.Verdict_VERDICT_REVOKED, verdict.StampRevoked, "Tem bị mất cắp tại kho", 2, 1)
	stolen.StampRevocationReason, stolen.StampRevokeTime = "Tem bị mất cắp tại kho", timestamppb.New(issueTime.Add(time.Hour))
	recalled := issued(estampv1.Verdict_VERDICT_REVOKED, verdict.BatchRevoked, "Lỗi bao bì: nem bị phồng", 2, 1)
	recalled.Batch.Revoked, recalled.Batch.RevocationReason, recalled.Batch.RevokeTime = true, "Lỗi bao bì: nem bị phồng", timestamppb.New(issueTime.Add(2*time.Hour))
	both := proto.Clone(stolen).(*estampv1.VerifyResponse)
	both.Batch = recalled.Batch
	both.Product.Certificate.Status, both.Product.Certificate.RevocationReason = estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED, "Không đạt khi tái đánh giá chất lượng"
	expired := issued(estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, 0, "", 1, 1)
	expired.Product.Certificate.Status = estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED
	uncertified := issued(estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, 0, "Không đạt khi tái đánh giá chất lượng", 1, 1)
	uncertified.Product.Certificate.Status, uncertified.Product.Certificate.RevocationReason = estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED, "Không đạt khi tái đánh giá chất lượng"
	// Sold at four shops' worth of a page: the largest a page gets.
	sold := issued(g, 0, "", 12, 4, many, several)
	sold.Product.Gtin, sold.Sold = "08934673001335", sale
	out = append(out, answer{"sold, many scans and four shops, with a GTIN", sold})
	out = append(out, answer{"stamp revoked", stolen}, answer{"lot recalled", recalled}, answer{"stamp revoked, its lot recalled, its certificate revoked", both},
		answer{"certificate expired", expired}, answer{"certificate revoked", uncertified})
	for _, o := range []verdict.Outcome{
		{Verdict: estampv1.Verdict_VERDICT_BAD_SIGNATURE},
		{Verdict: estampv1.Verdict_VERDICT_UNKNOWN_KEY},
		{Verdict: estampv1.Verdict_VERDICT_KEY_COMPROMISED, Reason: "Khóa bị lộ khi sao lưu"},
		{Verdict: estampv1.Verdict_VERDICT_NOT_ISSUED},
		{Verdict: estampv1.Verdict_VERDICT_NOT_ACTIVATED},
		{Verdict: estampv1.Verdict_VERDICT_UNKNOWN_ISSUER},
		{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: verdict.NotACode},
		{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: verdict.NewerFormat},
		{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: verdict.LookAlike},
	} {
		out = append(out, answer{fmt.Sprintf("%v cause %d", o.Verdict, o.Cause), &estampv1.VerifyResponse{Verdict: o.Verdict, Message: verdict.Sentence(o, ocop.VI), MessageEn: verdict.Sentence(o, ocop.EN)}})
	}
	// Another province's codes, as its keys and its list decide them.
	fetched := firstScan.Add(4 * time.Hour)
	for _, f := range []struct {
		name string
		o    verdict.Outcome
	}{
		{"genuine, of another province, by its list", verdict.Outcome{Verdict: g, StatusTime: fetched}},
		{"genuine, of another province, its list never fetched", verdict.Outcome{Verdict: g}},
		{"another province's stamp revoked", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.StampRevoked, Reason: "Tem bị mất cắp tại kho", StatusTime: fetched}},
		{"another province's lot recalled", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.BatchRevoked, Reason: "Lô bị nhiễm khuẩn", StatusTime: fetched}},
		{"another province's certificate expired", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED}},
		{"another province's certificate revoked", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, Reason: "Không đạt khi tái đánh giá", StatusTime: fetched}},
		{"another province's stamp not activated", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_NOT_ACTIVATED, StatusTime: fetched}},
		{"another province's key compromised", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_KEY_COMPROMISED}},
		{"another province's key unknown", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_UNKNOWN_KEY}},
		{"another province's code altered", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_BAD_SIGNATURE}},
	} {
		out = append(out, answer{f.name, abroad(f.o)})
	}
	return out
}

// foreignPage is a stamp's page at the province that issued it, as the
// verifier gives it: the code's URL, scheme and host in lower case.
const foreignPage = "https://tem.thanhhoa.example/V/A4EASCQLBQGQ4DYQCEJBGFAVCYLRQGI2DMOB2HQ7EAQSEIZEEUTCOKBJFIVSYLJOF4YDCMRTGQ2TMNZYHE5DWPB5HY7UAQKCINCEKRSHJBEUUS2MJVHE6UCRKJJVIVKWK5MFSWS3LQ"

// abroad is the answer for a code of another province as package verify
// gives it: whose, its verdict by that province's keys and list, and the
// link to its page there; no product, lot, scans or shops, which only
// that province holds.
func abroad(o verdict.Outcome) *estampv1.VerifyResponse {
	o.IssuerID, o.IssuerName = "38", "Tỉnh Thanh Hóa"
	msg := verdict.ForeignMessage(o)
	r := &estampv1.VerifyResponse{Verdict: o.Verdict, Message: msg.VI, MessageEn: msg.EN, Serial: 1234567, KeyId: "9c1e0b2d", IssuerId: o.IssuerID, IssuerName: o.IssuerName}
	if o.Verdict != estampv1.Verdict_VERDICT_BAD_SIGNATURE {
		r.IssuerPageUrl = foreignPage
	}
	if o.Cause == verdict.StampRevoked {
		r.StampRevocationReason = o.Reason
	}
	if !o.StatusTime.IsZero() {
		r.ForeignStatusTime = timestamppb.New(o.StatusTime)
	}
	return r
}

// stop are words too common to make two lines say the same thing.
var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields("tem này đã bị là và hoặc của được có không cho các một những thì mà nên với trong đây dù nhưng hãy để từ lúc khi vì đừng " +
		"the a an of to this that is it its and or on in was be been by for not no do you your has have stamp one") {
		stop[w] = true
	}
}

// pairs are the pairs of neighbouring words of a line, within its clauses,
// leaving out pairs of common words only.
func pairs(line string) map[string]bool {
	out := map[string]bool{}
	for _, clause := range regexp.MustCompile(`[.,;:!?—()]`).Split(strings.ToLower(line), -1) {
		w := strings.Fields(clause)
		for i := 0; i+1 < len(w); i++ {
			if !stop[w[i]] || !stop[w[i+1]] {
				out[w[i]+" "+w[i+1]] = true
			}
		}
	}
	return out
}

// A verdict page says three things: what the code is (the headline), what
// the records say of it (the sentence) and what to do (the advice). None
// repeats another, in whole or in a phrase: "Sản phẩm chính hãng", "Tem
// chính hãng." and "Tem hợp lệ…" had said one thing three times.
func TestNoPageSaysAThingTwice(t *testing.T) {
	for _, a := range answers() {
		for _, lang := range langs {
			rv := result(a.r, lang, textsFor(lang))
			lines := map[string]string{"headline": rv.Headline, "sentence": rv.Explain, "advice": rv.Advice}
			for _, x := range []string{"headline", "sentence", "advice"} {
				if strings.TrimSpace(lines[x]) == "" {
					t.Errorf("%s (%s): no %s", a.name, lang, x)
				}
				// A buyer is told the code was altered or is a fake,
				// not that a signature is invalid.
				if l := strings.ToLower(lines[x]); strings.Contains(l, "chữ ký") || strings.Contains(l, "signature") {
					t.Errorf("%s (%s): the %s speaks of signatures: %q", a.name, lang, x, lines[x])
				}
				for _, y := range []string{"headline", "sentence", "advice"} {
					if x >= y {
						continue
					}
					lx, ly := strings.ToLower(lines[x]), strings.ToLower(lines[y])
					if lx == ly || strings.Contains(lx, ly) || strings.Contains(ly, lx) {
						t.Errorf("%s (%s): the %s and the %s say the same: %q, %q", a.name, lang, x, y, lines[x], lines[y])
						continue
					}
					px, py := pairs(lines[x]), pairs(lines[y])
					for p := range px {
						if py[p] {
							t.Errorf("%s (%s): the %s and the %s both say %q: %q, %q", a.name, lang, x, y, p, lines[x], lines[y])
						}
					}
				}
			}
		}
	}
}

// answering answers every code with r.
type answering struct{ r *estampv1.VerifyResponse }

func (a answering) Verify(context.Context, *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error) {
	if a.r == nil {
		return nil, errors.New("database on fire")
	}
	return proto.Clone(a.r).(*estampv1.VerifyResponse), nil
}

func pageHandler(t *testing.T, v Verifier, report string) *Handler {
	t.Helper()
	h, err := New(Config{Verifier: v, Keys: keys.NewRing(), Revocations: fakeRevocations{}, Photos: fakePhotos{}, ReportContact: report,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func serve(t *testing.T, h *Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// stampPage is the page of an answer in lang.
func stampPage(t *testing.T, r *estampv1.VerifyResponse, lang ocop.Lang, report string) string {
	t.Helper()
	rec := serve(t, pageHandler(t, answering{r}, report), "GET", "/V/ANY?lang="+string(lang))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// A phone on a slow network loads the page and its style sheet in one
// round trip's worth of bytes: under 10 KB for the largest page there is,
// a product's longest description and four shops included; the photo is
// fetched on its own.
func TestLargestPageIsSmall(t *testing.T) {
	css := len(pageHandler(t, fakeVerifier{}, "").css)
	largest, which := 0, ""
	for _, a := range answers() {
		for _, lang := range langs {
			if n := len(stampPage(t, a.r, lang, report)); n > largest {
				largest, which = n, fmt.Sprintf("%s (%s)", a.name, lang)
			}
		}
	}
	t.Logf("largest page: %s, %d bytes of HTML + %d bytes of CSS = %d", which, largest, css, largest+css)
	if largest+css >= 10_000 {
		t.Errorf("largest page: %s, %d bytes of HTML + %d bytes of CSS: want under 10,000", which, largest, css)
	}
}

// The producer's phone dials at a tap, from Vietnam or abroad.
func TestPhoneIsATelLink(t *testing.T) {
	for _, tt := range []struct{ phone, want string }{
		{"0237 385 1234", "tel:+842373851234"},
		{"0912.345.678", "tel:+84912345678"},
		{"+84 237 385 1234", "tel:+842373851234"},
		{"1900 1234", "tel:19001234"},
		{"12345", ""}, // too short to dial
	} {
		if got := string(telURL(tt.phone)); got != tt.want {
			t.Errorf("telURL(%q) = %q, want %q", tt.phone, got, tt.want)
		}
	}
	page := stampPage(t, issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 1, 0), ocop.VI, "")
	if want := `<a class="tel" href="tel:&#43;842373851234">0237 385 1234</a>`; !strings.Contains(page, want) {
		t.Errorf("the page lacks %s", want)
	}
}

// The shops that received the stamp are named with their place and the
// day, three at most; the rest are counted.
func TestReceivedByShops(t *testing.T) {
	for _, tt := range []struct {
		name   string
		shops  int
		want   []string
		absent []string
	}{
		{"none", 0, nil, []string{"Cửa hàng đã nhận"}},
		{"one", 1, []string{`<dt>Cửa hàng đã nhận</dt><dd><span lang="vi">Cửa hàng OCOP Hạc Thành</span><br><span class="muted"><span lang="vi">Phường Hạc Thành, Thanh Hóa</span> · 22/11/2026</span></dd>`}, []string{"cửa hàng khác"}},
		{"four", 4, []string{"Siêu thị đặc sản Sầm Sơn", "Cửa hàng nông sản sạch Hoằng Hóa", "<dd>và 1 cửa hàng khác</dd>"}, []string{"Gian hàng OCOP chợ Vườn Hoa"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page := stampPage(t, issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 1, tt.shops), ocop.VI, "")
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(page, w) {
					t.Errorf("the page shows %s", w)
				}
			}
		})
	}
}

// A sold stamp says where and when it was sold, above the details, in the
// reader's language with the shop's name marked Vietnamese; a product's
// GTIN is shown as its barcode prints it. Neither shows when unset.
func TestSoldAndGTIN(t *testing.T) {
	sold := issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 2, 1)
	sold.Sold, sold.Product.Gtin = sale, "08934673001335"
	lost := proto.Clone(sold).(*estampv1.VerifyResponse)
	lost.Sold = &estampv1.PublicSale{SaleTime: sale.SaleTime}
	gtin14 := issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 2, 1)
	gtin14.Product.Gtin = "18934673001332"
	for _, tt := range []struct {
		name   string
		r      *estampv1.VerifyResponse
		lang   ocop.Lang
		want   []string
		absent []string
	}{
		{"sold", sold, ocop.VI, []string{`<p class="sold">Đã bán tại <span lang="vi">Cửa hàng OCOP Hạc Thành, Phường Hạc Thành, Thanh Hóa</span>, lúc 12:00, 22/11/2026</p>`,
			`<dt>Mã vạch GTIN</dt><dd class="serial">8934673001335</dd>`}, nil},
		{"sold, in English", sold, ocop.EN, []string{`<p class="sold">Sold at <span lang="vi">Cửa hàng OCOP Hạc Thành, Phường Hạc Thành, Thanh Hóa</span>, on 22 Nov 2026, 12:00 (UTC&#43;7)</p>`,
			`<dt>GTIN barcode</dt><dd class="serial">8934673001335</dd>`}, nil},
		{"sold at a shop the registry lost", lost, ocop.VI, []string{`<p class="sold">Đã bán, lúc 12:00, 22/11/2026</p>`}, []string{"Đã bán tại"}},
		{"a GTIN-14 keeps its first digit", gtin14, ocop.VI, []string{`<dd class="serial">18934673001332</dd>`}, []string{`class="sold"`}},
		{"neither", issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 2, 1), ocop.VI, nil, []string{`class="sold"`, "GTIN"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page := stampPage(t, tt.r, tt.lang, "")
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(page, w) {
					t.Errorf("the page shows %s", w)
				}
			}
		})
	}
}

// Whom to tell of a suspected fake is the operator's to say: without
// --report-contact the page has no such line, on any verdict.
func TestReportContactOnlyWhenGiven(t *testing.T) {
	for _, a := range answers() {
		for _, contact := range []string{"", report} {
			page := stampPage(t, a.r, ocop.VI, contact)
			want := `<p class="report"><strong>Nghi hàng giả? Hãy báo:</strong> <span lang="vi">` + report + `</span></p>`
			if got := strings.Contains(page, want); got != (contact != "") || strings.Contains(page, `class="report"`) != (contact != "") {
				t.Errorf("%s, contact %q: the report line shown %v", a.name, contact, got)
			}
		}
	}
}

// langVI matches the text of an element marked Vietnamese.
var langVI = regexp.MustCompile(`lang="vi"[^>]*>([^<]*)<`)

// On the English page, every Vietnamese name and text from the registry
// is marked Vietnamese, so that a screen reader says it as one.
func TestVietnameseNamesOnTheEnglishPage(t *testing.T) {
	r := issued(estampv1.Verdict_VERDICT_REVOKED, verdict.StampRevoked, "Tem bị mất cắp tại kho", 2, 4)
	r.StampRevocationReason, r.StampRevokeTime = "Tem bị mất cắp tại kho", timestamppb.New(issueTime)
	r.Batch.Revoked, r.Batch.RevocationReason, r.Batch.RevokeTime = true, "Lỗi bao bì", timestamppb.New(issueTime)
	r.Product.Certificate.RevocationReason = "Không đạt khi tái đánh giá"
	page := stampPage(t, r, ocop.EN, report)
	var marked []string
	for _, m := range langVI.FindAllStringSubmatch(page, -1) {
		marked = append(marked, html.UnescapeString(m[1]))
	}
	for _, name := range []string{"Nem chua Thanh Hóa", "Hợp tác xã Nem chua Thanh Hóa", "Số 12 phố Tô Vĩnh Diện, Phường Hạc Thành, Thanh Hóa", "Thành phố Thanh Hóa",
		"Cửa hàng OCOP Hạc Thành", "Phường Hạc Thành, Thanh Hóa", "Siêu thị đặc sản Sầm Sơn", "Tem bị mất cắp tại kho", "Lỗi bao bì", "Không đạt khi tái đánh giá",
		description, report} {
		if !slices.Contains(marked, name) {
			t.Errorf("%q is not marked lang=\"vi\" on the English page", name)
		}
	}
}

// An English time ends in "(UTC+7)": nothing on a page wraps one in
// brackets of its own.
func TestNoNestedBrackets(t *testing.T) {
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, a := range answers() {
		for _, lang := range langs {
			text := html.UnescapeString(tags.ReplaceAllString(stampPage(t, a.r, lang, report), ""))
			depth := 0
			for _, c := range text {
				switch c {
				case '(':
					if depth++; depth > 1 {
						i := strings.Index(text, "((")
						t.Errorf("%s (%s): nested brackets near %q", a.name, lang, text[max(0, i-40):min(len(text), i+40)])
					}
				case ')':
					depth--
				}
			}
		}
	}
}

// A serial is written as everywhere else: "1 234 567".
func TestSerialAsPeopleReadIt(t *testing.T) {
	page := stampPage(t, issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 1, 0), ocop.VI, "")
	if want := `<dd class="serial">` + ocop.ShowSerial(1234567) + `</dd>`; !strings.Contains(page, want) || ocop.ShowSerial(1234567) != "1 234 567" {
		t.Errorf("the page lacks %s", want)
	}
}

// The header's two links read apart without the style sheet: a list, not
// two links side by side.
func TestHeaderLinksApartWithoutCSS(t *testing.T) {
	for _, target := range []string{"/", "/V/ANY", "/khong-co"} {
		body := serve(t, pageHandler(t, answering{issued(estampv1.Verdict_VERDICT_GENUINE, 0, "", 1, 1)}, ""), "GET", target).Body.String()
		header := body[strings.Index(body, "<header>"):strings.Index(body, "</header>")]
		if strings.Count(header, "<li><a") != 2 || regexp.MustCompile(`</a>\s*<a`).MatchString(body) {
			t.Errorf("%s: links run together:\n%s", target, header)
		}
	}
}

// Errors are the site's own pages, in the reader's language, Vietnamese
// first, with a way home: never Go's "404 page not found".
func TestErrorPages(t *testing.T) {
	h := pageHandler(t, answering{}, "")
	for _, tt := range []struct {
		method, target, accept string
		status                 int
		lang, title            string
	}{
		{"GET", "/khong-co", "", http.StatusNotFound, "vi", "Không tìm thấy trang"},
		{"GET", "/khong-co", "en-GB,en", http.StatusNotFound, "en", "Page not found"},
		{"GET", "/khong-co?lang=vi", "en-GB,en", http.StatusNotFound, "vi", "Không tìm thấy trang"},
		{"GET", "/V/", "", http.StatusNotFound, "vi", "Không tìm thấy trang"},
		{"GET", "/photos/" + strings.Repeat("0", 64) + ".png", "", http.StatusNotFound, "vi", "Không tìm thấy trang"},
		{"POST", "/", "", http.StatusMethodNotAllowed, "vi", "Không làm được việc này"},
		{"DELETE", "/V/ANY", "", http.StatusMethodNotAllowed, "vi", "Không làm được việc này"},
		{"PUT", "/verify?lang=en", "", http.StatusMethodNotAllowed, "en", "Not allowed here"},
		{"GET", "/V/ANY", "", http.StatusInternalServerError, "vi", "Hệ thống đang gặp sự cố"},
		{"GET", "/verify?code=X&lang=en", "", http.StatusInternalServerError, "en", "The service has a problem"},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.Header.Set("Accept-Language", tt.accept)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s, want %d text/html", rec.Code, rec.Header().Get("Content-Type"), tt.status)
			}
			for _, want := range []string{`<html lang="` + tt.lang + `">`, "<h1>" + tt.title + "</h1>", `<a class="button" href="/?lang=` + tt.lang + `">`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %s:\n%s", want, body)
				}
			}
			if rec.Header().Get("Vary") != "Accept-Language" {
				t.Errorf("Vary: %q: a cache would serve one language for another", rec.Header().Get("Vary"))
			}
			if tt.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow: %q", rec.Header().Get("Allow"))
			}
			if tt.status == http.StatusInternalServerError && rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control: %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

// Under a red banner nothing says valid: the certificate's status is grey,
// the stars are grey, and the details say they vouch for nothing; a
// recalled lot and a stolen stamp read differently.
func TestRevokedMeansRevokedEverywhere(t *testing.T) {
	for _, a := range answers() {
		page := stampPage(t, a.r, ocop.VI, "")
		revoked := a.r.Verdict == estampv1.Verdict_VERDICT_REVOKED
		uncertified := revoked || a.r.Verdict == estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED || a.r.Verdict == estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED
		// Another province's stamp has no details here to grey out, and
		// its list gives no time of a revocation.
		details := a.r.Product != nil
		checks := map[string]bool{
			`class="status-ok"`:     details && !uncertified && a.r.Verdict != estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED,
			`class="stars void"`:    details && uncertified,
			`class="card void"`:     details && revoked,
			`<p class="note">`:      details && revoked,
			`class="verdict ok"`:    strings.HasPrefix(a.name, "genuine"),
			`<p>Từ lúc `:            details && revoked,
			`class="status-void"`:   details && revoked && a.r.Product.Certificate.Status == estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE,
			`Lô bị thu hồi lúc`:     revoked && a.r.GetBatch().GetRevoked() && a.r.StampRevokeTime != nil,
			`Lô hàng đã bị thu hồi`: revoked && a.r.StampRevokeTime == nil && a.r.StampRevocationReason == "",
		}
		for want, shown := range checks {
			if strings.Contains(page, want) != shown {
				t.Errorf("%s: %s shown %v, want %v", a.name, want, !shown, shown)
			}
		}
	}
}

// Another province's stamp, checked through the form here: the page says
// whose it is and as of when that province's list was fetched, shows the
// serial to match the label and links to the stamp's own page there, and
// shows no scans, shops or product, which only that province has. A code
// that is not proven that province's says so, with no serial.
func TestAnotherProvincesStamp(t *testing.T) {
	fetched := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC) // 10:00 in Vietnam
	genuine := abroad(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE, StatusTime: fetched})
	link := `<a class="button" href="` + foreignPage + `" rel="external noopener">`
	own := []string{"Số lần quét", "Cửa hàng đã nhận", "Lần quét", "Scans", "Received by", "Sản phẩm chính hãng", "Genuine product"}
	for _, tt := range []struct {
		name   string
		r      *estampv1.VerifyResponse
		lang   ocop.Lang
		want   []string
		absent []string
	}{
		{"genuine", genuine, ocop.VI, []string{
			`<h1>Tem chính hãng</h1>`, `<p>Tem do Tỉnh Thanh Hóa cấp. Tỉnh chưa thu hồi tem này.</p>`,
			`<p>Tình trạng theo danh sách thu hồi của tỉnh phát hành, tải về lúc 10:00, 28/11/2026.</p>`,
			`<dt>Số sê-ri</dt><dd class="serial">1 234 567</dd>`,
			link + `<span>Xem lịch sử quét trên trang của <span lang="vi">Tỉnh Thanh Hóa</span> <span aria-hidden="true">↗</span><br><small>tem.thanhhoa.example</small></span></a>`,
		}, own},
		{"genuine, in English", genuine, ocop.EN, []string{
			`<h1>Genuine stamp</h1>`, `<p>Issued by Tỉnh Thanh Hóa. The province has not withdrawn it.</p>`,
			`<p>Status by the issuing province&#39;s revocation list, as fetched on 28 Nov 2026, 10:00 (UTC&#43;7).</p>`,
			`<dt>Serial number</dt><dd class="serial">1 234 567</dd>`,
			link + `<span>See the scan history on the page of <span lang="vi">Tỉnh Thanh Hóa</span> <span aria-hidden="true">↗</span><br><small>tem.thanhhoa.example</small></span></a>`,
		}, own},
		{"genuine, the list never fetched", abroad(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}), ocop.VI, []string{
			`Tem do Tỉnh Thanh Hóa cấp. Chưa tải được danh sách thu hồi của tỉnh, nên chưa biết tem có bị thu hồi không.`, link,
		}, append([]string{"tải về lúc"}, own...)},
		{"key compromised", abroad(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_KEY_COMPROMISED}), ocop.VI, []string{
			`<h1>Không còn xác thực được tem</h1>`, `Mã mang địa chỉ của Tỉnh Thanh Hóa. Tỉnh đã báo mã bí mật dùng để tạo tem bị lộ`, link,
		}, []string{"Tem do Tỉnh Thanh Hóa cấp", "Số sê-ri", "Số lần quét"}},
		{"altered", abroad(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_BAD_SIGNATURE}), ocop.VI, []string{
			`<h1>Không phải tem chính hãng</h1>`, `Mã mang địa chỉ của Tỉnh Thanh Hóa. Mã trên tem đã bị sửa hoặc là mã giả.`,
		}, []string{"Tem do Tỉnh Thanh Hóa cấp", "Số sê-ri", "tem.thanhhoa.example", `class="card"`}},
		{"stamp revoked", abroad(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.StampRevoked, Reason: "Tem bị mất cắp", StatusTime: fetched}), ocop.VI, []string{
			`<h1>Tem đã bị thu hồi</h1>`, `Tem do Tỉnh Thanh Hóa cấp. Riêng tem này đã bị hủy. Lý do: <span lang="vi">Tem bị mất cắp</span>`, `tải về lúc 10:00, 28/11/2026`, `1 234 567`, link,
		}, []string{"Lô hàng đã bị thu hồi", "Từ lúc"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, pageHandler(t, answering{tt.r}, report), "GET", "/verify?lang="+string(tt.lang)+"&code="+url.QueryEscape(strings.ToUpper(foreignPage)))
			page := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %s\n%s", w, page)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(page, w) {
					t.Errorf("the page shows %s", w)
				}
			}
		})
	}

	// Only an http(s) URL is ever a link, whatever a verifier answers.
	for _, bad := range []string{"javascript:alert(1)", "ftp://tem.thanhhoa.example/V/X", "https://user@tem.thanhhoa.example/V/X", "//tem.thanhhoa.example/V/X"} {
		r := proto.Clone(genuine).(*estampv1.VerifyResponse)
		r.IssuerPageUrl = bad
		if page := stampPage(t, r, ocop.VI, ""); strings.Contains(page, "Xem lịch sử quét") || !strings.Contains(page, "1 234 567") {
			t.Errorf("%q: linked, or the serial lost", bad)
		}
	}

	// The JSON answer carries the same: whose, as of when, and where.
	req := httptest.NewRequest("GET", "/verify?code="+url.QueryEscape(strings.ToUpper(foreignPage)), nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	pageHandler(t, answering{genuine}, "").ServeHTTP(rec, req)
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	for field, want := range map[string]any{"issuer_id": "38", "issuer_name": "Tỉnh Thanh Hóa", "foreign_status_time": "2026-11-28T03:00:00Z", "issuer_page_url": foreignPage, "verdict": "VERDICT_GENUINE"} {
		if got[field] != want {
			t.Errorf("JSON %s: %v, want %v", field, got[field], want)
		}
	}
}

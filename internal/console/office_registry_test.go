package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// officeProducer is a producer form as the office fills it in.
func officeProducer(edit func(url.Values)) url.Values {
	f := url.Values{
		"producer.id": {"HTX-MAY-TRE-NGA-SON"}, "producer.name": {"Hợp tác xã Mây tre Nga Sơn"}, "producer.kind": {"1"},
		"producer.tax_code": {"2809876543"}, "producer.phone": {"0237 388 1234"},
		"producer.address.province": {"Thanh Hóa"}, "producer.address.commune": {"Xã Nga Sơn"},
		"producer.address.street": {"Thôn 7"}, "producer.address.legacy_district": {"Huyện Nga Sơn"},
	}
	if edit != nil {
		edit(f)
	}
	return f
}

func TestOfficeCreatesProducers(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	office.get("/console/office/producers")

	// Refused: each reason next to its field, what was typed kept.
	for _, tt := range []struct {
		name, field, reason string
		edit                func(url.Values)
	}{
		{"no name", "producer.name", "bắt buộc", func(f url.Values) { f.Del("producer.name") }},
		{"no kind", "producer.kind", "bắt buộc", func(f url.Values) { f.Set("producer.kind", "") }},
		{"bad tax code", "producer.tax_code", "không phải 10 chữ số", func(f url.Values) { f.Set("producer.tax_code", "28-0987") }},
		{"no commune", "producer.address.commune", "bắt buộc", func(f url.Values) { f.Del("producer.address.commune") }},
		{"bad id", "producer.id", "chỉ được chứa", func(f url.Values) { f.Set("producer.id", "HTX Mây tre") }},
	} {
		p := office.post("/console/office/producers", officeProducer(tt.edit))
		if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, tt.field), tt.reason) {
			t.Errorf("%s: %d, want %q next to %s:\n%s", tt.name, p.code, tt.reason, tt.field, p.body)
		}
		if !strings.Contains(p.body, `aria-describedby="`+tt.field) || !strings.Contains(p.body, `<details class="create" open>`) {
			t.Errorf("%s: the refused field is not marked, or the form not open", tt.name)
		}
		if !strings.Contains(p.body, `value="Thôn 7"`) {
			t.Errorf("%s: the form forgot what was typed", tt.name)
		}
	}
	// The service's reasons are in the page's language: English too.
	office.switchLanguage(ocop.EN)
	if p := office.post("/console/office/producers", officeProducer(func(f url.Values) { f.Set("producer.tax_code", "28-0987") })); !strings.Contains(fieldError(p.body, "producer.tax_code"), "is not 10 digits") {
		t.Errorf("in English: %d %q", p.code, fieldError(p.body, "producer.tax_code"))
	}
	office.switchLanguage(ocop.VI)
	if _, err := e.admin.Registry.GetProducer(context.Background(), &estampv1.GetProducerRequest{Id: "HTX-MAY-TRE-NGA-SON"}); err == nil {
		t.Fatal("a refused form created the producer")
	}

	p := office.post("/console/office/producers", officeProducer(nil))
	if p.code != http.StatusSeeOther || p.location != "/console/office/producers/HTX-MAY-TRE-NGA-SON?done=created" {
		t.Fatalf("create: %d %q %s", p.code, p.location, p.body)
	}
	p = office.get(p.location)
	for _, want := range []string{"<h1>Hợp tác xã Mây tre Nga Sơn</h1>", "Đã thêm chủ thể.", "Hợp tác xã", "2809876543", "Thôn 7, Xã Nga Sơn, Thanh Hóa", "Huyện Nga Sơn", "Chủ thể chưa có tài khoản nào."} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the producer page lacks %q", want)
		}
	}
	// The same id again is refused, whatever its letter case.
	p = office.post("/console/office/producers", officeProducer(func(f url.Values) { f.Set("producer.id", "htx-may-tre-nga-son") }))
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, "đã có") {
		t.Errorf("a second producer with the id: %d", p.code)
	}
	// Another id with the same name is refused, until the office says
	// that it is another producer.
	other := officeProducer(func(f url.Values) { f.Set("producer.id", "HTX-MAY-TRE-2") })
	if p := office.post("/console/office/producers", other); p.code != http.StatusBadRequest || !strings.Contains(p.body, "HTX-MAY-TRE-NGA-SON") || !strings.Contains(p.body, `name="allow_duplicate_name"`) {
		t.Errorf("a second producer with the name: %d", p.code)
	}
	other.Set("allow_duplicate_name", "yes")
	if p := office.post("/console/office/producers", other); p.code != http.StatusSeeOther {
		t.Errorf("a second producer with the name, allowed: %d", p.code)
	}
	// Listed, with a link to its page.
	if p := office.get("/console/office/producers"); !strings.Contains(p.body, `<a href="/console/office/producers/HTX-MAY-TRE-NGA-SON">Hợp tác xã Mây tre Nga Sơn</a>`) {
		t.Error("the list does not link the new producer")
	}

	// An account for the producer, from its page: the one-time password
	// is shown, and the producer page lists the account.
	office.get("/console/office/producers/HTX-MAY-TRE-NGA-SON")
	p = office.post("/console/office/accounts", url.Values{"username": {"may.tre"}, "display_name": {"Chị Lan"}, "role": {"producer"}, "producer_id": {"HTX-MAY-TRE-NGA-SON"}})
	if p.code != http.StatusOK || !strings.Contains(p.body, `data-testid="one-time-password"`) {
		t.Fatalf("account: %d %s", p.code, p.body)
	}
	if p := office.get("/console/office/producers/HTX-MAY-TRE-NGA-SON"); !strings.Contains(p.body, "<td>may.tre</td>") || !strings.Contains(p.body, "Chờ đổi mật khẩu") {
		t.Error("the producer page does not list its new account")
	}
}

// officeProduct is a product form as the office fills it in.
func officeProduct(edit func(url.Values)) url.Values {
	f := url.Values{
		"product.producer_id": {producerA}, "product.id": {"CHE-LAM-DAC-BIET"}, "product.name": {"Chè lam đặc biệt"},
		"product.group": {"1"}, "product.star_grade": {"4"},
		"product.certificate.decision_number": {"3099/QĐ-UBND"}, "product.certificate.decision_date": {"20/08/2025"},
		"product.description": {"Chè lam gừng, mạch nha.\r\n\r\nGói lá chuối khô."},
	}
	if edit != nil {
		edit(f)
	}
	return f
}

func TestOfficeCreatesProducts(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	office.get("/console/office/products")
	for _, tt := range []struct {
		name, field, reason string
		edit                func(url.Values)
	}{
		{"no such date", "product.certificate.decision_date", "Ngày dạng dd/mm/yyyy", func(f url.Values) { f.Set("product.certificate.decision_date", "31/02/2025") }},
		{"no grade", "product.star_grade", "nằm ngoài khoảng 1..5", func(f url.Values) { f.Del("product.star_grade") }},
		{"5 stars by the province", "product.certificate.authority", "Trung ương", func(f url.Values) {
			f.Set("product.star_grade", "5")
			f.Set("product.certificate.authority", "1")
		}},
		{"no producer", "product.producer_id", "bắt buộc", func(f url.Values) { f.Del("product.producer_id") }},
		{"valid until before the decision", "product.certificate.valid_until", "trước ngày quyết định", func(f url.Values) { f.Set("product.certificate.valid_until", "2025-01-01") }},
		{"description too long", "product.description", "tối đa 2000", func(f url.Values) { f.Set("product.description", strings.Repeat("chè ", 600)) }},
	} {
		p := office.postMultipart("/console/office/products", officeProduct(tt.edit))
		if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, tt.field), tt.reason) {
			t.Errorf("%s: %d, want %q next to %s, got %q", tt.name, p.code, tt.reason, tt.field, fieldError(p.body, tt.field))
		}
	}

	// A date as people type it, or as a date input sends it.
	p := office.postMultipart("/console/office/products", officeProduct(nil))
	if p.code != http.StatusSeeOther || p.location != "/console/office/products/CHE-LAM-DAC-BIET?done=created" {
		t.Fatalf("create: %d %q %s", p.code, p.location, p.body)
	}
	p = office.get(p.location)
	for _, want := range []string{
		"<h1>Chè lam đặc biệt</h1>", "Đã thêm sản phẩm.", "3099/QĐ-UBND", "20/08/2025",
		// 36 months, the day before the anniversary; 630 days after
		// 28/11/2026, the tests' today.
		"19/08/2028", "còn 630 ngày", "UBND tỉnh",
		"<p class=\"description\">Chè lam gừng, mạch nha.\n\nGói lá chuối khô.</p>",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the product page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "<img") {
		t.Error("a product without a photo shows one")
	}
	// The list: grade, status and days left of each; the demo's revoked
	// and expired certificates stand out.
	p = office.get("/console/office/products")
	for _, want := range []string{
		`<a href="/console/office/products/CHE-LAM-DAC-BIET">Chè lam đặc biệt</a>`, "còn 630 ngày",
		`<span class="badge bad">Đã thu hồi</span>`, `<span class="badge bad">Hết hạn</span>`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the product list lacks %q", want)
		}
	}
	// Within ocop.ExpiryNotice days of its end a certificate in force is
	// a warning, as on the producer's pages.
	if strings.Contains(p.body, `<span class="badge warn">`) {
		t.Error("a warning before any certificate is near its end")
	}
	e.clock.Advance(time.Duration(630-ocop.ExpiryNotice+1) * 24 * time.Hour)
	office = e.browser(t) // the session ended long ago
	office.signIn("van.phong", "mật khẩu mới của van.phong", "")
	if p := office.get("/console/office/products"); !strings.Contains(p.body, `<span class="badge warn">`) || !strings.Contains(p.body, "còn 89 ngày") {
		t.Errorf("no warning 89 days before the end:\n%s", p.body)
	}
}

// A certificate is renewed or revoked only once the office ticks the box
// that names what it does to stamps; a revocation then shows on every
// stamp of the product.
func TestOfficeCertifies(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	stamps := issue(t, e, productA, 2, "cert")
	verdict := func() estampv1.Verdict {
		t.Helper()
		v, err := e.admin.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: stamps[0].Code})
		if err != nil {
			t.Fatal(err)
		}
		return v.Verdict
	}
	path := "/console/office/products/" + productA
	page := office.get(path)
	if !strings.Contains(page.body, "Chứng nhận OCOP đã bị thu hồi") {
		t.Error("the revocation's confirmation does not name what buyers will read")
	}

	// Unconfirmed: refused next to the box, nothing changed.
	p := office.post(path+"/revoke", url.Values{"revocation.reason": {"Không đạt khi tái đánh giá"}})
	if p.code != http.StatusBadRequest || fieldError(p.body, "confirm") == "" || !strings.Contains(p.body, `value="Không đạt khi tái đánh giá"`) {
		t.Errorf("revoke without confirming: %d %q", p.code, fieldError(p.body, "confirm"))
	}
	if v := verdict(); v != estampv1.Verdict_VERDICT_GENUINE {
		t.Fatalf("an unconfirmed revocation: %v", v)
	}
	p = office.post(path+"/revoke", url.Values{"confirm": {"yes"}})
	if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, "revocation.reason"), "bắt buộc") {
		t.Errorf("revoke without a reason: %d %q", p.code, fieldError(p.body, "revocation.reason"))
	}
	p = office.post(path+"/revoke", url.Values{"confirm": {"yes"}, "revocation.reason": {"Không đạt khi tái đánh giá"}})
	if p.code != http.StatusSeeOther || p.location != path+"?done=revoked" {
		t.Fatalf("revoke: %d %q %s", p.code, p.location, p.body)
	}
	if v := verdict(); v != estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED {
		t.Errorf("a stamp after the revocation: %v", v)
	}
	page = office.get(p.location)
	if !strings.Contains(page.body, "Đã thu hồi giấy chứng nhận.") || !strings.Contains(page.body, `<span class="badge bad">Đã thu hồi</span>`) || !strings.Contains(page.body, "Không đạt khi tái đánh giá") {
		t.Error("the product page does not show the revocation")
	}

	// A renewal lifts it: confirmed, with a new decision.
	renewal := url.Values{"renewal.star_grade": {"4"}, "renewal.certificate.decision_number": {"77/QĐ-UBND"}, "renewal.certificate.decision_date": {"2026-11-20"}}
	if p := office.post(path+"/renew", renewal); p.code != http.StatusBadRequest || fieldError(p.body, "confirm") == "" {
		t.Errorf("renew without confirming: %d", p.code)
	}
	renewal.Set("confirm", "yes")
	renewal.Set("renewal.certificate.decision_date", "hôm qua")
	if p := office.post(path+"/renew", renewal); p.code != http.StatusBadRequest || fieldError(p.body, "renewal.certificate.decision_date") != "Ngày dạng dd/mm/yyyy" {
		t.Errorf("renew with no date: %d %q", p.code, fieldError(p.body, "renewal.certificate.decision_date"))
	}
	// A decision that would already be expired is nearly always a typing
	// mistake: refused, saying why, unless the office ticks that it is
	// meant.
	renewal.Set("renewal.certificate.decision_date", "20/11/2020")
	if p := office.post(path+"/renew", renewal); p.code != http.StatusBadRequest || !strings.Contains(p.body, "sẽ hết hạn ngay: hiệu lực đến 19/11/2023") || !strings.Contains(p.body, `name="renewal.force"`) {
		t.Errorf("renew with an expired decision: %d", p.code)
	}
	renewal.Set("renewal.force", "yes")
	if p := office.post(path+"/renew", renewal); p.code != http.StatusSeeOther {
		t.Errorf("renew with an expired decision, forced: %d", p.code)
	}
	renewal.Del("renewal.force")
	renewal.Set("renewal.certificate.decision_date", "20/11/2026")
	if p := office.post(path+"/renew", renewal); p.code != http.StatusSeeOther {
		t.Fatalf("renew: %d %s", p.code, p.body)
	}
	if v := verdict(); v != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("a stamp after the renewal: %v", v)
	}
	if p := office.get(path); !strings.Contains(p.body, "77/QĐ-UBND") || !strings.Contains(p.body, "19/11/2029") {
		t.Error("the product page does not show the new decision")
	}
}

var imgTag = regexp.MustCompile(`<img class="photo" src="(/photos/[0-9a-f]{64}\.(?:png|jpg))" alt="([^"]*)" width="(\d+)" height="(\d+)">`)

// The office gives a product a photo when it creates it, and replaces or
// removes it later; the photo is served at its address for a year, and
// the stamp page shows it. Anything but a JPEG or PNG of at most 300 KB
// is refused next to the field.
func TestOfficeProductPhoto(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	office.get("/console/office/products")
	pngData := picture(t, "png", 48, 32)
	p := office.postMultipart("/console/office/products", officeProduct(nil), upload{"photo", "che-lam.png", pngData})
	if p.code != http.StatusSeeOther {
		t.Fatalf("create with a photo: %d %s", p.code, p.body)
	}
	page := office.get(p.location)
	m := imgTag.FindStringSubmatch(page.body)
	if m == nil || m[2] != "Chè lam đặc biệt" || m[3] != "48" || m[4] != "32" || !strings.HasSuffix(m[1], ".png") {
		t.Fatalf("the product page's photo: %v", m)
	}
	pngURL := m[1]
	served := e.browser(t).get(pngURL)
	if served.code != http.StatusOK || served.body != string(pngData) || served.header.Get("Content-Type") != "image/png" ||
		served.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || served.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: %d %v", pngURL, served.code, served.header)
	}

	// Refused, each next to the photo field; the photo stays.
	details := "/console/office/products/CHE-LAM-DAC-BIET/details"
	big := append(picture(t, "png", 8, 8), make([]byte, 301*1024)...)
	for _, tt := range []struct {
		name   string
		file   upload
		reason string
	}{
		{"gif", upload{"photo", "che-lam.gif", picture(t, "gif", 8, 8)}, "chỉ nhận JPEG hoặc PNG"},
		{"301 KB", upload{"photo", "che-lam.png", big}, "tối đa 300 KB"},
		{"not an image", upload{"photo", "che-lam.png", []byte("Chè lam Phủ Quảng, không phải ảnh")}, "không phải ảnh JPEG hay PNG"},
	} {
		p := office.postMultipart(details, url.Values{"description": {"Chè lam gừng."}}, tt.file)
		if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, "photo"), tt.reason) {
			t.Errorf("%s: %d, want %q next to the photo, got %q", tt.name, p.code, tt.reason, fieldError(p.body, "photo"))
		}
		if !strings.Contains(p.body, `aria-invalid="true" aria-describedby="photo-hint photo-error"`) {
			t.Errorf("%s: the photo field is not marked", tt.name)
		}
	}
	// A refused photo on create: the product is made, its page says so
	// with the reason next to the photo.
	p = office.postMultipart("/console/office/products", officeProduct(func(f url.Values) {
		f.Set("product.id", "CHE-LAM-GIF")
		f.Set("product.name", "Chè lam ảnh GIF")
	}), upload{"photo", "x.gif", picture(t, "gif", 4, 4)})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, "Đã thêm sản phẩm.") || !strings.Contains(fieldError(p.body, "photo"), "chỉ nhận JPEG hoặc PNG") {
		t.Errorf("create with a GIF: %d %q", p.code, fieldError(p.body, "photo"))
	}

	// Replaced by a JPEG: the new address serves it, the old one nothing.
	jpegData := picture(t, "jpeg", 64, 40)
	p = office.postMultipart(details, url.Values{"description": {"Chè lam gừng, mạch nha."}}, upload{"photo", "che-lam.jpg", jpegData})
	if p.code != http.StatusSeeOther {
		t.Fatalf("replace: %d %s", p.code, p.body)
	}
	page = office.get(p.location)
	m = imgTag.FindStringSubmatch(page.body)
	if m == nil || !strings.HasSuffix(m[1], ".jpg") || m[3] != "64" || !strings.Contains(page.body, "Đã lưu phần giới thiệu cho người mua.") {
		t.Fatalf("after the JPEG: %v", m)
	}
	jpegURL := m[1]
	if p := e.browser(t).get(jpegURL); p.code != http.StatusOK || p.header.Get("Content-Type") != "image/jpeg" || p.body != string(jpegData) {
		t.Errorf("GET %s: %d %s", jpegURL, p.code, p.header.Get("Content-Type"))
	}
	if p := e.browser(t).get(pngURL); p.code != http.StatusNotFound {
		t.Errorf("the replaced photo: %d", p.code)
	}

	// The stamp page shows the photo, with the product's name for those
	// who do not see it, and the description.
	stamp := e.browser(t).get(mustURL(t, issue(t, e, "CHE-LAM-DAC-BIET", 1, "photo")[0].Code).Path)
	if !strings.Contains(stamp.body, `<img class="photo" src="`+jpegURL+`" alt="Chè lam đặc biệt" width="64" height="40">`) || !strings.Contains(stamp.body, "Chè lam gừng, mạch nha.") {
		t.Errorf("the stamp page lacks the photo or the description:\n%s", stamp.body)
	}

	// Removed.
	if p := office.postMultipart(details, url.Values{"description": {"Chè lam gừng, mạch nha."}, "photo.remove": {"yes"}}); p.code != http.StatusSeeOther {
		t.Fatalf("remove: %d", p.code)
	}
	if p := office.get("/console/office/products/CHE-LAM-DAC-BIET"); strings.Contains(p.body, "<img") {
		t.Error("the photo is still shown")
	}
	if p := e.browser(t).get(jpegURL); p.code != http.StatusNotFound {
		t.Errorf("the removed photo: %d", p.code)
	}
	// An address no photo has.
	if p := e.browser(t).get("/photos/" + strings.Repeat("0", 64) + ".png"); p.code != http.StatusNotFound {
		t.Errorf("an unknown photo: %d", p.code)
	}
}

func TestOfficeCreatesRetailers(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	office.get("/console/office/retailers")
	shop := url.Values{"retailer.id": {"CH-OCOP-BIM-SON"}, "retailer.name": {"Cửa hàng OCOP Bỉm Sơn"}, "retailer.address.province": {"Thanh Hóa"}, "retailer.address.commune": {"Phường Bỉm Sơn"}, "retailer.tax_code": {"28"}}
	p := office.post("/console/office/retailers", shop)
	if p.code != http.StatusBadRequest || !strings.Contains(fieldError(p.body, "retailer.tax_code"), "không phải 10 chữ số") {
		t.Errorf("a bad tax code: %d %q", p.code, fieldError(p.body, "retailer.tax_code"))
	}
	shop.Del("retailer.tax_code")
	p = office.post("/console/office/retailers", shop)
	if p.code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.code, p.body)
	}
	if p := office.get(p.location); !strings.Contains(p.body, "Đã thêm cửa hàng.") || !strings.Contains(p.body, "Cửa hàng OCOP Bỉm Sơn") {
		t.Error("the shop list lacks the new shop")
	}
}

package console

import (
	"net/http"
	"strconv"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

// officeProductRoutes are the office's pages of products and their
// certificates.
func officeProductRoutes() []Route {
	const one = officeHome + "/products/{product}"
	return []Route{
		{Method: "GET", Path: officeHome + "/products", Roles: office, serve: (*Handler).productsPage},
		{Method: "POST", Path: officeHome + "/products", Roles: office, serve: (*Handler).createProduct},
		{Method: "GET", Path: one, Roles: office, serve: (*Handler).productPage},
		{Method: "POST", Path: one + "/details", Roles: office, serve: (*Handler).saveProductDetails},
		{Method: "POST", Path: one + "/renew", Roles: office, serve: (*Handler).renewCertificate},
		{Method: "POST", Path: one + "/revoke", Roles: office, serve: (*Handler).revokeCertificate},
	}
}

// The forms of products, their fields named as the service names them.
var (
	productFields = []string{
		"product.producer_id", "product.id", "product.name", "product.group", "product.star_grade",
		"product.certificate.decision_number", "product.certificate.decision_date", "product.certificate.valid_until",
		"product.certificate.authority", "product.description", "photo", "product.gtin",
	}
	detailFields  = []string{"description", "photo", "photo.remove"}
	renewalFields = []string{
		"renewal.star_grade", "renewal.certificate.decision_number", "renewal.certificate.decision_date",
		"renewal.certificate.valid_until", "renewal.certificate.authority", "renewal.force",
	}
	revocationFields = []string{"revocation.reason"}
)

// productRow is a product as the office's lists show it: its certificate's
// status in words and in a badge's tone, and the days it has left.
type productRow struct {
	*estampv1.Product
	Status string
	// Tone is the badge's, as on a producer's pages: bad (revoked or
	// expired), warn (in force, with fewer than ocop.ExpiryNotice days
	// left) or ok.
	Tone string
	// DaysLeft counts the days after today the certificate is in force:
	// 0 on its last day. Set only for a certificate in force.
	DaysLeft int
	InForce  bool
}

// productRows are products as the office's lists show them today.
func (h *Handler) productRows(rq *Request, list []*estampv1.Product) []productRow {
	rows := make([]productRow, len(list))
	for i, p := range list {
		rows[i] = h.productRow(rq, p)
	}
	return rows
}

func (h *Handler) productRow(rq *Request, p *estampv1.Product) productRow {
	c := p.GetCertificate()
	row := productRow{Product: p, Status: ocop.StatusName(c.GetStatus(), rq.Lang), Tone: "bad"}
	if c.GetStatus() == estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE {
		row.DaysLeft, row.InForce = daysLeft(c.GetValidUntil(), h.cfg.Now())
		row.Tone = "ok"
		if row.DaysLeft < ocop.ExpiryNotice {
			row.Tone = "warn"
		}
	}
	return row
}

// daysLeft is how many days after today in Vietnam a certificate valid
// until (an API date) stays in force; false when the date is not one.
func daysLeft(until string, now time.Time) (int, bool) {
	end, err := time.Parse(ocop.DateLayout, until)
	if err != nil {
		return 0, false
	}
	return int(end.Sub(ocop.Today(now)).Hours() / 24), true
}

// productChoices are what the product forms choose from, in the reader's
// language.
type productChoices struct {
	Producers   []*estampv1.Producer
	Groups      []option
	Grades      []option
	Authorities []option
}

func (h *Handler) productChoices(rq *Request, producers []*estampv1.Producer) productChoices {
	c := productChoices{
		Producers:   producers,
		Groups:      enumOptions(estampv1.ProductGroup_name, ocop.GroupName, rq.Lang),
		Authorities: enumOptions(estampv1.CertifyingAuthority_name, ocop.AuthorityName, rq.Lang),
	}
	for g := 1; g <= 5; g++ {
		c.Grades = append(c.Grades, option{Value: strconv.Itoa(g), Label: stars(g)})
	}
	return c
}

// stars draws a grade as the stamp page does: 4★.
func stars(g int) string { return strconv.Itoa(g) + "★" }

type productsData struct {
	Products []productRow
	// ProducerNames name the products' producers by id.
	ProducerNames map[string]string
	Next          string
	Choices       productChoices
	Form          *form
}

func (h *Handler) productsData(rq *Request, f *form) (*productsData, error) {
	ctx := rq.Ctx()
	list, err := h.api.registry.ListProducts(ctx, &estampv1.ListProductsRequest{PageSize: listSize, PageToken: rq.R.URL.Query().Get("page")})
	if err != nil {
		return nil, err
	}
	producers, err := h.api.registry.ListProducers(ctx, &estampv1.ListProducersRequest{PageSize: 1000})
	if err != nil {
		return nil, err
	}
	d := &productsData{Products: h.productRows(rq, list.Products), ProducerNames: map[string]string{}, Next: list.NextPageToken, Choices: h.productChoices(rq, producers.Producers), Form: f}
	for _, p := range producers.Producers {
		d.ProducerNames[p.Id] = p.Name
	}
	return d, nil
}

func (h *Handler) productsPage(rq *Request) error {
	f := newForm(productFields...)
	// The producer page's link to add one of its products.
	f.values["product.producer_id"] = rq.R.URL.Query().Get("producer")
	d, err := h.productsData(rq, f)
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "office/products", &Page{Title: "nav.office.products", Data: d})
}

// certificateOf reads a certificate's fields of a form, under prefix
// ("product" or "renewal").
func certificateOf(rq *Request, f *form, prefix string) (*estampv1.Certificate, error) {
	p := prefix + ".certificate."
	decided, err := formDate(rq.R, p+"decision_date")
	if err != nil {
		return nil, err
	}
	until, err := formDate(rq.R, p+"valid_until")
	if err != nil {
		return nil, err
	}
	return &estampv1.Certificate{
		DecisionNumber: f.Value(p + "decision_number"), DecisionDate: decided, ValidUntil: until,
		Authority: estampv1.CertifyingAuthority(enumValue(f.Value(p + "authority"))),
	}, nil
}

func (h *Handler) createProduct(rq *Request) error {
	f := readForm(rq.R, productFields...)
	// A description keeps its paragraphs: read as typed.
	f.values["product.description"] = rq.R.PostFormValue("product.description")
	showAgain := func(err error) error {
		problem, ok := h.refused(rq, err, f)
		if !ok {
			return err
		}
		d, derr := h.productsData(rq, f)
		if derr != nil {
			return derr
		}
		return h.render(rq, http.StatusBadRequest, "office/products", &Page{Title: "nav.office.products", Data: d, Problem: problem})
	}
	cert, err := certificateOf(rq, f, "product")
	if err != nil {
		return showAgain(err)
	}
	img, err := upload(rq.R, "photo")
	if err != nil {
		return err
	}
	v := f.Value
	resp, err := h.api.registry.CreateProduct(rq.Ctx(), &estampv1.CreateProductRequest{Product: &estampv1.Product{
		ProducerId: v("product.producer_id"), Id: v("product.id"), Name: v("product.name"),
		Group: estampv1.ProductGroup(enumValue(v("product.group"))), StarGrade: enumValue(v("product.star_grade")),
		Certificate: cert, Description: v("product.description"), Gtin: v("product.gtin"),
	}})
	if err != nil {
		return showAgain(err)
	}
	id := resp.Product.Id
	if img != nil {
		if _, err := h.api.registry.SetProductPhoto(rq.Ctx(), &estampv1.SetProductPhotoRequest{ProductId: id, Photo: img}); err != nil {
			// The product is there; its page says so, with the photo's
			// refusal next to the photo field.
			details := newForm(detailFields...)
			details.values["description"] = resp.Product.Description
			problem, ok := h.refused(rq, err, details)
			if !ok {
				return err
			}
			d, derr := h.productData(rq, id)
			if derr != nil {
				return derr
			}
			d.Details = details
			return h.render(rq, http.StatusBadRequest, "office/product", &Page{Title: "products.page", Data: d, Notice: h.words.say(rq.Lang, "products.created"), Problem: problem})
		}
	}
	http.Redirect(rq.W, rq.R, productPath(id)+"?done=created", http.StatusSeeOther)
	return nil
}

func productPath(id string) string { return officeHome + "/products/" + id }

type productData struct {
	productRow
	Producer *estampv1.Producer
	Choices  productChoices
	Details  *form
	Renewal  *form
	Revoke   *form
	// Revoked is what every stamp of the product says to buyers once
	// its certificate is revoked: the confirmation names it.
	Revoked string
}

func (h *Handler) productData(rq *Request, id string) (*productData, error) {
	ctx := rq.Ctx()
	p, err := h.api.registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: id})
	if err != nil {
		return nil, err
	}
	producer, err := h.api.registry.GetProducer(ctx, &estampv1.GetProducerRequest{Id: p.Product.ProducerId})
	if err != nil {
		return nil, err
	}
	d := &productData{
		productRow: h.productRow(rq, p.Product), Producer: producer.Producer, Choices: h.productChoices(rq, nil),
		Details: newForm(detailFields...), Renewal: newForm(renewalFields...), Revoke: newForm(revocationFields...),
		Revoked: verdict.Tell(estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, nil).Headline.In(rq.Lang),
	}
	d.Details.values["description"] = p.Product.Description
	// A renewal most often keeps the grade.
	d.Renewal.values["renewal.star_grade"] = strconv.Itoa(int(p.Product.StarGrade))
	return d, nil
}

func (h *Handler) productPage(rq *Request) error {
	d, err := h.productData(rq, rq.R.PathValue("product"))
	if err != nil {
		return err
	}
	notice := h.done(rq, map[string]string{
		"created": "products.created", "details": "products.details.saved", "renewed": "products.renewed", "revoked": "products.revoked",
	})
	return h.render(rq, http.StatusOK, "office/product", &Page{Title: "products.page", Data: d, Notice: notice})
}

// productFormRefused shows the product page again with one of its forms
// refused: pick puts the refused form in its place.
func (h *Handler) productFormRefused(rq *Request, err error, f *form, pick func(*productData) **form) error {
	problem, ok := h.refused(rq, err, f)
	if !ok {
		return err
	}
	return h.productFormAgain(rq, f, problem, pick)
}

func (h *Handler) productFormAgain(rq *Request, f *form, problem string, pick func(*productData) **form) error {
	d, err := h.productData(rq, rq.R.PathValue("product"))
	if err != nil {
		return err
	}
	*pick(d) = f
	return h.render(rq, http.StatusBadRequest, "office/product", &Page{Title: "products.page", Data: d, Problem: problem})
}

// saveProductDetails sets what buyers read of a product: its description
// and its photo (a new file, or none when "remove" is ticked). The
// description is sent as it stands: the service writes only a change.
func (h *Handler) saveProductDetails(rq *Request) error {
	id := rq.R.PathValue("product")
	f := readForm(rq.R, detailFields...)
	f.values["description"] = rq.R.PostFormValue("description")
	details := func(d *productData) **form { return &d.Details }
	ctx := rq.Ctx()
	if _, err := h.api.registry.SetProductDescription(ctx, &estampv1.SetProductDescriptionRequest{ProductId: id, Description: f.Value("description")}); err != nil {
		return h.productFormRefused(rq, err, f, details)
	}
	img, err := upload(rq.R, "photo")
	if err != nil {
		return err
	}
	if img != nil || f.Value("photo.remove") == "yes" {
		if _, err := h.api.registry.SetProductPhoto(ctx, &estampv1.SetProductPhotoRequest{ProductId: id, Photo: img}); err != nil {
			return h.productFormRefused(rq, err, f, details)
		}
	}
	http.Redirect(rq.W, rq.R, productPath(id)+"?done=details", http.StatusSeeOther)
	return nil
}

func (h *Handler) renewCertificate(rq *Request) error {
	id := rq.R.PathValue("product")
	f := readForm(rq.R, renewalFields...)
	renewal := func(d *productData) **form { return &d.Renewal }
	if !h.confirmed(rq, f) {
		return h.productFormAgain(rq, f, "", renewal)
	}
	cert, err := certificateOf(rq, f, "renewal")
	if err != nil {
		return h.productFormRefused(rq, err, f, renewal)
	}
	_, err = h.api.registry.UpdateCertification(rq.Ctx(), &estampv1.UpdateCertificationRequest{ProductId: id,
		Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: &estampv1.Renewal{StarGrade: enumValue(f.Value("renewal.star_grade")), Certificate: cert}},
		Force:  f.Value("renewal.force") == "yes"})
	if err != nil {
		return h.productFormRefused(rq, err, f, renewal)
	}
	http.Redirect(rq.W, rq.R, productPath(id)+"?done=renewed", http.StatusSeeOther)
	return nil
}

func (h *Handler) revokeCertificate(rq *Request) error {
	id := rq.R.PathValue("product")
	f := readForm(rq.R, revocationFields...)
	revoke := func(d *productData) **form { return &d.Revoke }
	if !h.confirmed(rq, f) {
		return h.productFormAgain(rq, f, "", revoke)
	}
	_, err := h.api.registry.UpdateCertification(rq.Ctx(), &estampv1.UpdateCertificationRequest{ProductId: id,
		Change: &estampv1.UpdateCertificationRequest_Revocation{Revocation: &estampv1.Revocation{Reason: f.Value("revocation.reason")}}})
	if err != nil {
		return h.productFormRefused(rq, err, f, revoke)
	}
	http.Redirect(rq.W, rq.R, productPath(id)+"?done=revoked", http.StatusSeeOther)
	return nil
}

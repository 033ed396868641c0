package console

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// producers is the producer role: every producer page lists it.
var producers = []estampv1.Role{estampv1.Role_ROLE_PRODUCER}

// Addresses of a producer's pages.
const (
	producerProducts = producerHome + "/products"
	producerBatches  = producerHome + "/batches"
	producerScans    = producerHome + "/scans"
)

// producerRoutes are a producer's pages. Pages that name a product or a
// batch ask the services for it as the person first: another producer's
// record is refused there, before any form on the page is read.
func producerRoutes() []Route {
	return []Route{
		{Method: "GET", Path: producerHome, Roles: producers, serve: (*Handler).producerHome},
		{Method: "GET", Path: producerProducts, Roles: producers, serve: (*Handler).myProductsPage},
		{Method: "GET", Path: producerProducts + "/{product}", Roles: producers, serve: (*Handler).myProductPage},
		{Method: "GET", Path: producerBatches, Roles: producers, serve: (*Handler).batchesPage},
		{Method: "GET", Path: producerBatches + "/new", Roles: producers, serve: (*Handler).issueForm},
		{Method: "POST", Path: producerBatches, Roles: producers, serve: (*Handler).issueBatch},
		// A roll printed ahead is activated from its page with the camera.
		{Method: "GET", Path: producerBatches + "/{batch}", Roles: producers, Script: true, serve: (*Handler).batchPage},
		{Method: "POST", Path: producerBatches + "/{batch}/activate", Roles: producers, Script: true, serve: (*Handler).activateStamps},
		{Method: "POST", Path: producerBatches + "/{batch}/revoke", Roles: producers, serve: (*Handler).revokeStamps},
		{Method: "GET", Path: producerBatches + "/{batch}/labels/preview", Roles: producers, serve: (*Handler).labelPreview},
		{Method: "POST", Path: producerBatches + "/{batch}/labels", Roles: producers, serve: (*Handler).startLabels},
		{Method: "GET", Path: producerBatches + "/{batch}/labels/{job}", Roles: producers, serve: (*Handler).labelJob},
		{Method: "GET", Path: producerBatches + "/{batch}/labels/{job}/file", Roles: producers, serve: (*Handler).labelFile},
		{Method: "GET", Path: producerScans, Roles: producers, serve: (*Handler).scansPage},
	}
}

// producerOf is the signed-in producer's id.
func producerOf(rq *Request) string { return rq.Session.Account.ProducerId }

// myProducts are the signed-in producer's products, every page of them:
// a producer has a handful.
func (h *Handler) myProducts(rq *Request) ([]*estampv1.Product, error) {
	var out []*estampv1.Product
	req := &estampv1.ListProductsRequest{ProducerId: producerOf(rq), PageSize: 1000}
	for {
		resp, err := h.api.registry.ListProducts(rq.Ctx(), req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Products...)
		if resp.NextPageToken == "" {
			return out, nil
		}
		req.PageToken = resp.NextPageToken
	}
}

// batchesOf are a product's batches, every page of them, newest first.
func (h *Handler) batchesOf(rq *Request, productID string) ([]*estampv1.Batch, error) {
	var out []*estampv1.Batch
	req := &estampv1.ListBatchesRequest{ProductId: productID, PageSize: 1000}
	for {
		resp, err := h.api.issuance.ListBatches(rq.Ctx(), req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Batches...)
		if resp.NextPageToken == "" {
			break
		}
		req.PageToken = resp.NextPageToken
	}
	newestFirst(out)
	return out, nil
}

// newestFirst sorts batches by id, which the server assigns in the order
// it issues them.
func newestFirst(bs []*estampv1.Batch) {
	slices.SortFunc(bs, func(a, b *estampv1.Batch) int { return cmp.Compare(b.Id, a.Id) })
}

// myBatches are the batches of all the producer's products, newest first.
func (h *Handler) myBatches(rq *Request, products []*estampv1.Product) ([]batchRow, error) {
	var all []*estampv1.Batch
	for _, p := range products {
		bs, err := h.batchesOf(rq, p.Id)
		if err != nil {
			return nil, err
		}
		all = append(all, bs...)
	}
	newestFirst(all)
	return h.batchRows(all, products), nil
}

// myProductRow is a product with its certificate as a person reads it.
type myProductRow struct {
	*estampv1.Product
	Cert certBadge
}

// badge is a state in words and colour: its class is ok, warn or bad
// (console.css).
type badge struct{ Class, Text string }

// certBadge is a certificate's status: revoked and expired are bad,
// fewer than ocop.ExpiryNotice days left a warning.
type certBadge struct {
	badge
	// Active is a certificate in force.
	Active bool
}

func (h *Handler) certBadge(rq *Request, c *estampv1.Certificate) certBadge {
	say := func(key string) string { return h.words.say(rq.Lang, key) }
	switch c.GetStatus() {
	case estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
		return certBadge{badge: badge{"bad", say("producer.cert.revoked")}}
	case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
		return certBadge{badge: badge{"bad", h.fmtWords(rq, "producer.cert.expired", ocop.ShowDate(c.GetValidUntil(), rq.Lang))}}
	}
	left, _ := daysLeft(c.GetValidUntil(), h.cfg.Now())
	b := certBadge{badge: badge{"ok", h.fmtWords(rq, "producer.cert.days", left)}, Active: true}
	if left < ocop.ExpiryNotice {
		b.Class = "warn"
	}
	return b
}

func (h *Handler) myProductRows(rq *Request, products []*estampv1.Product) []myProductRow {
	rows := make([]myProductRow, len(products))
	for i, p := range products {
		rows[i] = myProductRow{Product: p, Cert: h.certBadge(rq, p.Certificate)}
	}
	return rows
}

// Stars is a star grade drawn: ★★★★.
func (p myProductRow) Stars() string { return starGlyphs(p.StarGrade) }

// starGlyphs draws a grade as stars (★★★★), as the producer's lists show it.
func starGlyphs(n int32) string { return strings.Repeat("★", int(max(0, min(n, 5)))) }

// batchRow is a batch with what a list shows beside it.
type batchRow struct {
	*estampv1.Batch
	ProductName string
}

// Stars is the grade the batch's stamps claim, drawn.
func (b batchRow) Stars() string { return starGlyphs(b.StarGrade) }

// LastSerial is the batch's last stamp's serial.
func (b batchRow) LastSerial() uint64 { return b.FirstSerial + uint64(b.Quantity) - 1 }

func (h *Handler) batchRows(bs []*estampv1.Batch, products []*estampv1.Product) []batchRow {
	names := map[string]string{}
	for _, p := range products {
		names[p.Id] = p.Name
	}
	rows := make([]batchRow, len(bs))
	for i, b := range bs {
		rows[i] = batchRow{Batch: b, ProductName: cmp.Or(names[b.ProductId], b.ProductId)}
	}
	return rows
}

// batchPath is a batch's page.
func batchPath(id uint64) string { return producerBatches + "/" + strconv.FormatUint(id, 10) }

type producerHomeData struct {
	Producer *estampv1.Producer
	Products []myProductRow
	Latest   []batchRow
	// Batches and Stamps are counts of all the producer's batches.
	Batches int
	Stamps  uint64
}

// homeLatest is how many batches the home page shows.
const homeLatest = 5

func (h *Handler) producerHome(rq *Request) error {
	prod, err := h.api.registry.GetProducer(rq.Ctx(), &estampv1.GetProducerRequest{Id: producerOf(rq)})
	if err != nil {
		return err
	}
	products, err := h.myProducts(rq)
	if err != nil {
		return err
	}
	batches, err := h.myBatches(rq, products)
	if err != nil {
		return err
	}
	d := &producerHomeData{Producer: prod.Producer, Products: h.myProductRows(rq, products), Batches: len(batches)}
	for _, b := range batches {
		d.Stamps += uint64(b.Quantity)
	}
	d.Latest = batches[:min(homeLatest, len(batches))]
	return h.render(rq, http.StatusOK, "producer/home", &Page{Title: "nav.producer.home", Data: d})
}

package console

import (
	"net/http"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

func (h *Handler) myProductsPage(rq *Request) error {
	products, err := h.myProducts(rq)
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "producer/products", &Page{Title: "nav.producer.products", Data: h.myProductRows(rq, products)})
}

type myProductData struct {
	Product myProductRow
	Batches []batchRow
}

func (h *Handler) myProductPage(rq *Request) error {
	resp, err := h.api.registry.GetProduct(rq.Ctx(), &estampv1.GetProductRequest{Id: rq.R.PathValue("product")})
	if err != nil {
		return err
	}
	p := resp.Product
	batches, err := h.batchesOf(rq, p.Id)
	if err != nil {
		return err
	}
	d := &myProductData{Product: myProductRow{Product: p, Cert: h.certBadge(rq, p.Certificate)}, Batches: h.batchRows(batches, []*estampv1.Product{p})}
	return h.render(rq, http.StatusOK, "producer/product", &Page{Title: "nav.producer.products", Data: d})
}

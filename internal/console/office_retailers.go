package console

import (
	"net/http"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// officeRetailerRoutes are the office's pages of shops.
func officeRetailerRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome + "/retailers", Roles: office, serve: (*Handler).retailersPage},
		{Method: "POST", Path: officeHome + "/retailers", Roles: office, serve: (*Handler).createRetailer},
	}
}

// retailerFields are the create form's fields, named as the service
// names them.
var retailerFields = []string{
	"retailer.id", "retailer.name", "retailer.tax_code", "retailer.gln",
	"retailer.address.province", "retailer.address.commune", "retailer.address.street", "retailer.address.legacy_district",
}

type retailersData struct {
	Retailers []*estampv1.Retailer
	Next      string
	Form      *form
}

func (h *Handler) retailersData(rq *Request, f *form) (*retailersData, error) {
	list, err := h.api.registry.ListRetailers(rq.Ctx(), &estampv1.ListRetailersRequest{PageSize: listSize, PageToken: rq.R.URL.Query().Get("page")})
	if err != nil {
		return nil, err
	}
	return &retailersData{Retailers: list.Retailers, Next: list.NextPageToken, Form: f}, nil
}

func (h *Handler) retailersPage(rq *Request) error {
	d, err := h.retailersData(rq, newForm(retailerFields...))
	if err != nil {
		return err
	}
	notice := h.done(rq, map[string]string{"created": "retailers.created"})
	return h.render(rq, http.StatusOK, "office/retailers", &Page{Title: "nav.office.retailers", Data: d, Notice: notice})
}

func (h *Handler) createRetailer(rq *Request) error {
	f := readForm(rq.R, retailerFields...)
	v := f.Value
	_, err := h.api.registry.CreateRetailer(rq.Ctx(), &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
		Id: v("retailer.id"), Name: v("retailer.name"), TaxCode: v("retailer.tax_code"), Gln: v("retailer.gln"),
		Address: &estampv1.Address{
			Province: v("retailer.address.province"), Commune: v("retailer.address.commune"),
			Street: v("retailer.address.street"), LegacyDistrict: v("retailer.address.legacy_district"),
		},
	}})
	if err != nil {
		problem, ok := h.refused(rq, err, f)
		if !ok {
			return err
		}
		d, derr := h.retailersData(rq, f)
		if derr != nil {
			return derr
		}
		return h.render(rq, http.StatusBadRequest, "office/retailers", &Page{Title: "nav.office.retailers", Data: d, Problem: problem})
	}
	http.Redirect(rq.W, rq.R, officeHome+"/retailers?done=created", http.StatusSeeOther)
	return nil
}

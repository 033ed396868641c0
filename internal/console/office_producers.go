package console

import (
	"net/http"
	"slices"
	"strconv"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// officeProducerRoutes are the office's pages of producers.
func officeProducerRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome + "/producers", Roles: office, serve: (*Handler).producersPage},
		{Method: "POST", Path: officeHome + "/producers", Roles: office, serve: (*Handler).createProducer},
		{Method: "GET", Path: officeHome + "/producers/{producer}", Roles: office, serve: (*Handler).producerPage},
	}
}

// listSize is how many records a list page shows: a province's registry
// (hundreds) on one page, more behind a link.
const listSize = 200

// producerFields are the create form's fields, named as the service
// names them.
var producerFields = []string{
	"producer.id", "producer.name", "producer.kind", "producer.tax_code", "producer.phone", "producer.gln",
	"producer.address.province", "producer.address.commune", "producer.address.street", "producer.address.legacy_district",
	"allow_duplicate_name",
}

// option is one choice of a select.
type option struct{ Value, Label string }

// enumOptions are the values of an enum but its unspecified zero, in
// number order, each named in the reader's language by name.
func enumOptions[E ~int32](names map[int32]string, name func(E, ocop.Lang) string, lang ocop.Lang) []option {
	var nums []int32
	for n := range names {
		if n != 0 {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	out := make([]option, len(nums))
	for i, n := range nums {
		out[i] = option{Value: strconv.Itoa(int(n)), Label: name(E(n), lang)}
	}
	return out
}

// enumValue reads an enum's number from a form; 0 (unspecified, which
// the service refuses or defaults as its rules say) for anything else.
func enumValue(s string) int32 {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

type producersData struct {
	Producers []*estampv1.Producer
	// Next is the next page's token; "" on the last page.
	Next  string
	Kinds []option
	Form  *form
}

func (h *Handler) producersData(rq *Request, f *form) (*producersData, error) {
	list, err := h.api.registry.ListProducers(rq.Ctx(), &estampv1.ListProducersRequest{PageSize: listSize, PageToken: rq.R.URL.Query().Get("page")})
	if err != nil {
		return nil, err
	}
	return &producersData{
		Producers: list.Producers, Next: list.NextPageToken, Form: f,
		Kinds: enumOptions(estampv1.ProducerKind_name, ocop.KindName, rq.Lang),
	}, nil
}

func (h *Handler) producersPage(rq *Request) error {
	d, err := h.producersData(rq, newForm(producerFields...))
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "office/producers", &Page{Title: "nav.office.producers", Data: d})
}

func (h *Handler) createProducer(rq *Request) error {
	f := readForm(rq.R, producerFields...)
	v := f.Value
	resp, err := h.api.registry.CreateProducer(rq.Ctx(), &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: v("producer.id"), Name: v("producer.name"), Kind: estampv1.ProducerKind(enumValue(v("producer.kind"))),
		TaxCode: v("producer.tax_code"), Phone: v("producer.phone"), Gln: v("producer.gln"),
		Address: &estampv1.Address{
			Province: v("producer.address.province"), Commune: v("producer.address.commune"),
			Street: v("producer.address.street"), LegacyDistrict: v("producer.address.legacy_district"),
		},
	}, AllowDuplicateName: v("allow_duplicate_name") == "yes"})
	if err != nil {
		problem, ok := h.refused(rq, err, f)
		if !ok {
			return err
		}
		d, derr := h.producersData(rq, f)
		if derr != nil {
			return derr
		}
		return h.render(rq, http.StatusBadRequest, "office/producers", &Page{Title: "nav.office.producers", Data: d, Problem: problem})
	}
	http.Redirect(rq.W, rq.R, officeHome+"/producers/"+resp.Producer.Id+"?done=created", http.StatusSeeOther)
	return nil
}

type producerData struct {
	Producer *estampv1.Producer
	Products []productRow
	Accounts []*estampv1.Account
	// Account is the form that makes an account for the producer.
	Account *form
}

func (h *Handler) producerPage(rq *Request) error {
	ctx, id := rq.Ctx(), rq.R.PathValue("producer")
	p, err := h.api.registry.GetProducer(ctx, &estampv1.GetProducerRequest{Id: id})
	if err != nil {
		return err
	}
	products, err := h.api.registry.ListProducts(ctx, &estampv1.ListProductsRequest{ProducerId: id, PageSize: 1000})
	if err != nil {
		return err
	}
	accounts, err := h.api.admin.ListAccounts(ctx, &estampv1.ListAccountsRequest{PageSize: 1000})
	if err != nil {
		return err
	}
	d := &producerData{Producer: p.Producer, Products: h.productRows(rq, products.Products), Account: newForm("username", "display_name")}
	for _, a := range accounts.Accounts {
		if a.ProducerId == id {
			d.Accounts = append(d.Accounts, a)
		}
	}
	notice := h.done(rq, map[string]string{"created": "producers.created"})
	return h.render(rq, http.StatusOK, "office/producer", &Page{Title: "producers.page", Data: d, Notice: notice})
}

package console

import (
	"encoding/json"
	"net/http"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

// Where the till is.
const (
	shopSale     = shopHome + "/sale"
	shopSaleScan = shopSale + "/scan"
)

// shopSaleRoutes are the till: one code at a time, typed by a handheld
// scanner into the form, or read by the phone's camera, whose script
// sells through shopSaleScan and keeps the camera on.
func shopSaleRoutes() []Route {
	return []Route{
		{Method: "GET", Path: shopSale, Roles: shops, Script: true, serve: (*Handler).salePage},
		{Method: "POST", Path: shopSale, Roles: shops, Script: true, serve: (*Handler).sellForm},
		{Method: "POST", Path: shopSaleScan, Roles: shops, serve: (*Handler).sellScan},
	}
}

// saleForm is the till's form, and the outcome of the code sold last.
type saleForm struct {
	// Key marks this sending of the form: sent twice (a double tap, a
	// reload), the same sale is told SOLD again, not a copy.
	Key     string
	Outcome *saleOutcome
}

// saleOutcome is one code's sale as the till shows it: big, in the tone
// of the stamp page, with what to do when it is not a clean sale.
type saleOutcome struct {
	// Kind is the outcome's API name, for scripts and tests.
	Kind     string       `json:"kind"`
	Tone     verdict.Tone `json:"tone"`
	Icon     string       `json:"icon"`
	Headline string       `json:"headline"`
	// Detail is the sentence the service gave: where and when a stamp
	// was sold before, a revocation's reason.
	Detail string `json:"detail"`
	// Item is the product, lot and serial, when the code is an issued
	// stamp: the clerk checks it against the goods in hand.
	Item string `json:"item"`
	// Advice says what to do with goods that were not sold cleanly.
	Advice string `json:"advice"`
}

func (h *Handler) salePage(rq *Request) error {
	key, err := h.requestID()
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "shop/sale", &Page{Title: "nav.shop.sale", Data: &saleForm{Key: key}})
}

// sellForm sells the code of the form, typed or scanned, and shows the
// till again with its outcome and a fresh key for the next code.
func (h *Handler) sellForm(rq *Request) error {
	code, key := strings.TrimSpace(rq.R.PostFormValue("code")), rq.R.PostFormValue("sale_key")
	next, err := h.requestID()
	if err != nil {
		return err
	}
	form := &saleForm{Key: next}
	if code == "" {
		return h.render(rq, http.StatusBadRequest, "shop/sale", &Page{Title: "nav.shop.sale", Data: form,
			Errors: map[string]string{"code": h.words.say(rq.Lang, "shop.sale.none")}})
	}
	o, err := h.sell(rq, code, key)
	if err != nil {
		fields, ok := h.formErrors(rq, err)
		if !ok {
			return err
		}
		return h.render(rq, http.StatusBadRequest, "shop/sale", &Page{Title: "nav.shop.sale", Data: form, Errors: fields, Problem: fields[""]})
	}
	form.Outcome = o
	return h.render(rq, http.StatusOK, "shop/sale", &Page{Title: "nav.shop.sale", Data: form})
}

// sellScan sells a code the camera read: POST code and key as a form, get
// the outcome as JSON (saleOutcome), which scan.js shows on the page.
func (h *Handler) sellScan(rq *Request) error {
	o, err := h.sell(rq, rq.R.PostFormValue("code"), rq.R.PostFormValue("key"))
	if err != nil {
		return err
	}
	rq.W.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(rq.W).Encode(o)
}

// sell records the sale of one code as the signed-in shop.
func (h *Handler) sell(rq *Request, code, key string) (*saleOutcome, error) {
	resp, err := h.api.custody.RecordSale(rq.Ctx(), &estampv1.RecordSaleRequest{RetailerId: retailerOf(rq), Codes: []string{code}, RequestId: key})
	if err != nil {
		return nil, err
	}
	return h.saleOutcome(rq, resp.Items[0]), nil
}

// saleOutcome tells one code's sale: sold; sold before (the service's
// sentence says where and when); or what the code is when it is no
// genuine stamp, in the stamp page's headline.
func (h *Handler) saleOutcome(rq *Request, it *estampv1.IntakeItem) *saleOutcome {
	o := &saleOutcome{Kind: it.Verdict.String(), Detail: it.Message}
	if rq.Lang == ocop.EN {
		o.Detail = it.MessageEn
	}
	switch it.Verdict {
	case estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD:
		o.Tone, o.Headline = verdict.ToneOK, h.words.say(rq.Lang, "shop.sale.sold")
	case estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY:
		o.Tone, o.Headline = verdict.ToneBad, h.words.say(rq.Lang, "shop.sale.before")
	default:
		o.Tone, o.Headline = toneOf(it.Verdict), verdict.Tell(verdictOf(it.Verdict), nil).Headline.In(rq.Lang)
	}
	if o.Tone != verdict.ToneOK {
		o.Advice = h.words.say(rq.Lang, "shop.sale.keep")
	}
	o.Icon = map[verdict.Tone]string{verdict.ToneOK: "✓", verdict.ToneWarn: "!", verdict.ToneBad: "✗"}[o.Tone]
	if it.ProductName != "" {
		o.Item = lotLabel(it.ProductName, h.words.say(rq.Lang, "shop.lot"), it.Lot) + " · " + h.words.say(rq.Lang, "shop.serial") + " " + ocop.ShowSerial(it.Serial)
	}
	return o
}

// verdictOf is the verdict an intake outcome that is a verdict's stands
// for; MALFORMED for intake's own.
func verdictOf(v estampv1.IntakeVerdict) estampv1.Verdict {
	for vd := range estampv1.Verdict_name {
		if verdict.IntakeOf(estampv1.Verdict(vd)) == v {
			return estampv1.Verdict(vd)
		}
	}
	return estampv1.Verdict_VERDICT_MALFORMED
}

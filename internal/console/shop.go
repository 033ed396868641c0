package console

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
	"github.com/ocopvn/estamp/internal/verify"
)

// shops is the retailer role: every shop page lists it.
var shops = []estampv1.Role{estampv1.Role_ROLE_RETAILER}

// Where a shop's pages are.
const (
	shopLookup     = shopHome + "/lookup"
	shopDeliveries = shopHome + "/deliveries"
)

// shopRoutes are a shop's pages: intake, with the camera, and the
// deliveries it received.
func shopRoutes() []Route {
	return []Route{
		{Method: "GET", Path: shopHome, Roles: shops, Script: true, serve: (*Handler).intakePage},
		// The form comes back with its errors, camera and all.
		{Method: "POST", Path: shopHome, Roles: shops, Script: true, serve: (*Handler).receive},
		{Method: "POST", Path: shopLookup, Roles: shops, serve: (*Handler).lookup},
		{Method: "GET", Path: shopDeliveries, Roles: shops, serve: (*Handler).deliveriesPage},
		{Method: "GET", Path: shopDeliveries + "/{delivery}", Roles: shops, serve: (*Handler).deliveryPage},
	}
}

// retailerOf is the signed-in shop's retailer id: every call a shop page
// makes names it, and the access table admits that one only.
func retailerOf(rq *Request) string { return rq.Session.Account.RetailerId }

// intakeForm is what the intake form shows again when it comes back with
// errors.
type intakeForm struct {
	Codes, Reference string
	// Key marks one sending of the form (sentDeliveries).
	Key string
}

func (h *Handler) intakePage(rq *Request) error {
	key, err := h.requestID()
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "shop/intake", &Page{Title: "nav.shop.intake", Data: &intakeForm{Key: key}})
}

// codeLines are the codes of the form, one a line as a handheld scanner
// types them. Blank lines stay, so that an outcome's line (IntakeItem.line)
// is the line the clerk sees in the box; the service skips them.
func codeLines(text string) []string {
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), " \t\r\n")
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func (h *Handler) receive(rq *Request) error {
	form := &intakeForm{Codes: rq.R.PostFormValue("codes"), Reference: strings.TrimSpace(rq.R.PostFormValue("reference")), Key: rq.R.PostFormValue("intake_key")}
	again := func(fields map[string]string) error {
		return h.render(rq, http.StatusBadRequest, "shop/intake", &Page{Title: "nav.shop.intake", Data: form, Errors: fields, Problem: fields[""]})
	}
	codes := codeLines(form.Codes)
	if codes == nil {
		return again(map[string]string{"codes": h.words.say(rq.Lang, "shop.codes.none")})
	}
	if form.Key != "" {
		sent := rq.Session.Account.Username + "\x00" + form.Key
		first, id := h.sent.begin(sent)
		if !first && id != 0 {
			http.Redirect(rq.W, rq.R, shopDeliveries+"/"+strconv.FormatUint(id, 10), http.StatusSeeOther)
			return nil
		}
		var got uint64
		defer func() { h.sent.finish(sent, got) }()
		resp, err := h.api.custody.ReceiveDelivery(rq.Ctx(), &estampv1.ReceiveDeliveryRequest{RetailerId: retailerOf(rq), Codes: codes, Reference: form.Reference})
		if err == nil {
			got = resp.DeliveryId
		}
		return h.answerDelivery(rq, form, resp, err, again)
	}
	resp, err := h.api.custody.ReceiveDelivery(rq.Ctx(), &estampv1.ReceiveDeliveryRequest{RetailerId: retailerOf(rq), Codes: codes, Reference: form.Reference})
	return h.answerDelivery(rq, form, resp, err, again)
}

// answerDelivery shows what intake answered.
func (h *Handler) answerDelivery(rq *Request, form *intakeForm, resp *estampv1.ReceiveDeliveryResponse, err error, again func(map[string]string) error) error {
	if err != nil {
		fields, ok := h.formErrors(rq, err)
		if !ok {
			return err
		}
		return again(fields)
	}
	d := &deliveryView{Fresh: true, ID: resp.DeliveryId, Reference: form.Reference, Codes: len(resp.Items)}
	d.count(rq, resp.Verdicts)
	for _, l := range resp.Lots {
		d.Lots = append(d.Lots, lotView{Product: l.ProductName, Lot: l.Lot, Scanned: l.Scanned, Accepted: l.Accepted})
	}
	for _, it := range resp.Items {
		d.Rows = append(d.Rows, h.itemRow(rq, it))
	}
	d.sortRows()
	notice, problem := "", ""
	if d.Problems == 0 {
		notice = h.words.say(rq.Lang, "shop.result.allgood")
	} else {
		problem = h.words.say(rq.Lang, "shop.result.problems")
	}
	return h.render(rq, http.StatusOK, "shop/delivery", &Page{Title: "shop.result.title", Data: d, Notice: notice, Problem: problem})
}

// lookup tells the camera which product lot a code is, for its running
// count: POST the code as the body, get {"label": "…"}. It calls
// DescribeCode, which records nothing: Verify as the shop would count a
// buyer's scan every time the clerk's camera saw a label, and so make
// every stamp the shop sells look copied.
func (h *Handler) lookup(rq *Request) error {
	body, err := io.ReadAll(io.LimitReader(rq.R.Body, verify.MaxCodeLength+1))
	if err != nil {
		return err
	}
	resp, err := h.api.custody.DescribeCode(rq.Ctx(), &estampv1.DescribeCodeRequest{RetailerId: retailerOf(rq), Code: string(body)})
	if err != nil {
		return err
	}
	// A code that is no issued stamp is counted under what it is, so that
	// the clerk sees a fake among the goods before sending the form.
	label := verdict.Tell(resp.Verdict, nil).Headline.In(rq.Lang)
	if resp.ProductName != "" {
		label = lotLabel(resp.ProductName, h.words.say(rq.Lang, "shop.lot"), resp.Lot)
	}
	rq.W.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(rq.W).Encode(map[string]string{"label": label})
}

// lotLabel names a product lot as the camera's count and the result's
// lots say it: "Chè lam Phủ Quảng · Lô L-01".
func lotLabel(product, lotWord, lot string) string {
	return product + " · " + lotWord + " " + lot
}

// deliveryView is a delivery on a page: just received (the form's result,
// every code) or read back (its problem rows only).
type deliveryView struct {
	// Fresh is the result of the form just sent.
	Fresh     bool
	ID        uint64
	Reference string
	Codes     int
	// Received and Actor are known of a delivery read back.
	Received *timestamppb.Timestamp
	Actor    string
	Verdicts []countView
	// Problems is how many codes were not taken in.
	Problems int
	Lots     []lotView
	Rows     []rowView
	// LeftOut are problems beyond those the service kept.
	LeftOut uint32
}

type countView struct {
	Verdict string
	Tone    verdict.Tone
	Count   uint32
}

type lotView struct {
	Product, Lot      string
	Scanned, Accepted uint32
}

// rowView is one code's outcome in the verdict table.
type rowView struct {
	Line    uint32
	Serial  uint64
	Product string
	Lot     string
	Verdict string
	// Kind is the outcome's API name, for scripts and tests reading the
	// page.
	Kind string
	Tone verdict.Tone
	// Reason says why, in the reader's language.
	Reason  string
	Problem bool
}

// count sums up the verdicts as the page shows them.
func (d *deliveryView) count(rq *Request, counts []*estampv1.VerdictCount) {
	for _, c := range counts {
		d.Verdicts = append(d.Verdicts, countView{Verdict: verdict.IntakeLabel(c.Verdict).In(rq.Lang), Tone: toneOf(c.Verdict), Count: c.Count})
		if problem(c.Verdict) {
			d.Problems += int(c.Count)
		}
	}
}

// sortRows puts the problems first, each part in line order: a clerk
// must see the two bad codes of a delivery of 300 without scrolling.
func (d *deliveryView) sortRows() {
	slices.SortStableFunc(d.Rows, func(a, b rowView) int {
		switch {
		case a.Problem == b.Problem:
			return 0
		case a.Problem:
			return -1
		}
		return 1
	})
}

// itemRow is an outcome of the form just sent. Its sentence is the one
// package verdict gives every transport; a suspected copy also names the
// shop that received the stamp first, and when, so that the clerk knows
// whom the goods were meant for.
func (h *Handler) itemRow(rq *Request, it *estampv1.IntakeItem) rowView {
	product := it.ProductName
	if product == "" && it.IssuerName != "" {
		// Another province's stamp: its product is that province's
		// record; which province it is is what this one knows.
		product = fmt.Sprintf(h.words.say(rq.Lang, "shop.issuer"), it.IssuerName)
	}
	r := rowView{Line: it.Line, Serial: it.Serial, Product: product, Lot: it.Lot,
		Verdict: verdict.IntakeLabel(it.Verdict).In(rq.Lang), Kind: it.Verdict.String(), Tone: toneOf(it.Verdict), Problem: problem(it.Verdict),
		Reason: it.Message}
	if rq.Lang == ocop.EN {
		r.Reason = it.MessageEn
	}
	// A stamp sold before is named in the sentence itself, with its sale.
	if it.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY && (it.OtherRetailerId != "" || it.OtherRetailerName != "") && it.OtherSaleTime == nil {
		r.Reason += " " + h.otherShop(rq, it.OtherRetailerId, it.OtherRetailerName, it.OtherReceiveTime)
	}
	return r
}

// otherShop says which shop received a copied stamp first: by name where
// the service gave one, else by id; with the day where it is known.
func (h *Handler) otherShop(rq *Request, id, name string, at *timestamppb.Timestamp) string {
	if name == "" {
		name = id
	}
	if at == nil {
		return fmt.Sprintf(h.words.say(rq.Lang, "shop.copy.other"), name)
	}
	day := ocop.ShowDay(at.AsTime(), rq.Lang)
	return fmt.Sprintf(h.words.say(rq.Lang, "shop.copy.other.on"), name, day)
}

// problem reports whether an outcome keeps the stamp out of the shop: all
// but genuine stamps received now or before (Delivery.problem_count).
func problem(v estampv1.IntakeVerdict) bool {
	return v != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED && v != estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED
}

// toneOf is how loudly an intake outcome is shown: an outcome that is a
// verdict's (revoked, forged, …) in that verdict's tone, as the stamp page
// shows it; of intake's own, a re-scan is fine, a code twice in one
// delivery a slip to look at, and a copy as bad as a forgery.
func toneOf(v estampv1.IntakeVerdict) verdict.Tone {
	switch v {
	case estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED:
		return verdict.ToneOK
	case estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY:
		return verdict.ToneWarn
	case estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY:
		return verdict.ToneBad
	}
	for vd := range estampv1.Verdict_name {
		if verdict.IntakeOf(estampv1.Verdict(vd)) == v {
			return verdict.Tell(estampv1.Verdict(vd), nil).Tone
		}
	}
	return verdict.ToneBad
}

// deliveriesPageSize is a page of the deliveries list: a busy shop's week.
const deliveriesPageSize = 20

// deliveriesView is one page of the list.
type deliveriesView struct {
	Deliveries []*estampv1.Delivery
	// Next is the address of the next page; empty on the last.
	Next string
	// First is whether this is the first page.
	First bool
}

func (h *Handler) deliveriesPage(rq *Request) error {
	after := rq.R.URL.Query().Get("after")
	resp, err := h.api.insight.ListDeliveries(rq.Ctx(), &estampv1.ListDeliveriesRequest{RetailerId: retailerOf(rq), PageSize: deliveriesPageSize, PageToken: after})
	if err != nil {
		return err
	}
	d := &deliveriesView{Deliveries: resp.Deliveries, First: after == ""}
	if resp.NextPageToken != "" {
		d.Next = shopDeliveries + "?after=" + urlQueryEscape(resp.NextPageToken)
	}
	return h.render(rq, http.StatusOK, "shop/deliveries", &Page{Title: "nav.shop.deliveries", Data: d})
}

func (h *Handler) deliveryPage(rq *Request) error {
	id, err := strconv.ParseUint(rq.R.PathValue("delivery"), 10, 64)
	if err != nil || id == 0 {
		return errNotFound
	}
	resp, err := h.api.insight.GetDelivery(rq.Ctx(), &estampv1.GetDeliveryRequest{RetailerId: retailerOf(rq), DeliveryId: id})
	if err != nil {
		return err
	}
	dl := resp.Delivery
	d := &deliveryView{ID: dl.DeliveryId, Reference: dl.Reference, Codes: int(dl.Codes), Received: dl.ReceiveTime, Actor: dl.Actor, LeftOut: dl.ProblemsLeftOut}
	d.count(rq, dl.Verdicts)
	for _, p := range dl.Problems {
		d.Rows = append(d.Rows, h.problemRow(rq, p))
	}
	return h.render(rq, http.StatusOK, "shop/delivery", &Page{Title: "shop.delivery.title", Data: d})
}

// problemRow is a problem of a delivery read back. The delivery keeps
// less than the form's answer had: the product's id, not its name, and no
// sentence, so the row says the verdict's label and what was kept of why
// (the other shop by its name and day, for a copy).
func (h *Handler) problemRow(rq *Request, p *estampv1.DeliveryProblem) rowView {
	r := rowView{Line: p.Line, Serial: p.Serial, Product: p.ProductId, Lot: p.Lot,
		Verdict: verdict.IntakeLabel(p.Verdict).In(rq.Lang), Kind: p.Verdict.String(), Tone: toneOf(p.Verdict), Problem: true, Reason: p.RevocationReason}
	switch {
	case p.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || p.OtherRetailerId == "":
	case p.OtherSaleTime != nil:
		// Sold before: the sentence intake gave, from what was kept.
		name := p.OtherRetailerName
		if name == "" {
			name = p.OtherRetailerId
		}
		r.Reason = verdict.SoldBefore(name, p.OtherSaleTime.AsTime()).In(rq.Lang)
	default:
		r.Reason = h.otherShop(rq, p.OtherRetailerId, p.OtherRetailerName, p.OtherReceiveTime)
	}
	return r
}

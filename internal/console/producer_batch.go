package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
)

// batchID is the batch a path names; a path that names none is not
// found.
func batchID(rq *Request) (uint64, error) {
	id, err := strconv.ParseUint(rq.R.PathValue("batch"), 10, 64)
	if err != nil || id == 0 {
		return 0, errNotFound
	}
	return id, nil
}

// loadBatch asks for the batch a path names, as the person: another
// producer's batch is refused here.
func (h *Handler) loadBatch(rq *Request) (*estampv1.Batch, error) {
	id, err := batchID(rq)
	if err != nil {
		return nil, err
	}
	resp, err := h.api.issuance.GetBatch(rq.Ctx(), &estampv1.GetBatchRequest{Id: id})
	if err != nil {
		return nil, err
	}
	return resp.Batch, nil
}

// serialText is a serial as its label prints it, grouped in threes, so
// that a person finds it on the sticker.
func serialText(s uint64) string { return labels.SerialText(s) }

// serialRange is serials first to last, both included.
type serialRange struct{ First, Last uint64 }

// FirstText and LastText are the range's ends as labels print them.
func (r serialRange) FirstText() string { return serialText(r.First) }

// LastText is the range's last serial as its label prints it.
func (r serialRange) LastText() string { return serialText(r.Last) }

// FirstText and LastText are the batch's serial range as labels print it.
func (b batchRow) FirstText() string { return serialText(b.FirstSerial) }

// LastText is the batch's last serial as its label prints it.
func (b batchRow) LastText() string { return serialText(b.LastSerial()) }

// revoked are the stamps of one batch that the revocation list names.
type revoked struct {
	// Whole is a recall of the batch.
	Whole  bool
	Ranges []serialRange
	Count  uint64
}

// revokedOf says which stamps of batch id are revoked, and for a roll
// printed ahead which are activated: GetBatch reads both from the
// store's indexes, not from the whole revocation list.
func (h *Handler) revokedOf(rq *Request, id uint64) (revoked, []*estampv1.Activation, error) {
	var out revoked
	resp, err := h.api.issuance.GetBatch(rq.Ctx(), &estampv1.GetBatchRequest{Id: id})
	if err != nil {
		return out, nil, err
	}
	out.Whole = resp.Batch.GetRevoked()
	for _, r := range resp.RevokedSerials {
		out.Ranges = append(out.Ranges, serialRange{r.First, r.Last})
		out.Count += r.Last - r.First + 1
	}
	return out, resp.Activations, nil
}

// batchData is a batch's page: what it is, its labels and its
// revocation.
type batchData struct {
	Batch   batchRow
	Product myProductRow
	Revoked revoked
	// Layouts are the label layouts; Layout is the one chosen for the
	// preview and the PDF, and Pages its page count for this batch.
	Layouts []layoutOption
	Layout  layoutOption
	Pages   int
	// Revoke is the revocation form that came back, "batch" or
	// "stamps", with what it held and its errors.
	Revoke string
	Form   map[string]string
	Errors map[string]string
	// Activated are the activated ranges of a roll printed ahead;
	// Activate is set when the activation form came back.
	Activated []activatedRange
	Activate  bool
}

// ActivateErrors are the errors of the activation form.
func (d *batchData) ActivateErrors() map[string]string {
	if !d.Activate {
		return nil
	}
	return d.Errors
}

// activatedRange is serials of a roll printed ahead bound to a lot.
type activatedRange struct {
	serialRange
	Lot, ProductionDate, ExpiryDate string
}

// ErrorsOf are the errors of the revocation form named form: the page
// has two, with the same fields.
func (d *batchData) ErrorsOf(form string) map[string]string {
	if d.Revoke != form {
		return nil
	}
	return d.Errors
}

// layoutOption is a label layout as the form offers it.
type layoutOption struct{ *estampv1.LabelLayout }

// PerPage is how many labels a page holds.
func (l layoutOption) PerPage() int { return int(l.Columns * l.Rows) }

// PreviewURL is the address of the chosen layout's first page.
func (d *batchData) PreviewURL() string {
	return batchPath(d.Batch.Id) + "/labels/preview?layout=" + url.QueryEscape(d.Layout.Name)
}

// PreviewSize is the preview's size in pixels at its page's resolution,
// so that the page keeps its room while the image loads.
func (d *batchData) PreviewSize() (w, h int) {
	dpi := previewDPI(d.Layout.LabelLayout)
	return int(d.Layout.PageWidthMm/25.4*float64(dpi) + 0.999), int(d.Layout.PageHeightMm/25.4*float64(dpi) + 0.999)
}

// PreviewWidth and PreviewHeight are PreviewSize's, for templates.
func (d *batchData) PreviewWidth() int { w, _ := d.PreviewSize(); return w }

// PreviewHeight is the preview's height in pixels.
func (d *batchData) PreviewHeight() int { _, h := d.PreviewSize(); return h }

// batchPage shows a batch; layout, in the query, chooses the labels'.
func (h *Handler) batchPage(rq *Request) error {
	b, err := h.loadBatch(rq)
	if err != nil {
		return err
	}
	d, err := h.batchData(rq, b)
	if err != nil {
		return err
	}
	p := &Page{Title: "producer.batch.title", Data: d}
	q := rq.R.URL.Query()
	switch q.Get("done") {
	case "issued":
		p.Notice = h.words.say(rq.Lang, "producer.issue.done")
	case "recalled":
		p.Notice = h.words.say(rq.Lang, "producer.recall.done")
	case "activated":
		p.Notice = h.activatedNotice(rq)
	case "revoked":
		n, _ := strconv.ParseUint(q.Get("n"), 10, 32)
		p.Notice = h.fmtWords(rq, "producer.revoke.done", (&Page{rq: rq}).Num(n)) // Num needs only the language
	}
	return h.render(rq, http.StatusOK, "producer/batch", p)
}

func (h *Handler) batchData(rq *Request, b *estampv1.Batch) (*batchData, error) {
	prod, err := h.api.registry.GetProduct(rq.Ctx(), &estampv1.GetProductRequest{Id: b.ProductId})
	if err != nil {
		return nil, err
	}
	rev, acts, err := h.revokedOf(rq, b.Id)
	if err != nil {
		return nil, err
	}
	layouts, err := h.api.labels.ListLabelLayouts(rq.Ctx(), &estampv1.ListLabelLayoutsRequest{})
	if err != nil {
		return nil, err
	}
	if len(layouts.Layouts) == 0 {
		return nil, errors.New("console: the service lists no label layouts")
	}
	d := &batchData{
		Batch:   h.batchRows([]*estampv1.Batch{b}, []*estampv1.Product{prod.Product})[0],
		Product: myProductRow{Product: prod.Product, Cert: h.certBadge(rq, prod.Product.Certificate)},
		Revoked: rev, Form: map[string]string{},
	}
	for _, a := range acts {
		for _, r := range a.SerialRanges {
			d.Activated = append(d.Activated, activatedRange{serialRange{r.First, r.Last}, a.Lot, a.ProductionDate, a.ExpiryDate})
		}
	}
	for _, l := range layouts.Layouts {
		d.Layouts = append(d.Layouts, layoutOption{l})
	}
	// The service lists its default layout first.
	d.Layout = d.Layouts[0]
	if l := findLayout(layouts.Layouts, rq.R.URL.Query().Get("layout")); l != nil {
		d.Layout = layoutOption{l}
	}
	per := max(d.Layout.PerPage(), 1)
	d.Pages = (int(b.Quantity) + per - 1) / per
	return d, nil
}

func findLayout(ls []*estampv1.LabelLayout, name string) *estampv1.LabelLayout {
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// maxRevokeSerials bounds the serials one form may name: the API takes at
// most 100,000 in one request (SerialSet.serials), and expanding a
// mistyped range past it would only build a request it refuses.
const maxRevokeSerials = 100_000

// parseSerials reads serials as people type them from labels: separated
// by commas, semicolons or lines, each a serial or a range "first-last";
// spaces and dots inside a serial group its digits ("000 001 234").
func parseSerials(text string) ([]uint64, error) {
	var out []uint64
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' })
	read := func(s string) (uint64, bool) {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '.' || r == '\t' || r == '\u00a0' {
				return -1
			}
			return r
		}, s)
		n, err := strconv.ParseUint(s, 10, 64)
		return n, err == nil
	}
	for _, f := range fields {
		if strings.TrimSpace(f) == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(strings.ReplaceAll(f, "–", "-"), "-")
		first, ok := read(lo)
		if !ok {
			return nil, &fieldError{Field: "serials", Key: "producer.revoke.serials.bad"}
		}
		last := first
		if isRange {
			if last, ok = read(hi); !ok || last < first {
				return nil, &fieldError{Field: "serials", Key: "producer.revoke.serials.bad"}
			}
		}
		if last-first >= maxRevokeSerials || len(out)+int(last-first+1) > maxRevokeSerials {
			return nil, &fieldError{Field: "serials", Key: "producer.revoke.serials.many"}
		}
		for s := first; s <= last; s++ {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, &fieldError{Field: "serials", Key: "required"}
	}
	return out, nil
}

// revokeStamps recalls the batch, or revokes serials of it, once the
// person has confirmed what buyers will see.
func (h *Handler) revokeStamps(rq *Request) error {
	b, err := h.loadBatch(rq)
	if err != nil {
		return err
	}
	r := rq.R
	form := map[string]string{"target": r.PostFormValue("target"), "reason": strings.TrimSpace(r.PostFormValue("reason")), "serials": r.PostFormValue("serials")}
	req := &estampv1.RevokeStampsRequest{Reason: form["reason"]}
	fields := map[string]string{}
	switch form["target"] {
	case "stamps":
		serials, err := parseSerials(form["serials"])
		if err != nil {
			var fe *fieldError
			errors.As(err, &fe)
			fields[fe.Field] = h.words.say(rq.Lang, fe.Key)
		}
		// The batch bounds the serials: a mistyped one of another lot is
		// refused, not revoked.
		req.Target = &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: serials, BatchId: &b.Id}}
	default:
		form["target"] = "batch"
		req.Target = &estampv1.RevokeStampsRequest_BatchId{BatchId: b.Id}
	}
	if r.PostFormValue("confirm") != "yes" {
		fields["confirm"] = h.words.say(rq.Lang, "producer.revoke.confirm.needed")
	}
	again := func(fields map[string]string) error {
		d, err := h.batchData(rq, b)
		if err != nil {
			return err
		}
		d.Revoke, d.Form, d.Errors = form["target"], form, fields
		return h.render(rq, http.StatusBadRequest, "producer/batch", &Page{Title: "producer.batch.title", Data: d, Errors: fields, Problem: fields[""]})
	}
	if len(fields) > 0 {
		return again(fields)
	}
	resp, err := h.api.issuance.RevokeStamps(rq.Ctx(), req)
	if err != nil {
		fields, ok := h.formErrors(rq, err)
		if !ok || status.Code(err) == codes.NotFound {
			return err
		}
		if msg, ok := fields["stamps.serials"]; ok {
			delete(fields, "stamps.serials")
			fields["serials"] = msg
		}
		return again(fields)
	}
	done := "?done=recalled"
	if form["target"] == "stamps" {
		done = "?done=revoked&n=" + strconv.FormatUint(uint64(resp.RevokedCount), 10)
	}
	http.Redirect(rq.W, rq.R, batchPath(b.Id)+done, http.StatusSeeOther)
	return nil
}

package console

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// batchesPerPage is how many batches the list shows at once.
const batchesPerPage = 50

type batchesData struct {
	Batches []batchRow
	// Page is the page shown, from 1; Prev and Next are 0 when none.
	Page, Prev, Next int
}

func (h *Handler) batchesPage(rq *Request) error {
	products, err := h.myProducts(rq)
	if err != nil {
		return err
	}
	all, err := h.myBatches(rq, products)
	if err != nil {
		return err
	}
	page, err := strconv.Atoi(rq.R.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	d := &batchesData{Page: page}
	from := (page - 1) * batchesPerPage
	if from < len(all) {
		d.Batches = all[from:min(from+batchesPerPage, len(all))]
	}
	if page > 1 {
		d.Prev = page - 1
	}
	if from+batchesPerPage < len(all) {
		d.Next = page + 1
	}
	return h.render(rq, http.StatusOK, "producer/batches", &Page{Title: "nav.producer.batches", Data: d})
}

// issueData is the form that issues a batch.
type issueData struct {
	Products []myProductRow
	// Form is what the form holds: what was typed, kept when it comes
	// back with errors, and its request_id.
	Form map[string]string
}

// issueFields are the fields the form shows, named as
// IssueStampsRequest's, so that a service's "field: reason" lands next to
// its field. The form also carries request_id, hidden.
var issueFields = []string{"product_id", "lot", "production_date", "expiry_date", "quantity"}

// issueForm shows an empty form with a new idempotency key. The key is
// the form's, not the click's: a double click, or a reload that posts the
// form again, sends the same key, and the service answers with the batch
// it issued the first time.
func (h *Handler) issueForm(rq *Request) error {
	products, err := h.myProducts(rq)
	if err != nil {
		return err
	}
	key, err := h.requestID()
	if err != nil {
		return err
	}
	form := map[string]string{
		"product_id":      rq.R.URL.Query().Get("product"),
		"production_date": ocop.FormatDate(ocop.Today(h.cfg.Now())),
		"request_id":      key,
	}
	return h.render(rq, http.StatusOK, "producer/issue", &Page{Title: "producer.issue.title", Data: &issueData{Products: h.myProductRows(rq, products), Form: form}})
}

// requestID is a new idempotency key: 128 random bits.
func (h *Handler) requestID() (string, error) {
	src := h.cfg.Rand
	if src == nil {
		src = rand.Reader
	}
	b := make([]byte, 16)
	if _, err := io.ReadFull(src, b); err != nil {
		return "", err
	}
	return "console-" + hex.EncodeToString(b), nil
}

func (h *Handler) issueBatch(rq *Request) error {
	r := rq.R
	form := map[string]string{"request_id": r.PostFormValue("request_id")}
	for _, f := range issueFields {
		form[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	products, err := h.myProducts(rq)
	if err != nil {
		return err
	}
	again := func(fields map[string]string) error {
		d := &issueData{Products: h.myProductRows(rq, products), Form: form}
		return h.render(rq, http.StatusBadRequest, "producer/issue", &Page{Title: "producer.issue.title", Data: d, Errors: fields, Problem: fields[""]})
	}
	// The form's own reading: a choice made, a number, dates as typed.
	// Whether they make a batch is the service's to say.
	req := &estampv1.IssueStampsRequest{ProductId: form["product_id"], Lot: form["lot"], RequestId: form["request_id"]}
	fields := map[string]string{}
	note := func(err error) {
		var fe *fieldError
		if errors.As(err, &fe) {
			fields[fe.Field] = h.words.say(rq.Lang, fe.Key)
		}
	}
	if req.ProductId == "" {
		// Asking the service would be asking about nobody's product,
		// which the access table refuses as someone else's.
		note(&fieldError{Field: "product_id", Key: "producer.issue.choose"})
	}
	if n, err := positive(r, "quantity"); err != nil {
		note(err)
	} else {
		// A number past uint32 is sent as the largest, for the service
		// to refuse with its bound.
		req.Quantity = uint32(min(n, math.MaxUint32))
	}
	// Dates go back to the form as a date input holds them.
	if req.ProductionDate, err = formDate(r, "production_date"); err != nil {
		note(err)
	} else {
		form["production_date"] = req.ProductionDate
	}
	if req.ExpiryDate, err = formDate(r, "expiry_date"); err != nil {
		note(err)
	} else {
		form["expiry_date"] = req.ExpiryDate
	}
	if len(fields) > 0 {
		return again(fields)
	}
	resp, err := h.api.issuance.IssueStamps(rq.Ctx(), req)
	if err != nil {
		fields, ok := h.issueErrors(rq, err, products, req.ProductId)
		if !ok {
			return err
		}
		return again(fields)
	}
	http.Redirect(rq.W, rq.R, batchPath(resp.Batch.Id)+"?done=issued", http.StatusSeeOther)
	return nil
}

// issueErrors places a refusal of IssueStamps next to its field. A
// product the service will not issue for is said in the person's words,
// from what the service says of the product's certificate; the rule is
// the service's.
func (h *Handler) issueErrors(rq *Request, err error, products []*estampv1.Product, productID string) (map[string]string, bool) {
	if status.Code(err) == codes.FailedPrecondition {
		for _, p := range products {
			if p.Id != productID {
				continue
			}
			c := p.GetCertificate()
			switch c.GetStatus() {
			case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
				return map[string]string{"product_id": h.words.say(rq.Lang, "producer.issue.expired") + " " +
					h.fmtWords(rq, "producer.issue.expired.detail", c.GetDecisionNumber(), ocop.ShowDate(c.GetValidUntil(), rq.Lang))}, true
			case estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
				return map[string]string{"product_id": h.words.say(rq.Lang, "producer.issue.revoked") + " " +
					h.fmtWords(rq, "producer.issue.revoked.detail", c.GetDecisionNumber(), c.GetRevocationReason())}, true
			}
		}
	}
	fields, ok := h.formErrors(rq, err)
	if !ok {
		return nil, false
	}
	// A field the form does not show (request_id, when the form was
	// tampered with or is stale) is said above the form.
	for f, msg := range fields {
		if f != "" && !slices.Contains(issueFields, f) {
			delete(fields, f)
			fields[""] = f + ": " + msg
		}
	}
	return fields, true
}

// fmtWords is a catalogue key's format with arguments.
func (h *Handler) fmtWords(rq *Request, key string, args ...any) string {
	return fmt.Sprintf(h.words.say(rq.Lang, key), args...)
}

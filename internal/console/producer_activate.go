package console

import (
	"net/http"
	"strconv"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

// activateStamps binds labels of a roll printed ahead to the lot they were
// put on. At packing the camera (or a handheld scanner) reads the first
// and the last label of the run into the codes field; every serial from
// the lowest to the highest is activated. The batch is the page's: a
// label of another roll is refused next to the field.
func (h *Handler) activateStamps(rq *Request) error {
	b, err := h.loadBatch(rq)
	if err != nil {
		return err
	}
	r := rq.R
	form := map[string]string{
		"codes": r.PostFormValue("codes"), "lot": strings.TrimSpace(r.PostFormValue("lot")),
		"production_date": strings.TrimSpace(r.PostFormValue("production_date")), "expiry_date": strings.TrimSpace(r.PostFormValue("expiry_date")),
	}
	fields := map[string]string{}
	var first, last uint64
	lines := 0
	for line := range strings.Lines(form["codes"]) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		lines++
		chk := verdict.Read(line, verdict.Scanned)
		switch {
		case !chk.Readable:
			fields["codes"] = h.fmtWords(rq, "producer.activate.notacode", lines)
		case uint64(chk.Claims.BatchID) != b.Id:
			fields["codes"] = h.fmtWords(rq, "producer.activate.other", lines, chk.Claims.BatchID)
		default:
			s := chk.Claims.Serial
			if first == 0 || s < first {
				first = s
			}
			last = max(last, s)
		}
	}
	if lines == 0 {
		fields["codes"] = h.words.say(rq.Lang, "producer.activate.codes.needed")
	}
	// Dates are typed as people write them; the API takes ISO days.
	dates := map[string]string{}
	for _, name := range []string{"production_date", "expiry_date"} {
		d, err := formDate(r, name)
		if err != nil {
			fields[name] = h.words.say(rq.Lang, "not.date")
			continue
		}
		dates[name] = d
	}
	again := func(fields map[string]string) error {
		d, err := h.batchData(rq, b)
		if err != nil {
			return err
		}
		d.Activate, d.Form, d.Errors = true, form, fields
		return h.render(rq, http.StatusBadRequest, "producer/batch", &Page{Title: "producer.batch.title", Data: d, Errors: fields, Problem: fields[""]})
	}
	if len(fields) > 0 {
		return again(fields)
	}
	resp, err := h.api.issuance.ActivateStamps(rq.Ctx(), &estampv1.ActivateStampsRequest{BatchId: b.Id, FirstSerial: first, LastSerial: last,
		Lot: form["lot"], ProductionDate: dates["production_date"], ExpiryDate: dates["expiry_date"]})
	if err != nil {
		fields, ok := h.formErrors(rq, err)
		if !ok {
			return err
		}
		return again(fields)
	}
	http.Redirect(rq.W, rq.R, batchPath(b.Id)+"?done=activated&n="+strconv.FormatUint(uint64(resp.ActivatedCount), 10)+
		"&from="+strconv.FormatUint(first, 10)+"&to="+strconv.FormatUint(last, 10), http.StatusSeeOther)
	return nil
}

// activatedNotice says what an activation did, from the redirect's query.
func (h *Handler) activatedNotice(rq *Request) string {
	q := rq.R.URL.Query()
	n, _ := strconv.ParseUint(q.Get("n"), 10, 32)
	from, _ := strconv.ParseUint(q.Get("from"), 10, 64)
	to, _ := strconv.ParseUint(q.Get("to"), 10, 64)
	return h.fmtWords(rq, "producer.activate.done", (&Page{rq: rq}).Num(n), ocop.ShowSerial(from), ocop.ShowSerial(to))
}

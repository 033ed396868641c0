package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// officeAuditRoutes are the office's pages of the audit log and of the
// revocation list.
func officeAuditRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome + "/audit", Roles: office, serve: (*Handler).auditPage},
		// A check reads the whole log: a form, so that no link prefetch
		// or crawler starts one.
		{Method: "POST", Path: officeHome + "/audit/verify", Roles: office, serve: (*Handler).verifyAudit},
		{Method: "GET", Path: officeHome + "/revocations", Roles: office, serve: (*Handler).revocationsPage},
	}
}

// auditPageSize is how many entries a page of the log shows.
const auditPageSize = 50

type auditData struct {
	// Entries are the page's, newest first.
	Entries []*estampv1.AuditEntry
	// Last is the log's newest sequence number; 0 for an empty log.
	Last uint64
	// Links to the pages around this one; "" where there is none.
	Newest, Newer, Older, Oldest string
	// Check is the result of a check of the chain, when one was asked.
	Check *estampv1.VerifyAuditLogResponse
}

// lastAuditSequence is the newest entry's sequence number, 0 for an empty
// log. ListAuditEntries pages oldest first from a sequence number and
// does not say how long the log is, and sequence numbers run from 1
// without a gap: doubling, then halving, finds the last in about
// 2·log₂(n) calls of one entry each, where paging to the end would read
// the whole log.
func (h *Handler) lastAuditSequence(ctx context.Context) (uint64, error) {
	exists := func(seq uint64) (bool, error) {
		resp, err := h.api.admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{FromSequence: seq, PageSize: 1})
		return len(resp.GetEntries()) > 0, err
	}
	// Entry lo exists (0 stands for "none yet"), entry hi does not.
	lo, hi := uint64(0), uint64(1)
	for {
		ok, err := exists(hi)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// auditData reads the page of the log ?to= asks for: the auditPageSize
// entries up to that sequence number, the newest when not given. Pages
// count back from the newest, which the office looks at most, so that the
// first page is always full.
func (h *Handler) auditData(rq *Request) (*auditData, error) {
	ctx := rq.Ctx()
	last, err := h.lastAuditSequence(ctx)
	if err != nil {
		return nil, err
	}
	to := last
	if v, err := strconv.ParseUint(rq.R.URL.Query().Get("to"), 10, 64); err == nil && v >= 1 && v < last {
		to = v
	}
	from := uint64(1)
	if to > auditPageSize {
		from = to - auditPageSize + 1
	}
	d := &auditData{Last: last}
	if last > 0 {
		resp, err := h.api.admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{FromSequence: from, PageSize: int32(to - from + 1)})
		if err != nil {
			return nil, err
		}
		d.Entries = resp.Entries
		slices.Reverse(d.Entries)
	}
	page := func(to uint64) string { return officeHome + "/audit?to=" + strconv.FormatUint(to, 10) }
	if to < last {
		d.Newest, d.Newer = officeHome+"/audit", page(min(to+auditPageSize, last))
	}
	if from > 1 {
		d.Older, d.Oldest = page(from-1), page(auditPageSize)
	}
	return d, nil
}

func (h *Handler) auditPage(rq *Request) error {
	d, err := h.auditData(rq)
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "office/audit", &Page{Title: "nav.office.audit", Data: d})
}

func (h *Handler) verifyAudit(rq *Request) error {
	check, err := h.api.admin.VerifyAuditLog(rq.Ctx(), &estampv1.VerifyAuditLogRequest{})
	if err != nil {
		return err
	}
	d, err := h.auditData(rq)
	if err != nil {
		return err
	}
	d.Check = check
	return h.render(rq, http.StatusOK, "office/audit", &Page{Title: "nav.office.audit", Data: d})
}

// revocationPageSize is how many entries a page of the revocation list
// shows.
const revocationPageSize = 50

type revocationsData struct {
	// Version is the list's newest version, the same on every page.
	Version uint64
	Entries []*estampv1.RevocationEntry
	// Next is the next page's address; First the first's, "" on it.
	Next, First string
}

func (h *Handler) revocationsPage(rq *Request) error {
	token := rq.R.URL.Query().Get("page")
	resp, err := h.api.custody.ListRevocations(rq.Ctx(), &estampv1.ListRevocationsRequest{PageSize: revocationPageSize, PageToken: token})
	if err != nil {
		return err
	}
	d := &revocationsData{Version: resp.Version, Entries: resp.Entries}
	if resp.NextPageToken != "" {
		d.Next = officeHome + "/revocations?page=" + urlQueryEscape(resp.NextPageToken)
	}
	if token != "" {
		d.First = officeHome + "/revocations"
	}
	return h.render(rq, http.StatusOK, "office/revocations", &Page{Title: "nav.office.revocations", Data: d})
}

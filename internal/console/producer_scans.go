package console

import "net/http"

// scansPage is a producer's scans; InsightService gives them.
func (h *Handler) scansPage(rq *Request) error {
	return h.render(rq, http.StatusOK, "producer/scans", &Page{Title: "nav.producer.scans"})
}

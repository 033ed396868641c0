package console

import (
	"net/http"
	"strconv"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// scanDays is how far back the scans page looks.
const scanDays = 30

type scansData struct {
	Chart chart
	// Days are the chart's days, newest first, for the table.
	Days []dayScans
	// Today is the last day; Scans and FirstScans are the period's.
	Today             dayScans
	Scans, FirstScans uint64
	Batches           []batchScans
	BatchesLeftOut    uint32
	Flags             []flagRow
	OpenFlags         uint32
	Shops             []*estampv1.ShopReceipt
}

// batchScans is a batch's line of the report.
type batchScans struct {
	*estampv1.BatchScans
	// Rate is first_scan_rate as a percentage in the reader's way.
	Rate string
}

// flagRow is a stamp that looks copied, with its reasons and shops in
// words.
type flagRow struct {
	*estampv1.Flag
	Kinds []badge
	Shops string
}

// SerialText is the stamp's serial as its label prints it.
func (f flagRow) SerialText() string { return serialText(f.Serial) }

// percent writes a rate from 0 to 1 as people read it: "41,7 %" in
// Vietnamese (with a space that does not break), "41.7%" in English.
func percent(rate float64, lang ocop.Lang) string {
	s := strconv.FormatFloat(rate*100, 'f', 1, 64)
	if lang == ocop.EN {
		return s + "%"
	}
	return strings.Replace(s, ".", ",", 1) + "\u00a0%"
}

// scansPage is how the producer's stamps are scanned: InsightService's
// report, asked as the person, for their own producer only.
func (h *Handler) scansPage(rq *Request) error {
	rep, err := h.api.insight.GetScanReport(rq.Ctx(), &estampv1.GetScanReportRequest{ProducerId: producerOf(rq), Days: scanDays})
	if err != nil {
		return err
	}
	d := &scansData{BatchesLeftOut: rep.BatchesLeftOut, OpenFlags: rep.OpenFlags, Shops: rep.Shops}
	days := make([]dayScans, len(rep.Days))
	for i, day := range rep.Days {
		days[i] = dayScans{Date: day.Date, Scans: day.Scans, FirstScans: day.FirstScans}
		d.Scans += day.Scans
		d.FirstScans += day.FirstScans
	}
	d.Chart = newChart(days)
	if len(days) > 0 {
		d.Today = days[len(days)-1]
	}
	for i := len(days) - 1; i >= 0; i-- {
		d.Days = append(d.Days, days[i])
	}
	for _, b := range rep.Batches {
		d.Batches = append(d.Batches, batchScans{BatchScans: b, Rate: percent(b.FirstScanRate, rq.Lang)})
	}
	shops := map[string]string{}
	for _, s := range rep.Shops {
		shops[s.RetailerId] = s.RetailerName
	}
	for _, f := range rep.Flags {
		row := flagRow{Flag: f}
		for _, k := range f.Kinds {
			switch k {
			case estampv1.FlagKind_FLAG_KIND_MANY_SCANS:
				row.Kinds = append(row.Kinds, badge{"warn", h.words.say(rq.Lang, "producer.flag.many")})
			case estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY:
				row.Kinds = append(row.Kinds, badge{"bad", h.words.say(rq.Lang, "producer.flag.copy")})
			}
		}
		var names []string
		for _, id := range f.RetailerIds {
			if n := shops[id]; n != "" {
				names = append(names, n)
			} else {
				names = append(names, id)
			}
		}
		row.Shops = strings.Join(names, ", ")
		d.Flags = append(d.Flags, row)
	}
	return h.render(rq, http.StatusOK, "producer/scans", &Page{Title: "nav.producer.scans", Data: d})
}

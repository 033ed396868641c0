package console

import (
	"net/http"
	"slices"
	"strconv"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// officeDashboardRoutes are the office's overview and the stamps that
// look copied, which the overview counts.
func officeDashboardRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome, Roles: office, serve: (*Handler).officeHome},
		{Method: "GET", Path: officeHome + "/flags", Roles: office, serve: (*Handler).flagsPage},
		{Method: "POST", Path: officeHome + "/flags/{serial}/review", Roles: office, serve: (*Handler).reviewFlag},
	}
}

// chartDays is how many days the overview's charts cover.
const chartDays = 30

type dashboardData struct {
	*estampv1.GetOverviewResponse
	// Grades are the products by star grade, highest first: 5★, 4★ and
	// 3★ always, the uncertified grades when some product has one.
	Grades []gradeCount
	// Expiring and Expired are the certificates due, with their days.
	Expiring, Expired []certificateDue
	// The daily series drawn, and the same in a table, newest first.
	Issued, Scans barChart
	Days          []*estampv1.DayCount
}

type gradeCount struct {
	Grade    int32
	Products uint32
}

// certificateDue is a certificate the overview lists, with the days it has
// left (negative: the days since it expired).
type certificateDue struct {
	*estampv1.CertificateDue
	Days int
}

// Ago is the days since an expired certificate's last day.
func (c certificateDue) Ago() int { return -c.Days }

func (h *Handler) officeHome(rq *Request) error {
	o, err := h.api.insight.GetOverview(rq.Ctx(), &estampv1.GetOverviewRequest{Days: chartDays})
	if err != nil {
		return err
	}
	d := &dashboardData{GetOverviewResponse: o}
	counts := map[int32]uint32{}
	for _, g := range o.Grades {
		counts[g.StarGrade] = g.Products
	}
	for g := int32(5); g >= 1; g-- {
		if n, ok := counts[g]; g >= 3 || ok {
			d.Grades = append(d.Grades, gradeCount{g, n})
		}
	}
	now := h.cfg.Now()
	due := func(list []*estampv1.CertificateDue) []certificateDue {
		out := make([]certificateDue, len(list))
		for i, c := range list {
			days, _ := daysLeft(c.ValidUntil, now)
			out[i] = certificateDue{c, days}
		}
		return out
	}
	d.Expiring, d.Expired = due(o.ExpiringCertificates), due(o.ExpiredCertificates)
	d.Issued, d.Scans = h.dailyCharts(rq, o.Days)
	d.Days = slices.Clone(o.Days)
	slices.Reverse(d.Days)
	return h.render(rq, http.StatusOK, "office/home", &Page{Title: "nav.office.home", Data: d})
}

// barChart is a daily series drawn as bars in an inline SVG, computed
// here so that the template only writes it out: no script draws it. Its
// viewBox is barStep units a day wide and chartHeight high.
type barChart struct {
	// Label says what the chart shows for those who do not see it; Top
	// its highest day, which sets its scale.
	Label, Top string
	Width      int
	Bars       []chartBar
	// From and To are its first and last days, under its ends.
	From, To string
}

// chartBar is one day's bar. Part is a darker share of it drawn from the
// baseline: of the scans, those of stamps scanned for the first time.
type chartBar struct {
	X, Y, H      float64
	PartY, PartH float64
	Title        string
}

const (
	barStep     = 10
	barWidth    = 8
	chartHeight = 100
)

// dailyCharts draws stamps issued, and scans with first scans, per day.
// Each has its own scale: a day's batch of 100,000 stamps would flatten
// the scans of a whole month.
func (h *Handler) dailyCharts(rq *Request, days []*estampv1.DayCount) (issued, scans barChart) {
	p := &Page{rq: rq, words: h.words}
	draw := func(value, part func(*estampv1.DayCount) uint64, label, title string) barChart {
		c := barChart{Width: barStep * len(days)}
		var top, total uint64
		var topDay string
		for _, d := range days {
			total += value(d)
			if value(d) > top {
				top, topDay = value(d), d.Date
			}
		}
		height := func(v uint64) float64 {
			if v == 0 {
				return 0
			}
			// A day with any count shows, however small next to the top.
			return max(1, float64(v)/float64(top)*chartHeight)
		}
		for i, d := range days {
			b := chartBar{X: float64(i*barStep + (barStep-barWidth)/2), H: height(value(d))}
			b.Y = chartHeight - b.H
			if part != nil {
				b.PartH = height(part(d))
				b.PartY = chartHeight - b.PartH
				b.Title = p.Tf(title, p.Date(d.Date), p.Num(value(d)), p.Num(part(d)))
			} else {
				b.Title = p.Tf(title, p.Date(d.Date), p.Num(value(d)))
			}
			c.Bars = append(c.Bars, b)
		}
		c.Label = p.Tf(label, len(days), p.Num(total))
		if top > 0 {
			c.Top = p.Tf("chart.top", p.Num(top), p.Date(topDay))
			c.Label += " " + c.Top
		}
		if len(days) > 0 {
			c.From, c.To = p.Date(days[0].Date), p.Date(days[len(days)-1].Date)
		}
		return c
	}
	issued = draw(func(d *estampv1.DayCount) uint64 { return d.StampsIssued }, nil, "chart.issued.label", "chart.issued.bar")
	scans = draw(func(d *estampv1.DayCount) uint64 { return d.Scans }, func(d *estampv1.DayCount) uint64 { return d.FirstScans }, "chart.scans.label", "chart.scans.bar")
	return issued, scans
}

type flagsData struct {
	Flags []*estampv1.Flag
	Next  string
	// All shows reviewed flags too.
	All bool
	// Review is the refused review of the flag Failed.
	Review *form
	Failed uint64
}

// flagKinds are what made a stamp look copied: the catalogue key of each,
// and its badge's tone. A second shop's intake is near proof of a copy;
// many scans may be a curious buyer.
var flagKinds = map[estampv1.FlagKind]struct{ key, tone string }{
	estampv1.FlagKind_FLAG_KIND_MANY_SCANS:     {"flags.kind.many_scans", "warn"},
	estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY: {"flags.kind.suspected_copy", "bad"},
}

// KindKey is the catalogue key of a kind of flag.
func (flagsData) KindKey(k estampv1.FlagKind) string { return flagKinds[k].key }

// KindTone is the tone of a kind of flag's badge.
func (flagsData) KindTone(k estampv1.FlagKind) string { return flagKinds[k].tone }

func (h *Handler) flagsData(rq *Request) (*flagsData, error) {
	q := rq.R.URL.Query()
	d := &flagsData{All: q.Get("all") == "1", Review: newForm("note")}
	resp, err := h.api.insight.ListFlags(rq.Ctx(), &estampv1.ListFlagsRequest{IncludeReviewed: d.All, PageSize: listSize, PageToken: q.Get("page")})
	if err != nil {
		return nil, err
	}
	d.Flags, d.Next = resp.Flags, resp.NextPageToken
	return d, nil
}

func (h *Handler) flagsPage(rq *Request) error {
	d, err := h.flagsData(rq)
	if err != nil {
		return err
	}
	notice := h.done(rq, map[string]string{"reviewed": "flags.reviewed"})
	return h.render(rq, http.StatusOK, "office/flags", &Page{Title: "flags.title", Data: d, Notice: notice})
}

func (h *Handler) reviewFlag(rq *Request) error {
	serial, err := strconv.ParseUint(rq.R.PathValue("serial"), 10, 64)
	if err != nil {
		return errNotFound
	}
	f := readForm(rq.R, "note")
	_, err = h.api.insight.ReviewFlag(rq.Ctx(), &estampv1.ReviewFlagRequest{Serial: serial, Note: f.Value("note")})
	if err == nil {
		http.Redirect(rq.W, rq.R, officeHome+"/flags?done=reviewed", http.StatusSeeOther)
		return nil
	}
	problem, ok := h.refused(rq, err, f)
	if !ok {
		return err
	}
	d, err := h.flagsData(rq)
	if err != nil {
		return err
	}
	d.Review, d.Failed = f, serial
	return h.render(rq, http.StatusBadRequest, "office/flags", &Page{Title: "flags.title", Data: d, Problem: problem})
}

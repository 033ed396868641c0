package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

// previewWidth is the preview's width in pixels: sharp on a phone's
// screen, light to send.
const previewWidth = 800

// previewDPI is the resolution that draws layout l's page previewWidth
// pixels wide, within what the service draws (72 to 300 dpi).
func previewDPI(l *estampv1.LabelLayout) int {
	if l.GetPageWidthMm() <= 0 {
		return 0
	}
	return int(min(300, max(72, math.Round(previewWidth*25.4/l.PageWidthMm))))
}

// maxPreview bounds a preview held in memory: a page at 800 pixels is
// some hundred kilobytes.
const maxPreview = 8 << 20

// labelPreview is the first page of the batch's labels in the layout the
// query names, as an image: RenderLabels draws it (LABEL_FORMAT_PNG_PAGE)
// for the person, so another producer's batch is refused there.
func (h *Handler) labelPreview(rq *Request) error {
	id, err := batchID(rq)
	if err != nil {
		return err
	}
	layouts, err := h.api.labels.ListLabelLayouts(rq.Ctx(), &estampv1.ListLabelLayoutsRequest{})
	if err != nil {
		return err
	}
	name := rq.R.URL.Query().Get("layout")
	// A layout the service does not list is sent as asked, for it to
	// refuse; the default is the one it lists first.
	req := &estampv1.RenderLabelsRequest{BatchId: id, Layout: name, Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE}
	if l := findLayout(layouts.Layouts, name); l != nil {
		req.Dpi = uint32(previewDPI(l))
	} else if name == "" && len(layouts.Layouts) > 0 {
		req.Layout, req.Dpi = layouts.Layouts[0].Name, uint32(previewDPI(layouts.Layouts[0]))
	}
	stream, err := h.api.labels.RenderLabels(rq.Ctx(), req)
	if err != nil {
		return err
	}
	var img bytes.Buffer
	err = client.Receive(stream, func(m *estampv1.RenderLabelsResponse) error {
		if img.Len()+len(m.Chunk) > maxPreview {
			return fmt.Errorf("console: a label preview of more than %d bytes", maxPreview)
		}
		img.Write(m.Chunk)
		return nil
	})
	if err != nil {
		return err
	}
	hd := rq.W.Header()
	hd.Set("Content-Type", "image/png")
	hd.Set("Content-Length", strconv.Itoa(img.Len()))
	// The service leaves revoked stamps out, so a batch's first page
	// changes when its stamps are revoked: the browser asks again each
	// time rather than keep a page with revoked stamps on it for an hour.
	// The image is the person's alone.
	hd.Set("Cache-Control", "private, no-cache")
	_, err = rq.W.Write(img.Bytes())
	return err
}

// startLabels starts rendering the batch's PDF in the background and
// sends the person to the job's page.
func (h *Handler) startLabels(rq *Request) error {
	b, err := h.loadBatch(rq)
	if err != nil {
		return err
	}
	layout := rq.R.PostFormValue("layout")
	key := strconv.FormatUint(b.Id, 10) + "/" + layout
	job, err := h.jobs.start(rq.Ctx(), rq.Session.Account.Username, producerOf(rq), key, b.Id, int(b.Quantity), h.renderPDF(b.Id, layout))
	switch {
	case errors.Is(err, errJobsBusy):
		d, derr := h.batchData(rq, b)
		if derr != nil {
			return derr
		}
		return h.render(rq, http.StatusTooManyRequests, "producer/batch", &Page{Title: "producer.batch.title", Data: d, Problem: h.words.say(rq.Lang, "producer.labels.busy")})
	case errors.Is(err, errJobsClosed):
		h.problem(rq, http.StatusServiceUnavailable, h.words.say(rq.Lang, "servererror"))
		return nil
	case err != nil:
		return err
	}
	http.Redirect(rq.W, rq.R, jobPath(b.Id, job.ID), http.StatusSeeOther)
	return nil
}

func jobPath(batch uint64, job string) string { return batchPath(batch) + "/labels/" + job }

// renderPDF is the job that streams a batch's PDF into its file; the
// stream's chunks say how many labels are drawn.
func (h *Handler) renderPDF(batch uint64, layout string) work {
	return func(ctx context.Context, w io.Writer, progress func(done, total int)) error {
		stream, err := h.api.labels.RenderLabels(ctx, &estampv1.RenderLabelsRequest{BatchId: batch, Layout: layout, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF})
		if err != nil {
			return err
		}
		var done, total uint32
		err = client.Receive(stream, func(m *estampv1.RenderLabelsResponse) error {
			if _, err := w.Write(m.Chunk); err != nil {
				return err
			}
			done, total = m.LabelsDone, m.LabelsTotal
			progress(int(done), int(total))
			return nil
		})
		if err != nil {
			return err
		}
		// A stream that ends early is no file to print.
		if total == 0 || done != total {
			return fmt.Errorf("console: the labels stream of batch %d ended after %d of %d labels", batch, done, total)
		}
		return nil
	}
}

type jobData struct {
	Job   jobView
	Batch uint64
	// Problem is why a failed job failed, in words a person can act on.
	Problem string
}

// FileURL is the download's address.
func (d *jobData) FileURL() string { return jobPath(d.Batch, d.Job.ID) + "/file" }

// SizeText is the file's size as people read it: "1,2 MB" in
// Vietnamese, "1.2 MB" in English.
func (d *jobData) SizeText(en bool) string {
	unit, n := "MB", float64(d.Job.Size)/1e6
	if n < 1 {
		unit, n = "kB", float64(d.Job.Size)/1e3
	}
	s := strconv.FormatFloat(n, 'f', 1, 64)
	if !en {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + unit
}

// BatchURL is the batch's page.
func (d *jobData) BatchURL() string { return batchPath(d.Batch) }

// findJob is the person's job the path names, of the batch it names.
func (h *Handler) findJob(rq *Request) (jobView, error) {
	id, err := batchID(rq)
	if err != nil {
		return jobView{}, err
	}
	v, ok := h.jobs.get(rq.R.PathValue("job"), rq.Session.Account.Username)
	if !ok || v.Batch != id {
		return jobView{}, errNotFound
	}
	return v, nil
}

// labelJob shows a job: while it runs the page reloads itself every two
// seconds (no script), then it offers the file.
func (h *Handler) labelJob(rq *Request) error {
	v, err := h.findJob(rq)
	if err != nil {
		return err
	}
	d := &jobData{Job: v, Batch: v.Batch}
	if v.Failed() {
		d.Problem = h.words.say(rq.Lang, "producer.labels.failed")
		if st, ok := status.FromError(v.Err); ok && st.Message() != "" {
			d.Problem += " (" + st.Message() + ")"
		}
	}
	return h.render(rq, http.StatusOK, "producer/job", &Page{Title: "producer.labels.title", Data: d})
}

// labelFile sends a job's PDF as a download, then removes it from the
// server: it holds the batch's codes, and the job can be run again.
func (h *Handler) labelFile(rq *Request) error {
	v, err := h.findJob(rq)
	if err != nil {
		return err
	}
	f, v, ok := h.jobs.open(v.ID, rq.Session.Account.Username)
	if !ok {
		return errNotFound
	}
	defer f.Close()
	hd := rq.W.Header()
	hd.Set("Content-Type", "application/pdf")
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tem-%d.pdf"`, v.Batch))
	hd.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	// The server's write timeout suits pages, not 100,000 labels on a
	// slow phone line: give the download a minute and 1 s per 16 KB, at
	// most an hour. (A wall-clock deadline: the I/O is real whatever the
	// injected clock says.)
	limit := min(time.Minute+time.Duration(v.Size/16_000)*time.Second, time.Hour)
	if err := http.NewResponseController(rq.W).SetWriteDeadline(time.Now().Add(limit)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := io.Copy(rq.W, f); err != nil {
		// The page has begun: nothing to show but the log. The file
		// stays for another try.
		h.cfg.Log.Warn("console: label download cut short", "batch", v.Batch, "err", err)
		return nil
	}
	// Net/http answers HEAD through GET routes; only a whole GET is a
	// download.
	if rq.R.Method == http.MethodGet {
		h.jobs.downloaded(v.ID)
	}
	return nil
}

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/printing"
)

// labelsCmd renders a batch's labels: locally by default, or on the server
// with --remote.
func (a *app) labelsCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "layouts" {
		return a.layoutTable()
	}
	fs := a.flags("labels")
	var (
		batchID       uint64
		out, layout   string
		format        string
		sizePx, dpi   int
		sizeMM        float64
		remote, quiet bool
	)
	fs.Uint64Var(&batchID, "batch", 0, "batch id")
	fs.StringVar(&out, "out", "", "output: a .pdf file; for png/svg a .zip file or a directory")
	fs.StringVar(&layout, "layout", printing.DefaultLayout, "PDF layout: a4-3x8, a4-5x13, roll-40x30, custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]]; 'list' lists them")
	fs.StringVar(&format, "format", "", "pdf | png | svg (default: pdf for a .pdf --out, png otherwise)")
	fs.IntVar(&sizePx, "size", 0, "PNG side in pixels (default: --mm at --dpi)")
	fs.IntVar(&dpi, "dpi", 0, "PNG resolution (default 300)")
	fs.Float64Var(&sizeMM, "mm", 0, "printed side of each QR image in mm (default 25)")
	fs.BoolVar(&remote, "remote", false, "render on the server and download the file")
	fs.BoolVar(&quiet, "quiet", false, "no progress on the terminal")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if layout == "list" {
		return a.layoutTable()
	}
	if err := needArgs(pos, 0, "labels --batch ID --out FILE"); err != nil {
		return err
	}
	if batchID == 0 || out == "" {
		return fmt.Errorf("%w: labels needs --batch ID and --out FILE", ErrUsage)
	}
	if format == "" {
		// A .pdf file gets label sheets; a .zip or a directory gets images.
		format = labels.FormatPNG
		if strings.HasSuffix(strings.ToLower(out), ".pdf") {
			format = "pdf"
		}
	}
	job, err := printing.ParseJob(format, layout, sizePx, dpi, sizeMM)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if err := a.dial(); err != nil {
		return err
	}
	progress := a.progress(quiet)
	start := time.Now()
	if remote {
		err = a.renderRemote(ctx, batchID, job, layout, out, sizePx, dpi, sizeMM, progress)
	} else {
		err = a.renderLocal(ctx, batchID, job, out, progress)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Đã ghi %s (%s, %.1f giây).\n", out, job.Format, time.Since(start).Seconds())
	return nil
}

func (a *app) renderLocal(ctx context.Context, batchID uint64, job printing.Job, out string, progress labels.Progress) error {
	resp, err := a.iss.GetBatch(ctx, &estampv1.GetBatchRequest{Id: batchID, IncludeStamps: true})
	if err != nil {
		return err
	}
	p, err := a.reg.GetProduct(ctx, &estampv1.GetProductRequest{Id: resp.Batch.ProductId})
	if err != nil {
		return err
	}
	r, err := labels.NewRenderer()
	if err != nil {
		return err
	}
	b := printing.FromProto(resp.Batch, p.Product, resp.Stamps)
	if job.Format != "pdf" && !strings.HasSuffix(strings.ToLower(out), ".zip") {
		sink, err := labels.DirSink(out)
		if err != nil {
			return err
		}
		return r.Images(sink, b, job.Images, progress)
	}
	return writeFile(out, func(w io.Writer) error { return printing.Render(r, w, b, job, progress) })
}

func (a *app) renderRemote(ctx context.Context, batchID uint64, job printing.Job, layout, out string, sizePx, dpi int, sizeMM float64, progress labels.Progress) error {
	if job.Format != "pdf" && !strings.HasSuffix(strings.ToLower(out), ".zip") {
		return fmt.Errorf("%w: --remote writes %s images as a .zip file", ErrUsage, job.Format)
	}
	format := map[string]estampv1.LabelFormat{
		"pdf": estampv1.LabelFormat_LABEL_FORMAT_PDF, labels.FormatPNG: estampv1.LabelFormat_LABEL_FORMAT_PNG_ZIP, labels.FormatSVG: estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP,
	}[job.Format]
	stream, err := a.lbl.RenderLabels(ctx, &estampv1.RenderLabelsRequest{
		BatchId: batchID, Layout: layout, Format: format,
		ImageSizePx: uint32(sizePx), Dpi: uint32(dpi), ImageSizeMm: sizeMM,
	})
	if err != nil {
		return err
	}
	return writeFile(out, func(w io.Writer) error {
		for {
			msg, err := stream.Recv()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if _, err := w.Write(msg.Chunk); err != nil {
				return err
			}
			progress(int(msg.LabelsDone), int(msg.LabelsTotal))
		}
	})
}

// writeFile writes through a temporary file, so a failed render never
// leaves a truncated file under the final name.
func writeFile(path string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progress reports on stderr: one updating line on a terminal, nothing
// otherwise (scripts read stdout).
func (a *app) progress(quiet bool) labels.Progress {
	f, ok := a.stderr.(*os.File)
	if quiet || !ok {
		return func(int, int) {}
	}
	if info, err := f.Stat(); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return func(int, int) {}
	}
	last := time.Time{}
	return func(done, total int) {
		if total == 0 || (time.Since(last) < 200*time.Millisecond && done < total) {
			return
		}
		last = time.Now()
		fmt.Fprintf(f, "\rĐang dựng nhãn: %d/%d (%d%%)", done, total, done*100/total)
		if done >= total {
			fmt.Fprintln(f)
		}
	}
}

func (a *app) layoutTable() error {
	if a.json {
		resp := &estampv1.ListLabelLayoutsResponse{}
		for _, l := range labels.Layouts() {
			resp.Layouts = append(resp.Layouts, printing.LayoutProto(l))
		}
		return a.printJSON(resp)
	}
	w := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "BỐ CỤC\tTRANG (mm)\tLƯỚI\tNHÃN (mm)\tLỀ TRÁI, TRÊN\tMÔ TẢ")
	for _, l := range labels.Layouts() {
		fmt.Fprintf(w, "%s\t%gx%g\t%dx%d\t%gx%g\t%g, %g\t%s\n", l.Name, l.PageWidth, l.PageHeight, l.Columns, l.Rows, l.LabelWidth, l.LabelHeight, l.MarginLeft, l.MarginTop, l.Description)
	}
	fmt.Fprintln(w, "custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]]\t\t\t\t\tví dụ custom:210x297,4x10,48x25,9x23.5,0x0")
	return w.Flush()
}

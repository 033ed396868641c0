package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/safefile"
)

// labelsCmd renders a batch's labels: locally by default, or on the server
// with --remote.
func (a *app) labelsCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "layouts" {
		pos, err := parse(a.flags("labels layouts"), args[1:])
		if err != nil {
			return err
		}
		if err := needArgs(pos, 0, "labels layouts"); err != nil {
			return err
		}
		return a.layoutTable()
	}
	fs := a.flags("labels")
	var (
		batchID       uint64
		out           string
		opts          labels.Options
		remote, quiet bool
		force         bool
	)
	fs.IntVar(&opts.PrinterDPI, "printer-dpi", labels.DefaultPrinterDPI, "resolution of the printer: 203 (thermal label printers), 300 or 600; every QR module is a whole number of its dots")
	fs.BoolVar(&opts.IncludeRevoked, "include-revoked", false, "print revoked stamps too (a recalled batch, serials revoked one by one); without it they are left out, with a warning")
	fs.Uint64Var(&batchID, "batch", 0, "batch id")
	fs.StringVar(&out, "out", "", "output: a .pdf file; for png/svg a .zip file or a directory")
	fs.StringVar(&opts.Layout, "layout", labels.DefaultLayout, "PDF layout: a4-3x8, a4-5x13, roll-40x30, custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]]; 'list' lists them")
	fs.StringVar(&opts.Format, "format", "", "pdf | png | svg (default: pdf for a .pdf --out, png otherwise)")
	fs.IntVar(&opts.SizePx, "size", 0, "PNG side in pixels (default: --mm at --dpi)")
	fs.IntVar(&opts.DPI, "dpi", 0, "PNG resolution, which each PNG records (default --printer-dpi)")
	fs.Float64Var(&opts.SizeMM, "mm", 0, "printed side of each QR image in mm (default 25; QR modules must come to 0.33 mm: at least 18 mm at 300 dpi)")
	fs.BoolVar(&remote, "remote", false, "render on the server and download the file")
	fs.BoolVar(&quiet, "quiet", false, "no progress on the terminal")
	fs.BoolVar(&force, "force", false, "replace --out, or the image files in the --out directory, if they exist")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if opts.Layout == "list" {
		return a.layoutTable()
	}
	if err := needArgs(pos, 0, "labels --batch ID --out FILE"); err != nil {
		return err
	}
	if batchID == 0 || out == "" {
		return fmt.Errorf("%w: labels needs --batch ID and --out FILE", ErrUsage)
	}
	if opts.Format == "" {
		// A .pdf file gets label sheets; a .zip or a directory gets images.
		opts.Format = labels.FormatPNG
		if strings.HasSuffix(strings.ToLower(out), ".pdf") {
			opts.Format = labels.FormatPDF
		}
	}
	job, err := labels.ParseJob(opts)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, flagError(err))
	}
	for _, w := range job.Warnings {
		fmt.Fprintln(a.stderr, "Cảnh báo: "+w)
	}
	// Images go into a directory unless --out is a .zip file.
	toDir := job.Format != labels.FormatPDF && !strings.HasSuffix(strings.ToLower(out), ".zip")
	if toDir && remote {
		return fmt.Errorf("%w: --remote writes %s images as a .zip file", ErrUsage, job.Format)
	}
	var file *safefile.File
	if !toDir {
		// Before the batch is fetched and rendered, which can take a
		// minute: a file that is there without --force, or a directory
		// that cannot be written, is known now.
		if file, err = safefile.Create(out, 0o644, force); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer file.Abort()
	}
	if err := a.dial(); err != nil {
		return err
	}
	show := a.progress(quiet)
	// The count of labels drawn, for the closing line.
	drawn := 0
	progress := func(done, total int) {
		drawn = done
		show(done, total)
	}
	start := time.Now()
	// leftOut is how many revoked stamps were left out, told once.
	leftOut := func(n int) {
		if n > 0 {
			fmt.Fprintf(a.stderr, "Bỏ qua %d tem đã bị thu hồi; dùng --include-revoked để in cả chúng\n", n)
		}
	}
	if remote {
		err = a.renderRemote(ctx, job.Request(batchID), file, progress, leftOut)
	} else {
		err = a.renderLocal(ctx, batchID, job, file, out, force, progress, leftOut)
	}
	if err != nil {
		return err
	}
	if file != nil {
		if err := a.commit(file); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	took := time.Since(start).Seconds()
	if job.Format == labels.FormatPDF {
		per := max(1, job.Layout.PerPage())
		fmt.Fprintf(a.out, "Đã ghi %s: %d nhãn trên %d trang (%s, %.1f giây).\n", out, drawn, (drawn+per-1)/per, job.Format, took)
	} else {
		fmt.Fprintf(a.out, "Đã ghi %s: %d nhãn, mỗi nhãn một ảnh %s (%.1f giây).\n", out, drawn, job.Format, took)
	}
	return nil
}

// flagError names the flag of an error that names a field of the API,
// which is what the labels package checks.
func flagError(err error) error {
	var invalid *ocop.InvalidError
	if !errors.As(err, &invalid) {
		return err
	}
	flag, ok := map[string]string{
		"format": "--format", "layout": "--layout", "printer_dpi": "--printer-dpi",
		"dpi": "--dpi", "image_size_px": "--size", "image_size_mm": "--mm",
	}[invalid.Field]
	if !ok {
		return err
	}
	return fmt.Errorf("%s: %s", flag, invalid.Reason)
}

// batchToPrint fetches a batch with its codes (streamed), and its product;
// with revoked, which of its stamps are revoked, from the revocation list.
func (a *app) batchToPrint(ctx context.Context, batchID uint64, revoked bool) (labels.Batch, error) {
	var stamps []*estampv1.Stamp
	b, err := client.Stamps(ctx, a.Issuance, batchID, func(_ *estampv1.Batch, total uint32, part []*estampv1.Stamp) error {
		if stamps == nil {
			stamps = make([]*estampv1.Stamp, 0, total)
		}
		stamps = append(stamps, part...)
		return nil
	})
	if err != nil {
		return labels.Batch{}, err
	}
	p, err := a.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: b.ProductId})
	if err != nil {
		return labels.Batch{}, err
	}
	var entries []*estampv1.RevocationEntry
	// A recalled batch is revoked whole: no need to look for serials.
	if revoked && !b.Revoked {
		got, err := a.Issuance.GetBatch(ctx, &estampv1.GetBatchRequest{Id: batchID})
		if err != nil {
			return labels.Batch{}, err
		}
		if rs := got.GetRevokedSerials(); len(rs) > 0 {
			entries = append(entries, &estampv1.RevocationEntry{BatchId: batchID, SerialRanges: rs})
		}
	}
	return labels.FromProto(b, p.Product, stamps, entries), nil
}

// renderLocal renders on this machine: a PDF or a zip of images into
// file, or, when file is nil, one image file per stamp into the directory
// dir.
// leftOut is told how many revoked stamps are left out.
func (a *app) renderLocal(ctx context.Context, batchID uint64, job labels.Job, file *safefile.File, dir string, force bool, progress labels.Progress, leftOut func(int)) error {
	b, err := a.batchToPrint(ctx, batchID, !job.IncludeRevoked)
	if err != nil {
		return err
	}
	b, n, err := job.Select(batchID, b)
	if err != nil {
		return err
	}
	leftOut(n)
	r, err := labels.NewRenderer(a.now)
	if err != nil {
		return err
	}
	if file != nil {
		return r.Render(ctx, file, b, job, progress)
	}
	sink, err := labels.DirSink(dir, force)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return r.Images(ctx, sink, b, job.Images, progress)
}

// renderRemote has the server render and writes the file it streams;
// leftOut is told how many revoked stamps the server left out.
func (a *app) renderRemote(ctx context.Context, req *estampv1.RenderLabelsRequest, file io.Writer, progress labels.Progress, leftOut func(int)) error {
	stream, err := a.Labels.RenderLabels(ctx, req)
	if err != nil {
		return err
	}
	first := true
	return client.Receive(stream, func(msg *estampv1.RenderLabelsResponse) error {
		if first {
			leftOut(int(msg.RevokedLeftOut))
			first = false
		}
		if _, err := file.Write(msg.Chunk); err != nil {
			return err
		}
		progress(int(msg.LabelsDone), int(msg.LabelsTotal))
		return nil
	})
}

// writeFileSafely writes path (mode 0644) through safefile: a synced
// temporary file in its directory, then put in place without following a
// symbolic link there; an existing file is replaced only with force.
func writeFileSafely(path string, force bool, fill func(io.Writer) error) error {
	return safefile.Write(path, 0o644, force, fill)
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
		return a.printJSON(labels.LayoutsProto())
	}
	w := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	// The module at each printer resolution: what --printer-dpi changes.
	var dpis []string
	for _, dpi := range labels.PrinterDPIs() {
		dpis = append(dpis, strconv.Itoa(dpi))
	}
	fmt.Fprintf(w, "BỐ CỤC\tTRANG (mm)\tLƯỚI\tNHÃN (mm)\tLỀ TRÁI, TRÊN\tÔ MÃ QR (mm) Ở %s DPI\tMÔ TẢ\n", strings.Join(dpis, "/"))
	for _, l := range labels.Layouts() {
		var modules []string
		for _, dpi := range labels.PrinterDPIs() {
			g, err := l.Geometry(dpi)
			if err != nil {
				return err
			}
			modules = append(modules, strconv.FormatFloat(g.Module(), 'f', 2, 64))
		}
		fmt.Fprintf(w, "%s\t%gx%g\t%dx%d\t%gx%g\t%g, %g\t%s\t%s\n", l.Name, l.PageWidth, l.PageHeight, l.Columns, l.Rows, l.LabelWidth, l.LabelHeight, l.MarginLeft, l.MarginTop, strings.Join(modules, "/"), l.Description)
	}
	fmt.Fprintln(w, "custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]]\t\t\t\t\t\tví dụ custom:210x297,4x10,48x25,9x23.5,0x0")
	return w.Flush()
}

// Package web serves what a phone opens when it scans a stamp: a small,
// server-rendered verification page in Vietnamese (English on request), the
// same result as JSON, a form for typed codes, and the issuer's public keys
// as a JWK set for offline verifiers.
//
// Pages work without JavaScript and load nothing from other sites; every
// value from the registry goes through html/template's escaping.
package web

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/photo"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verdict"
	"github.com/ocopvn/estamp/internal/verify"
)

//go:embed templates/page.html
var pageTemplate string

//go:embed assets/style.css
var assets embed.FS

// Where public data for offline verifiers is published.
const (
	KeysPath        = "/.well-known/estamp-keys.json"
	RevocationsPath = "/.well-known/estamp-revocations.json"
)

// Verifier checks a scanned code.
type Verifier interface {
	Verify(ctx context.Context, req *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error)
}

// KeyRing lists the issuer's keys.
type KeyRing interface {
	All() []*keys.Key
	State(stampcode.KeyID) keys.State
}

// Photos gives the image files of products' photos by their SHA-256.
type Photos interface {
	Photo(ctx context.Context, sum []byte) ([]byte, error)
}

// RevocationList gives the revocation list after a version.
type RevocationList interface {
	ListRevocations(ctx context.Context, req *estampv1.ListRevocationsRequest) (*estampv1.ListRevocationsResponse, error)
}

// Config is what the handler is built from.
type Config struct {
	Verifier Verifier
	// BasePath is the path of the base URL stamps are issued under (""
	// at the root, else e.g. "/QR", upper case): links to a stamp page
	// are built from it, never from the request.
	BasePath    string
	Keys        KeyRing
	Revocations RevocationList
	Photos      Photos
	// ReportContact is who a buyer tells of a suspected fake, as the
	// operator wrote it (estampd --report-contact): the issuing office's
	// name and phone. Without it the page has no such line: a made-up
	// contact would send reports nowhere.
	ReportContact string
	Log           *slog.Logger
}

// Handler serves the web pages.
type Handler struct {
	verifier Verifier
	basePath string
	keys     KeyRing
	revoked  RevocationList
	photos   Photos
	trust    TrustDocument
	report   string
	log      *slog.Logger
	page     *template.Template
	css      []byte
	mux      *http.ServeMux
}

// New builds the handler.
func New(cfg Config) (*Handler, error) {
	page, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return nil, err
	}
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		return nil, err
	}
	h := &Handler{verifier: cfg.Verifier, basePath: cfg.BasePath, keys: cfg.Keys, revoked: cfg.Revocations, photos: cfg.Photos,
		report: strings.TrimSpace(cfg.ReportContact), log: cfg.Log, page: page, css: css, mux: http.NewServeMux()}
	for _, rt := range routes {
		pattern := "GET " + rt.path
		if rt.path == "/" {
			pattern += "{$}"
		}
		h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { rt.serve(h, w, r) })
	}
	h.mux.HandleFunc("GET "+photo.Dir+"{file}", h.photo)
	// Any other path is not found, and any other method not allowed:
	// both on the site's own page, which a person who mistyped an
	// address can read and leave by a link home.
	h.mux.HandleFunc("GET /{path...}", h.notFound)
	h.mux.HandleFunc("/{path...}", h.notAllowed)
	return h, nil
}

// ServeHTTP sets the security headers every response carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	// A stamp path is answered as it came: ServeMux would first redirect
	// //V/<token> or /x/../V/<token> to a cleaned path, where a code the
	// address rule refuses would turn genuine.
	if lastStampSegment(r.URL.Path) >= 0 {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.notAllowed(w, r)
			return
		}
		h.stamp(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) style(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(h.css)
}

// home serves the home page: the form for typed codes.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, h.view(r, nil, nil, ""))
}

// stamp serves ".../V/<token>" in any letter case: the path of a stamp
// URL. Whether the part before /V/ is an address of this service is the
// verifier's rule, the same as for a scanned URL.
func (h *Handler) stamp(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if i := lastStampSegment(path); i+len(stampcode.PathSegment) == len(path) {
		h.notFound(w, r)
		return
	}
	h.verify(w, r, path, true)
}

// verifyForm serves the home page form: /verify?code=...
func (h *Handler) verifyForm(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" {
		t := textsFor(language(r))
		h.render(w, r, http.StatusBadRequest, h.view(r, nil, nil, t.NoCode))
		return
	}
	h.verify(w, r, code, false)
}

// verify answers a stamp path (isPath) or a code typed into the form.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, code string, isPath bool) {
	// Paths and queries may carry any bytes; codes are ASCII, and the
	// answer (HTML or protobuf JSON) must be valid UTF-8.
	code = strings.ToValidUTF8(code, "\uFFFD")
	// A view is a scan, but a HEAD request is not, and the same phone
	// reloading or switching language is the same scan.
	ctx := verify.WithCaller(r.Context(), verify.Caller{
		Path:   isPath,
		Client: clientOf(r),
		Peek:   r.Method == http.MethodHead,
	})
	resp, err := h.verifier.Verify(ctx, &estampv1.VerifyRequest{Code: code})
	var invalid *ocop.InvalidError
	switch {
	case errors.As(err, &invalid):
		h.render(w, r, http.StatusBadRequest, h.view(r, nil, &typed{code: code, isPath: isPath}, invalid.Error()))
		return
	case err != nil:
		h.log.Error("verify from web", "err", err)
		h.serverError(w, r)
		return
	}
	// Each view is a scan with its own count: never from a shared cache.
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Vary", "Accept, Accept-Language")
	if wantsJSON(r) {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(resp)
		if err != nil {
			h.log.Error("verify from web: JSON", "err", err)
			h.serverError(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(b)
		return
	}
	h.render(w, r, http.StatusOK, h.view(r, resp, &typed{code: code, isPath: isPath}, ""))
}

// clientOf identifies a viewer for counting scans: IP address and
// User-Agent, which the verifier only ever keeps as a keyed hash.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return host + "\x00" + r.UserAgent()
}

// notFound is the site's own 404 page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, http.StatusNotFound)
}

// notAllowed is the site's own 405 page: every page here is only read.
func (h *Handler) notAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	h.fail(w, r, http.StatusMethodNotAllowed)
}

// serverError is the site's own 500 page, never kept: the next try may
// well work.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h.fail(w, r, http.StatusInternalServerError)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int) {
	v := h.view(r, nil, nil, "")
	e := v.T.errors[status]
	v.Error, v.Title = &e, e.Title
	h.render(w, r, status, v)
}

// typed is the code a page answers: a stamp path or a code from the form.
type typed struct {
	code   string
	isPath bool
}

func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(mt) {
		case "application/json":
			return true
		case "text/html", "application/xhtml+xml":
			return false
		}
	}
	return false
}

// language is ?lang= first, then the first of Accept-Language that we
// speak, then Vietnamese.
func language(r *http.Request) ocop.Lang {
	switch strings.ToLower(r.URL.Query().Get("lang")) {
	case "en":
		return ocop.EN
	case "vi":
		return ocop.VI
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch base, _, _ := strings.Cut(strings.ToLower(tag), "-"); base {
		case "vi":
			return ocop.VI
		case "en":
			return ocop.EN
		}
	}
	return ocop.VI
}

// pageView is what the template shows.
type pageView struct {
	Lang, OtherLang, OtherURL string
	T                         *texts
	Title                     string
	Code, FormError           string
	Result                    *resultView
	// Report is who to tell of a suspected fake, on result pages.
	Report string
	// Error is an error page's title and text.
	Error *errorText
}

type resultView struct {
	Kind, Icon, Headline, Advice string
	// Explain is what the records say of this code (Verify's message),
	// and Reason the reason that ends it, in the words of whoever gave
	// it: it is marked Vietnamese on the English page.
	Explain, Reason string
	// Since is when the stamp or its lot was revoked, on a revoked one.
	Since string
	// StatusAsOf says when the revocation list the verdict of another
	// province's stamp rests on was fetched.
	StatusAsOf string
	// Foreign is what the page shows of another province's stamp in place
	// of the details, which only that province holds; nil for own stamps.
	Foreign *foreignView
	// Void means the stamp or its lot was revoked: nothing on the page
	// vouches for the item any more, and nothing is styled as valid.
	// StarsVoid means the grade on the label does not hold.
	Void, StarsVoid                               bool
	Product, StarsDrawn, StarsText, Group         string
	Producer, ProducerKind, Phone                 string
	Tel                                           template.URL
	Origin, LegacyDistrict                        string
	Decision, Authority, DecisionDate, ValidUntil string
	Status, StatusKind, RevocationReason          string
	Lot, Produced, Expiry, Serial, Issued         string
	Recalled, RecallReason                        string
	Shops                                         []shopView
	MoreShops                                     string
	// GTIN is the product's barcode number as the barcode prints it.
	GTIN string
	// Sold is the stamp's sale at a shop, nil when unsold: shown above
	// the details, because a buyer in another shop, or long after the
	// sale, holds a re-used label.
	Sold                                     *saleView
	ScanCount, FirstScan, LastScan, ScanNote string
	// Description is the producer's text for buyers; Photo the
	// product's photo's path, with its size in pixels.
	Description             string
	Photo                   string
	PhotoWidth, PhotoHeight int32
}

// foreignView is another province's stamp: its serial, when the code is
// proven that province's, to match the number printed on the label, and
// the link to the stamp's page there. The link's text is cut around the
// province's name (LinkBefore, LinkAfter) to mark the name Vietnamese.
type foreignView struct {
	Serial                      string
	URL, Host                   string
	LinkBefore, Name, LinkAfter string
}

// saleView is a shop's sale of the stamp: the shop's name and place
// (empty when the registry no longer has it), and when, in words.
type saleView struct{ Place, When string }

// shopView is a shop that received the stamp: its name, its place and the
// day it did.
type shopView struct{ Name, Place, Date string }

// maxShops is how many shops the page names; a stamp received by more is
// a copy many times over, and the rest are counted.
const maxShops = 3

func (h *Handler) view(r *http.Request, resp *estampv1.VerifyResponse, in *typed, formError string) *pageView {
	lang := language(r)
	t := textsFor(lang)
	other := ocop.EN
	if lang == ocop.EN {
		other = ocop.VI
	}
	v := &pageView{Lang: string(lang), OtherLang: string(other), OtherURL: h.switchURL(in, other), T: t, Title: t.HomeTitle, FormError: formError}
	if resp == nil {
		if in != nil && !in.isPath {
			v.Code = in.code
		}
		return v
	}
	v.Result = result(resp, lang, t)
	v.Title = v.Result.Headline
	v.Report = h.report
	return v
}

// switchURL is the same page in the other language. It is built from the
// service's own paths and the code's canonical token, never from the
// request's path: a path such as //evil.example/V/... would otherwise
// become a link to another site.
func (h *Handler) switchURL(in *typed, lang ocop.Lang) string {
	q := url.Values{"lang": {string(lang)}}
	switch {
	case in == nil:
		return "/?" + q.Encode()
	case !in.isPath:
		q.Set("code", in.code)
		return "/verify?" + q.Encode()
	}
	if chk := verdict.Read(in.code, verdict.Path); chk.Token != "" {
		return h.basePath + stampcode.PathSegment + chk.Token + "?" + q.Encode()
	}
	return "/?" + q.Encode()
}

func result(resp *estampv1.VerifyResponse, lang ocop.Lang, t *texts) *resultView {
	cause := verdict.CauseOf(resp)
	tell := verdict.TellCause(resp.Verdict, cause, resp.Warnings)
	if resp.GetIssuerId() != "" {
		tell = verdict.TellForeign(resp.Verdict, cause)
	}
	msg := resp.Message
	if lang == ocop.EN {
		msg = resp.MessageEn
	}
	// The icon says the verdict besides the colour, for readers who do
	// not see colour.
	icons := map[verdict.Tone]string{verdict.ToneOK: "✓", verdict.ToneWarn: "!", verdict.ToneBad: "✗"}
	rv := &resultView{Kind: string(tell.Tone), Icon: icons[tell.Tone], Headline: tell.Headline.In(lang), Advice: tell.Advice.In(lang)}
	rv.Explain, rv.Reason = verdict.SplitReason(msg, lang)
	switch cause {
	case verdict.StampRevoked:
		rv.Since = since(resp.GetStampRevokeTime(), lang, t)
	case verdict.BatchRevoked:
		rv.Since = since(resp.GetBatch().GetRevokeTime(), lang, t)
	}
	if ts := resp.GetForeignStatusTime(); ts != nil {
		rv.StatusAsOf = fmt.Sprintf(t.StatusAsOf, when(ts, lang))
	}
	if resp.GetIssuerId() != "" {
		rv.Foreign = foreign(resp, t)
	}
	if resp.Product == nil {
		return rv
	}
	p, c, b, o, s := resp.Product, resp.Product.GetCertificate(), resp.Batch, resp.Origin, resp.Scans
	grade := p.GetStarGrade()
	rv.Void = resp.Verdict == estampv1.Verdict_VERDICT_REVOKED
	// The grade the label claims holds only while the stamp and the
	// certificate do.
	rv.StarsVoid = rv.Void || resp.Verdict == estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED || resp.Verdict == estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED
	rv.Product = p.GetName()
	rv.GTIN = barcodeGTIN(p.GetGtin())
	rv.Description = p.GetDescription()
	rv.Photo, rv.PhotoWidth, rv.PhotoHeight = p.GetPhotoUrl(), p.GetPhotoWidth(), p.GetPhotoHeight()
	rv.StarsDrawn = strings.Repeat("★", int(grade)) + strings.Repeat("☆", max(0, 5-int(grade)))
	rv.StarsText = fmt.Sprintf(t.Stars, grade)
	rv.Group = ocop.GroupName(p.GetGroup(), lang)
	rv.Producer = resp.Producer.GetName()
	rv.ProducerKind = ocop.KindName(resp.Producer.GetKind(), lang)
	rv.Phone = resp.Producer.GetPhone()
	rv.Tel = telURL(rv.Phone)
	rv.Origin = joinNonEmpty(", ", resp.Producer.GetAddress().GetStreet(), o.GetCommune(), o.GetProvince())
	rv.LegacyDistrict = o.GetLegacyDistrict()
	rv.Decision = c.GetDecisionNumber()
	rv.Authority = ocop.AuthorityName(c.GetAuthority(), lang)
	rv.DecisionDate = date(c.GetDecisionDate(), lang, t)
	rv.ValidUntil = date(c.GetValidUntil(), lang, t)
	rv.Status = ocop.StatusName(c.GetStatus(), lang)
	rv.StatusKind = map[estampv1.CertificateStatus]string{
		estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE:  "ok",
		estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED: "warn",
		estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED: "bad",
	}[c.GetStatus()]
	if rv.Void && rv.StatusKind == "ok" {
		// A certificate in force says nothing for a withdrawn stamp.
		rv.StatusKind = "void"
	}
	// The banner gives the reason of the verdict; the card gives only
	// what the banner does not.
	if resp.Verdict != estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED {
		rv.RevocationReason = c.GetRevocationReason()
	}
	rv.Lot = b.GetLot()
	rv.Produced = date(b.GetProductionDate(), lang, t)
	rv.Expiry = date(b.GetExpiryDate(), lang, t)
	rv.Serial = ocop.ShowSerial(resp.Serial)
	rv.Issued = when(b.GetIssueTime(), lang)
	if b.GetRevoked() && cause != verdict.BatchRevoked {
		rv.Recalled, rv.RecallReason = when(b.GetRevokeTime(), lang), b.GetRevocationReason()
	}
	for i, shop := range resp.GetReceivedBy() {
		if i == maxShops {
			rv.MoreShops = fmt.Sprintf(t.MoreShops, len(resp.GetReceivedBy())-maxShops)
			break
		}
		rv.Shops = append(rv.Shops, shopView{Name: shop.GetRetailerName(), Place: joinNonEmpty(", ", shop.GetCommune(), shop.GetProvince()),
			Date: ocop.ShowDay(shop.GetReceiveTime().AsTime(), lang)})
	}
	if sl := resp.GetSold(); sl != nil {
		rv.Sold = &saleView{Place: joinNonEmpty(", ", sl.GetRetailerName(), sl.GetCommune(), sl.GetProvince()), When: fmt.Sprintf(t.SoldWhen, when(sl.GetSaleTime(), lang))}
	}
	switch n := s.GetScanCount(); {
	case n == 0:
		rv.ScanCount = t.NoScans
	case n == 1:
		rv.ScanCount = t.ScanOnce
	default:
		rv.ScanCount = fmt.Sprintf(t.ScanTimes, n)
		rv.LastScan = when(s.GetLastScanTime(), lang)
	}
	rv.FirstScan = when(s.GetFirstScanTime(), lang)
	if slices.Contains(resp.Warnings, estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED) {
		rv.ScanNote = verdict.Warning(estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED).In(lang)
	}
	return rv
}

// foreign is what the page shows of another province's stamp, nil when
// there is nothing: an altered code proves no serial and has no page.
// This service has no scans, shops or product of that stamp, so none are
// shown.
func foreign(resp *estampv1.VerifyResponse, t *texts) *foreignView {
	fv := &foreignView{}
	if verdict.Proven(resp.Verdict) && resp.Serial != 0 {
		fv.Serial = ocop.ShowSerial(resp.Serial)
	}
	// The verifier gives only a URL the trust list names for the issuer;
	// a link is built from nothing else, and from no other scheme.
	if u, err := url.Parse(resp.GetIssuerPageUrl()); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil {
		fv.URL, fv.Host, fv.Name = u.String(), u.Host, resp.GetIssuerName()
		fv.LinkBefore, fv.LinkAfter, _ = strings.Cut(t.IssuerPage, "%s")
	}
	if fv.Serial == "" && fv.URL == "" {
		return nil
	}
	return fv
}

// barcodeGTIN is a GTIN as the product's barcode prints it: the registry
// keeps 14 digits, and a GTIN-13, the barcode of nearly every product in
// Vietnam, is those without their leading 0.
func barcodeGTIN(gtin string) string {
	if len(gtin) == 14 && gtin[0] == '0' {
		return gtin[1:]
	}
	return gtin
}

// since says when a stamp or its lot was revoked, or "" if not known.
func since(ts *timestamppb.Timestamp, lang ocop.Lang, t *texts) string {
	if ts == nil {
		return ""
	}
	return fmt.Sprintf(t.Since, when(ts, lang))
}

// telURL is a tel: link that dials phone from anywhere: the registry's
// phones are digits, spaces and dots, with an optional leading '+', and a
// national number's leading 0 becomes Vietnam's +84. html/template
// refuses tel: links from text, so the link is built here from digits
// alone.
func telURL(phone string) template.URL {
	var digits strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
		}
	}
	d := digits.String()
	switch {
	case len(d) < 7 || len(d) > 15:
		return ""
	case strings.HasPrefix(strings.TrimSpace(phone), "+"):
		return template.URL("tel:+" + d)
	case strings.HasPrefix(d, "0"):
		return template.URL("tel:+84" + d[1:])
	}
	return template.URL("tel:" + d)
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// date shows a YYYY-MM-DD date in the reader's convention.
func date(s string, lang ocop.Lang, t *texts) string {
	if s == "" {
		return t.None
	}
	return ocop.ShowDate(s, lang)
}

// when shows a moment in Vietnam's time.
func when(ts *timestamppb.Timestamp, lang ocop.Lang) string {
	if ts == nil {
		return ""
	}
	return ocop.ShowTime(ts.AsTime(), lang)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, v *pageView) {
	var buf bytes.Buffer
	if err := h.page.ExecuteTemplate(&buf, "page", v); err != nil {
		// The page itself failed: plain text is all that is left.
		h.log.Error("render page", "err", err)
		http.Error(w, v.T.errors[http.StatusInternalServerError].Text, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	if w.Header().Get("Vary") == "" {
		// Every page is in the language the request asked for.
		w.Header().Set("Vary", "Accept-Language")
	}
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// photo serves a product's photo at the address its bytes name: the same
// bytes for ever, so that phones and proxies keep it for a year. An
// address in any other form, or whose type is not the file's, is not
// found, so that each photo has one address and is never served as what
// it is not.
func (h *Handler) photo(w http.ResponseWriter, r *http.Request) {
	sum, ct, ok := photo.ParseURL(r.URL.Path)
	if !ok {
		h.notFound(w, r)
		return
	}
	data, err := h.photos.Photo(r.Context(), sum)
	var missing *ocop.NotFoundError
	switch {
	case errors.As(err, &missing):
		h.notFound(w, r)
		return
	case err != nil:
		h.log.Error("photo", "err", err)
		h.serverError(w, r)
		return
	case photo.TypeOf(data) != ct:
		h.notFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(data)
}

// jwk is one key of the JWK set (RFC 7517) in the OKP form of RFC 8037.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

func (h *Handler) jwks(w http.ResponseWriter, _ *http.Request) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range h.keys.All() {
		// A compromised key leaves the set: a verifier that knows no
		// better then rejects its stamps as signed by an unknown key.
		if h.keys.State(k.ID).Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
			continue
		}
		set.Keys = append(set.Keys, jwk{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(ed25519.PublicKey(k.Public)), Kid: k.ID.String(), Alg: "EdDSA", Use: "sig"})
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	json.NewEncoder(w).Encode(set)
}

// revocations serves a page of the revocation list, or of its changes:
// ?since=, ?page_size= and ?page_token= are ListRevocations' fields.
func (h *Handler) revocations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := &estampv1.ListRevocationsRequest{PageToken: q.Get("page_token")}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			http.Error(w, "since: not a version number", http.StatusBadRequest)
			return
		}
		req.SinceVersion = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			http.Error(w, fmt.Sprintf("page_size: not a number of entries (0 to %d)", paging.MaxSize), http.StatusBadRequest)
			return
		}
		req.PageSize = int32(n)
	}
	resp, err := h.revoked.ListRevocations(r.Context(), req)
	var invalid *ocop.InvalidError
	switch {
	case errors.As(err, &invalid):
		// Names the field and why, as the gRPC call does.
		http.Error(w, invalid.Error(), http.StatusBadRequest)
		return
	case err != nil:
		h.log.Error("revocation list", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(resp)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
}

// lastStampSegment is the index of the last "/V/" or "/v/" in path, or -1.
// It compares bytes: upper-casing the path first would change its length
// wherever it holds invalid UTF-8, and the index would not fit the path.
func lastStampSegment(path string) int {
	return max(strings.LastIndex(path, stampcode.PathSegment), strings.LastIndex(path, strings.ToLower(stampcode.PathSegment)))
}

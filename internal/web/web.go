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

// Handler serves the web pages.
type Handler struct {
	verifier Verifier
	// basePath is the path of the service's base URL ("" at the root):
	// links to a stamp page are built from it, never from the request.
	basePath string
	keys     KeyRing
	revoked  RevocationList
	photos   Photos
	log      *slog.Logger
	page     *template.Template
	css      []byte
	mux      *http.ServeMux
}

// New builds the handler; basePath is the path of the base URL stamps are
// issued under ("" at the root, else e.g. "/QR", upper case).
func New(v Verifier, basePath string, ring KeyRing, revoked RevocationList, photos Photos, log *slog.Logger) (*Handler, error) {
	page, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return nil, err
	}
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		return nil, err
	}
	h := &Handler{verifier: v, basePath: basePath, keys: ring, revoked: revoked, photos: photos, log: log, page: page, css: css, mux: http.NewServeMux()}
	for _, rt := range routes {
		pattern := "GET " + rt.path
		if rt.path == "/" {
			pattern += "{$}"
		}
		h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { rt.serve(h, w, r) })
	}
	h.mux.HandleFunc("GET "+photo.Dir+"{file}", h.photo)
	// Any other path is not found. It is registered for GET so that any
	// other method gets 405 on every path, as it did before the table.
	h.mux.HandleFunc("GET /{path...}", http.NotFound)
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
			hd.Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
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
		http.NotFound(w, r)
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
		t := textsFor(language(r))
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, t.ServerError, http.StatusInternalServerError)
		return
	}
	// Each view is a scan with its own count: never from a shared cache.
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Vary", "Accept, Accept-Language")
	if wantsJSON(r) {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(resp)
		if err != nil {
			h.log.Error("verify from web: JSON", "err", err)
			http.Error(w, textsFor(language(r)).ServerError, http.StatusInternalServerError)
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
}

type resultView struct {
	Kind, Icon, Headline, Explain, Advice         string
	Product, StarsDrawn, StarsText, Group         string
	Producer, ProducerKind, Phone, Origin         string
	LegacyDistrict                                string
	Decision, Authority, DecisionDate, ValidUntil string
	Status, StatusKind, RevocationReason          string
	Lot, Produced, Expiry, Serial, Issued         string
	Recalled, RecallReason                        string
	ScanText, ScanNote                            string
	// Description is the producer's text for buyers; Photo the
	// product's photo's path, with its size in pixels.
	Description             string
	Photo                   string
	PhotoWidth, PhotoHeight int32
}

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
	tell := verdict.Tell(resp.Verdict, resp.Warnings)
	msg := resp.Message
	if lang == ocop.EN {
		msg = resp.MessageEn
	}
	// The icon says the verdict besides the colour, for readers who do
	// not see colour.
	icons := map[verdict.Tone]string{verdict.ToneOK: "✓", verdict.ToneWarn: "!", verdict.ToneBad: "✗"}
	rv := &resultView{Kind: string(tell.Tone), Icon: icons[tell.Tone], Headline: tell.Headline.In(lang), Explain: msg, Advice: tell.Advice.In(lang)}
	if resp.Product == nil {
		return rv
	}
	p, c, b, o, s := resp.Product, resp.Product.GetCertificate(), resp.Batch, resp.Origin, resp.Scans
	grade := p.GetStarGrade()
	rv.Product = p.GetName()
	rv.Description = p.GetDescription()
	rv.Photo, rv.PhotoWidth, rv.PhotoHeight = p.GetPhotoUrl(), p.GetPhotoWidth(), p.GetPhotoHeight()
	rv.StarsDrawn = strings.Repeat("★", int(grade)) + strings.Repeat("☆", max(0, 5-int(grade)))
	rv.StarsText = fmt.Sprintf(t.Stars, grade)
	rv.Group = ocop.GroupName(p.GetGroup(), lang)
	rv.Producer = resp.Producer.GetName()
	rv.ProducerKind = ocop.KindName(resp.Producer.GetKind(), lang)
	rv.Phone = resp.Producer.GetPhone()
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
	rv.RevocationReason = c.GetRevocationReason()
	rv.Lot = b.GetLot()
	rv.Produced = date(b.GetProductionDate(), lang, t)
	rv.Expiry = date(b.GetExpiryDate(), lang, t)
	rv.Serial = fmt.Sprint(resp.Serial)
	rv.Issued = when(b.GetIssueTime(), lang)
	if b.GetRevoked() {
		rv.Recalled, rv.RecallReason = when(b.GetRevokeTime(), lang), b.GetRevocationReason()
	}
	switch {
	case s.GetScanCount() == 0:
		rv.ScanText = t.NoScans
	case s.GetScanCount() == 1:
		rv.ScanText = fmt.Sprintf(t.ScanCountFirst, when(s.GetFirstScanTime(), lang))
	default:
		rv.ScanText = fmt.Sprintf(t.ScanCount, s.GetScanCount(), when(s.GetFirstScanTime(), lang))
	}
	if slices.Contains(resp.Warnings, estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED) {
		rv.ScanNote = verdict.Warning(estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED).In(lang)
	}
	return rv
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
		h.log.Error("render page", "err", err)
		http.Error(w, v.T.ServerError, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
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
		http.NotFound(w, r)
		return
	}
	data, err := h.photos.Photo(r.Context(), sum)
	var missing *ocop.NotFoundError
	switch {
	case errors.As(err, &missing):
		http.NotFound(w, r)
		return
	case err != nil:
		h.log.Error("photo", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case photo.TypeOf(data) != ct:
		http.NotFound(w, r)
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

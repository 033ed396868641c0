package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	xlanguage "golang.org/x/text/language"
	"golang.org/x/text/message"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/ratelimit"
)

// parsePages reads every page template: each file under templates/ but
// layout.html defines "content" (and may define "title"), and is parsed
// into its own copy of the layout.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	err = fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "templates/layout.html" || !strings.HasSuffix(p, ".html") {
			return err
		}
		t, err := template.Must(layout.Clone()).ParseFS(files, p)
		if err != nil {
			return err
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")] = t
		return nil
	})
	return pages, err
}

// funcs are what templates may call besides Page's methods; anything
// about dates goes through package ocop, the one place of Vietnam's time.
var funcs = template.FuncMap{
	"roleKey": func(r estampv1.Role) string { return "role." + auth.RoleName(r) },
}

// Page is what a page template sees.
type Page struct {
	// Title is a catalogue key.
	Title string
	// Data is the page's own.
	Data any
	// Errors are form fields' problems, by field name, already in the
	// reader's language.
	Errors map[string]string
	// Problem is a message for the whole form or page.
	Problem string
	// Notice is a message that something was done.
	Notice string

	rq    *Request
	words catalogue
}

// T says a catalogue key in the page's language.
func (p *Page) T(key string) string { return p.words.say(p.rq.Lang, key) }

// Tf says a catalogue key's format with arguments.
func (p *Page) Tf(key string, args ...any) string { return fmt.Sprintf(p.T(key), args...) }

// Lang is the page's language code.
func (p *Page) Lang() string { return string(p.rq.Lang) }

// EN reports an English page.
func (p *Page) EN() bool { return p.rq.Lang == ocop.EN }

// CSRF is the token forms carry.
func (p *Page) CSRF() string {
	if p.rq.Session == nil {
		return ""
	}
	return p.rq.Session.CSRF
}

// Who is the signed-in person's display name; empty on public pages.
func (p *Page) Who() string {
	if p.rq.Session == nil {
		return ""
	}
	return p.rq.Session.Account.DisplayName
}

// RoleKey is the catalogue key of the signed-in person's role.
func (p *Page) RoleKey() string { return "role." + auth.RoleName(p.rq.Role()) }

// Nav is the navigation of the signed-in person's role.
func (p *Page) Nav() []NavItem { return navFor(p.rq.Role(), p.rq.R.URL.Path) }

// LangURL switches language and comes back here.
func (p *Page) LangURL() string {
	to := "en"
	if p.rq.Lang == ocop.EN {
		to = "vi"
	}
	return Prefix + "lang?to=" + to + "&back=" + url.QueryEscape(p.rq.R.URL.RequestURI())
}

// Date shows an API date (YYYY-MM-DD) as people read it.
func (p *Page) Date(s string) string { return ocop.ShowDate(s, p.rq.Lang) }

// Time shows a moment in Vietnam's time.
func (p *Page) Time(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ocop.ShowTime(ts.AsTime(), p.rq.Lang)
}

// Num shows a count with the reader's thousands separator: 100.000 in
// Vietnamese, 100,000 in English.
func (p *Page) Num(n any) string {
	tag := xlanguage.Vietnamese
	if p.rq.Lang == ocop.EN {
		tag = xlanguage.English
	}
	return message.NewPrinter(tag).Sprint(n)
}

// Group, Kind and Authority name registry values in the reader's
// language.
func (p *Page) Group(g estampv1.ProductGroup) string { return ocop.GroupName(g, p.rq.Lang) }

// Kind names a kind of producer.
func (p *Page) Kind(k estampv1.ProducerKind) string { return ocop.KindName(k, p.rq.Lang) }

// Authority names a certifying authority.
func (p *Page) Authority(a estampv1.CertifyingAuthority) string {
	return ocop.AuthorityName(a, p.rq.Lang)
}

// render writes a page with status code.
func (h *Handler) render(rq *Request, code int, name string, p *Page) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("console: no page %q", name)
	}
	p.rq, p.words = rq, h.words
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("console: page %s: %w", name, err)
	}
	rq.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.W.WriteHeader(code)
	_, err := rq.W.Write(buf.Bytes())
	return err
}

// problem is a page that says one thing went wrong.
func (h *Handler) problem(rq *Request, code int, text string) {
	if err := h.render(rq, code, "problem", &Page{Title: "console", Problem: text}); err != nil {
		h.cfg.Log.Error("console: problem page", "err", err)
		http.Error(rq.W, text, code)
	}
}

func (h *Handler) forbidden(rq *Request, key string) {
	h.problem(rq, http.StatusForbidden, h.words.say(rq.Lang, key))
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, rq *Request) {
	if rq == nil {
		rq = &Request{W: w, R: r, Lang: language(r)}
		if s, err := h.session(r); err == nil {
			rq.Session = s
		}
	}
	h.problem(rq, http.StatusNotFound, h.words.say(rq.Lang, "notfound"))
}

// fail turns what a page's work returned into a page: the one place the
// console maps service statuses to what a person reads. A refusal never
// says whether the thing asked about exists (the services answer
// PermissionDenied for someone else's and for nothing alike).
func (h *Handler) fail(rq *Request, err error) {
	say := func(key string) string { return h.words.say(rq.Lang, key) }
	var fe *fieldError
	var limited *ratelimit.ExceededError
	switch {
	case errors.Is(err, errNotFound):
		h.problem(rq, http.StatusNotFound, say("notfound"))
		return
	case errors.As(err, &fe):
		h.problem(rq, http.StatusBadRequest, say("invalid")+": "+fe.Field+" — "+say(fe.Key))
		return
	case errors.As(err, &limited):
		h.problem(rq, http.StatusTooManyRequests, say("exhausted"))
		return
	}
	st, ok := status.FromError(err)
	if !ok {
		h.cfg.Log.Error("console", "path", rq.R.URL.Path, "err", err)
		h.problem(rq, http.StatusInternalServerError, say("servererror"))
		return
	}
	switch st.Code() {
	case codes.Unauthenticated:
		clearSession(rq.W, rq.R)
		h.toSignIn(rq)
	case codes.PermissionDenied:
		h.problem(rq, http.StatusForbidden, say("denied"))
	case codes.NotFound:
		h.problem(rq, http.StatusNotFound, say("notfound"))
	case codes.InvalidArgument:
		h.problem(rq, http.StatusBadRequest, say("invalid")+": "+client.Message(st, rq.Lang))
	case codes.AlreadyExists:
		h.problem(rq, http.StatusConflict, say("conflict")+": "+client.Message(st, rq.Lang))
	case codes.FailedPrecondition:
		h.problem(rq, http.StatusConflict, say("precondition")+": "+client.Message(st, rq.Lang))
	case codes.ResourceExhausted:
		h.problem(rq, http.StatusTooManyRequests, say("exhausted"))
	default:
		h.problem(rq, http.StatusInternalServerError, say("servererror"))
	}
}

// FormErrors turns a service's refusal of a form into messages by field,
// for the form to show next to its fields: InvalidArgument says
// "field: reason" (package ocop). ok is false for any other error, which
// fail should show.
func (h *Handler) formErrors(rq *Request, err error) (fields map[string]string, ok bool) {
	var fe *fieldError
	if errors.As(err, &fe) {
		return map[string]string{fe.Field: h.words.say(rq.Lang, fe.Key)}, true
	}
	st, isStatus := status.FromError(err)
	if !isStatus {
		return nil, false
	}
	// The service's words in the page's language: "field: reason" both.
	msg := client.Message(st, rq.Lang)
	switch st.Code() {
	case codes.InvalidArgument:
		field, reason, found := strings.Cut(msg, ": ")
		if !found {
			return map[string]string{"": msg}, true
		}
		return map[string]string{field: reason}, true
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return map[string]string{"": msg}, true
	}
	return nil, false
}

// positive reads a form's whole number above zero.
func positive(r *http.Request, field string) (int64, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, &fieldError{field, "required"}
	}
	n, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "", " ", "").Replace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, &fieldError{field, "not.number"}
	}
	return n, nil
}

// formDate reads a form's date as people type it (dd/mm/yyyy) or as a
// date input sends it (yyyy-mm-dd), and returns the API's form; "" when
// empty.
func formDate(r *http.Request, field string) (string, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return "", nil
	}
	for _, layout := range []string{ocop.DateLayout, "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return ocop.FormatDate(t), nil
		}
	}
	return "", &fieldError{field, "not.date"}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// language is the console's language: the person's choice (a cookie set
// by the switch), else Vietnamese.
func language(r *http.Request) ocop.Lang {
	if c, err := r.Cookie("estamp-lang"); err == nil && c.Value == string(ocop.EN) {
		return ocop.EN
	}
	return ocop.VI
}

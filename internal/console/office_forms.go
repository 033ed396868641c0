package console

import (
	"errors"
	"html"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"
)

// form is one of the office's forms as its page shows it: what was typed,
// kept when the service refuses it, and the service's reasons next to the
// fields they name. Fields are named as the service names them in a
// refusal ("producer.address.province"), so that a reason finds its field
// without a table between the two.
type form struct {
	names  []string
	values map[string]string
	errors map[string]string
}

// newForm is an empty form of the named fields.
func newForm(names ...string) *form {
	return &form{names: names, values: map[string]string{}, errors: map[string]string{}}
}

// readForm is the named fields as posted, trimmed.
func readForm(r *http.Request, names ...string) *form {
	f := newForm(names...)
	for _, n := range names {
		f.values[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	return f
}

// Value is what a field holds.
func (f *form) Value(name string) string { return f.values[name] }

// Field is one field of a form, as a template writes it.
type Field struct {
	// Name is the field's name, and its id.
	Name  string
	Value string
	// Error is why the field was refused; "" when it was not.
	Error string
}

// F is a field of the form.
func (f *form) F(name string) Field {
	return Field{Name: name, Value: f.values[name], Error: f.errors[name]}
}

// Invalid marks a refused field for assistive technology and ties it to
// its reason, which the template writes as <p id="NAME-error">.
func (fd Field) Invalid() template.HTMLAttr {
	if fd.Error == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + html.EscapeString(fd.Name) + `-error"`)
}

// Hinted is Invalid for a field with a hint, which the template writes as
// <p id="NAME-hint">: the hint is read first, then the reason.
func (fd Field) Hinted() template.HTMLAttr {
	name := html.EscapeString(fd.Name)
	if fd.Error == "" {
		return template.HTMLAttr(`aria-describedby="` + name + `-hint"`)
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + name + `-hint ` + name + `-error"`)
}

// Failed reports whether the service refused the form.
func (f *form) Failed() bool { return len(f.errors) > 0 }

// refused takes the service's refusal of a form: the reasons go next to
// their fields, and a reason about a field the form does not show (or
// about none) is returned, to be shown above it. ok is false for an error
// that is not about what was sent, which fail shows.
func (h *Handler) refused(rq *Request, err error, f *form) (problem string, ok bool) {
	fields, ok := h.formErrors(rq, err)
	if !ok {
		return "", false
	}
	var others []string
	for field, reason := range fields {
		switch {
		case slices.Contains(f.names, field):
			f.errors[field] = reason
		case field == "":
			others = append(others, reason)
		default:
			others = append(others, field+": "+reason)
		}
	}
	slices.Sort(others)
	problem = strings.Join(others, " ")
	if problem == "" {
		problem = h.words.say(rq.Lang, "form.refused")
	}
	return problem, true
}

// confirmed reports whether the person ticked the confirmation checkbox
// of a form whose change reaches the stamps on goods, or cannot be
// undone; the checkbox's label names the consequence. When not, the form
// says so next to it. The checkbox is required in the
// page too: this is for clients that do not check.
func (h *Handler) confirmed(rq *Request, f *form) bool {
	if rq.R.PostFormValue("confirm") == "yes" {
		return true
	}
	f.errors["confirm"] = h.words.say(rq.Lang, "confirm.required")
	return false
}

// upload is the file posted in a multipart form's field, nil when none was
// chosen. The request body is bounded (maxForm) before it is read.
func upload(r *http.Request, field string) ([]byte, error) {
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if hdr.Size == 0 {
		return nil, nil
	}
	return io.ReadAll(f)
}

// done is the notice of a page reached after a change (POST, then
// redirect to ?done=what): the catalogue key of what was done, by what
// the redirect says; anything else says nothing.
func (h *Handler) done(rq *Request, notices map[string]string) string {
	if key, ok := notices[rq.R.URL.Query().Get("done")]; ok {
		return h.words.say(rq.Lang, key)
	}
	return ""
}

// addressFields are the address fields of a form, for the one fieldset
// every form with an address shows (layout.html, "address-fieldset").
type addressFields struct {
	P                                 *Page
	Province, Commune, Street, Legacy Field
}

// AddressFields are the address fields of form f whose names start with
// prefix, e.g. producer.address.province.
func (p *Page) AddressFields(f *form, prefix string) addressFields {
	a := prefix + ".address."
	return addressFields{P: p, Province: f.F(a + "province"), Commune: f.F(a + "commune"), Street: f.F(a + "street"), Legacy: f.F(a + "legacy_district")}
}

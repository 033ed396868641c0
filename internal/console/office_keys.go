package console

import (
	"net/http"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/verdict"
)

// officeKeyRoutes are the office's pages of the issuer's signing keys.
// Each change is behind a checkbox whose label says what it does to the
// stamps already on goods.
func officeKeyRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome + "/keys", Roles: office, serve: (*Handler).keysPage},
		{Method: "POST", Path: officeHome + "/keys/rotate", Roles: office, serve: (*Handler).rotateKey},
		{Method: "POST", Path: officeHome + "/keys/{key}/retire", Roles: office, serve: (*Handler).retireKey},
		{Method: "POST", Path: officeHome + "/keys/{key}/compromise", Roles: office, serve: (*Handler).compromiseKey},
	}
}

// keyRow is a key as the list shows it: its status in words and tone,
// and the changes it may still have.
type keyRow struct {
	*estampv1.IssuerKey
	StatusKey, Tone string
	// A retired key signs nothing any more; a compromised one stays so.
	CanRetire, CanCompromise bool
}

var keyStatuses = map[estampv1.KeyStatus]struct{ key, tone string }{
	estampv1.KeyStatus_KEY_STATUS_ACTIVE:      {"keys.status.active", "ok"},
	estampv1.KeyStatus_KEY_STATUS_RETIRED:     {"keys.status.retired", ""},
	estampv1.KeyStatus_KEY_STATUS_COMPROMISED: {"keys.status.compromised", "bad"},
}

type keysData struct {
	Keys []keyRow
	// Compromised is what a buyer is told of a stamp whose key was
	// compromised: the confirmation names it.
	Compromised string
	// Form is the refused form: Rotate, or Action of key Failed.
	Form   *form
	Rotate bool
	Failed string
	Action string
}

func (h *Handler) keysData(rq *Request) (*keysData, error) {
	list, err := h.api.verify.ListIssuerKeys(rq.Ctx(), &estampv1.ListIssuerKeysRequest{})
	if err != nil {
		return nil, err
	}
	d := &keysData{
		Form:        newForm("reason"),
		Compromised: verdict.Tell(estampv1.Verdict_VERDICT_KEY_COMPROMISED, nil).Headline.In(rq.Lang),
	}
	for _, k := range list.Keys {
		st := keyStatuses[k.Status]
		d.Keys = append(d.Keys, keyRow{IssuerKey: k, StatusKey: st.key, Tone: st.tone,
			CanRetire:     k.Status == estampv1.KeyStatus_KEY_STATUS_ACTIVE,
			CanCompromise: k.Status != estampv1.KeyStatus_KEY_STATUS_COMPROMISED,
		})
	}
	return d, nil
}

func (h *Handler) keysPage(rq *Request) error {
	d, err := h.keysData(rq)
	if err != nil {
		return err
	}
	notice := h.done(rq, map[string]string{"rotated": "keys.rotated", "retired": "keys.retired", "compromised": "keys.compromised"})
	return h.render(rq, http.StatusOK, "office/keys", &Page{Title: "nav.office.keys", Data: d, Notice: notice})
}

// keyChange runs one change of a key, once confirmed, and goes back to the
// list; a refusal shows the list again with the form's reasons. action
// names the form ("rotate", "retire" or "compromise").
func (h *Handler) keyChange(rq *Request, action string, f *form, call func() error) error {
	var problem string
	if h.confirmed(rq, f) {
		err := call()
		if err == nil {
			done := map[string]string{"rotate": "rotated", "retire": "retired", "compromise": "compromised"}[action]
			http.Redirect(rq.W, rq.R, officeHome+"/keys?done="+done, http.StatusSeeOther)
			return nil
		}
		var ok bool
		if problem, ok = h.refused(rq, err, f); !ok {
			return err
		}
	}
	d, err := h.keysData(rq)
	if err != nil {
		return err
	}
	d.Form, d.Rotate, d.Failed, d.Action = f, action == "rotate", rq.R.PathValue("key"), action
	return h.render(rq, http.StatusBadRequest, "office/keys", &Page{Title: "nav.office.keys", Data: d, Problem: problem})
}

func (h *Handler) rotateKey(rq *Request) error {
	return h.keyChange(rq, "rotate", newForm(), func() error {
		_, err := h.api.admin.RotateKey(rq.Ctx(), &estampv1.RotateKeyRequest{})
		return err
	})
}

func (h *Handler) retireKey(rq *Request) error {
	return h.keyChange(rq, "retire", newForm(), func() error {
		_, err := h.api.admin.RetireKey(rq.Ctx(), &estampv1.RetireKeyRequest{KeyId: rq.R.PathValue("key")})
		return err
	})
}

func (h *Handler) compromiseKey(rq *Request) error {
	f := readForm(rq.R, "reason")
	return h.keyChange(rq, "compromise", f, func() error {
		_, err := h.api.admin.MarkKeyCompromised(rq.Ctx(), &estampv1.MarkKeyCompromisedRequest{KeyId: rq.R.PathValue("key"), Reason: f.Value("reason")})
		return err
	})
}

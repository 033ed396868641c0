package client

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	"github.com/ocopvn/estamp/internal/ocop"
)

// Message is what a status says to a person reading lang: in Vietnamese,
// the message the server sent beside the status (errdetails.
// LocalizedMessage of locale vi-VN); in English, or from a server that
// sent none, the status message itself, which is English.
func Message(st *status.Status, lang ocop.Lang) string {
	if lang != ocop.EN {
		for _, d := range st.Details() {
			if m, ok := d.(*errdetails.LocalizedMessage); ok && m.GetLocale() == ocop.LocaleVI && m.GetMessage() != "" {
				return m.GetMessage()
			}
		}
	}
	return st.Message()
}

package ocop

import (
	"time"
)

// DateLayout is how dates travel in the API: ISO 8601 calendar dates.
const DateLayout = time.DateOnly

// ParseDate reads a YYYY-MM-DD date of a named field.
func ParseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, Invalid(field, "required, as YYYY-MM-DD")
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, Invalid(field, "%q is not a date of the form YYYY-MM-DD", s)
	}
	if t.Year() < 1990 || t.Year() > 2149 {
		return time.Time{}, Invalid(field, "%q is outside 1990..2149", s)
	}
	return t, nil
}

// Today is the calendar date of t in Vietnam, where certificates are dated.
func Today(t time.Time) time.Time {
	y, m, d := t.In(vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// vietnam is UTC+7 all year; a fixed zone avoids depending on the host's
// time-zone database.
var vietnam = time.FixedZone("ICT", 7*60*60)

// FormatDate writes a date in the API's form.
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

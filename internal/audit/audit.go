// Package audit is what estamp's audit log says of a change: who made it
// and when (Change), and the words of its entry (Entry), whose actions are
// all listed in actions.go.
//
// The services build the entries, because they know what a change means;
// the store appends each one in the transaction of its change, and keeps
// the hash chain and the hashes of the records the change wrote, which are
// the log's integrity, not its wording.
package audit

import "time"

// Change says who makes a change and when. Every store method that changes
// the registry, issuance, custody, tokens or keys takes one, and appends
// its audit entry in the same transaction as the change: a change without
// its entry cannot commit.
type Change struct {
	// Actor is who asked: `role subject/token-id`, or the server itself.
	Actor string
	Time  time.Time
}

// Entry is what the audit log says of one change.
type Entry struct {
	Action Action
	// Target names what changed: an id, "serials", or nothing for the
	// database as a whole.
	Target string
	// Detail says the change in a sentence for people reading the log.
	Detail string
}

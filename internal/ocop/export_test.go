package ocop

// APIDate is apiDate, for the fuzz test that holds it to time.Parse.
var APIDate = apiDate

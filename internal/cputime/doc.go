// Package cputime reads the CPU time the process has used, for benchmarks
// that report what an operation costs in CPU: unlike operations per second,
// CPU time hardly moves when other processes share the cores.
package cputime

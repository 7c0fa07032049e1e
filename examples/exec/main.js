// exec: each TCP connection gets a process of its own: what the client sends
// goes to the process's standard input, and its standard output comes back.
// This one is a shell that names itself, then upper-cases everything; the
// connection ends when the process does (after the client has finished
// sending).
//
//   go run ./cmd/sluice examples/exec/main.js
//   echo hello | nc -q1 127.0.0.1 8007

pipy()

.listen(8007)
  .exec(['sh', '-c', 'echo "process $$"; tr a-z A-Z'])

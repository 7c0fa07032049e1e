// passthrough: TCP pass-through, connect alone: every byte from the client
// goes to BENCH_UPSTREAM and every byte back goes to the client.
pipy()

.listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .connect(os.env.BENCH_UPSTREAM || '127.0.0.1:8081')

// throttle: an HTTP server that answers at most RATE_LIMIT requests a second
// (10 by default), counted over all connections together. Requests beyond
// the limit are not refused: they wait for their turn.
//
//   RATE_LIMIT=2 go run ./cmd/sluice examples/throttle/main.js
//   for i in 1 2 3 4 5 6; do curl -s http://127.0.0.1:8006/; done

pipy({
  _n: 0, // per connection: requests answered
})

.listen(8006)
  .decodeHttpRequest()
  // A number is messages a second (a string such as '100k' would be bytes a
  // second, so the environment's string is converted). Streams naming the
  // same account share one budget.
  .tap(Number(os.env.RATE_LIMIT) || 10, 'requests')
  .replaceMessage(
    () => new Message(
      { status: 200, headers: { 'content-type': 'text/plain' } },
      `request ${++_n} on this connection, at ${new Date().toISOString()}\n`
    )
  )
  .encodeHttpResponse()

// rewrite.js: a module for use(). Its pipelines 'request' and 'response'
// change the headers of every message that passes, by the rules given as
// the first argument of use(): { request: { set, remove }, response: { set,
// remove } }, set an object of headers to set, remove a list of names.
pipy({
  _rewrite: (headers, rule) => (
    Object.keys(rule.set || {}).forEach(
      name => headers[name] = rule.set[name]
    ),
    (rule.remove || []).forEach(
      name => delete headers[name]
    )
  ),
})

.pipeline('request')
  .onMessageStart(
    e => _rewrite(e.head.headers, __argv[0].request)
  )

.pipeline('response')
  .onMessageStart(
    e => _rewrite(e.head.headers, __argv[0].response)
  )

// tcp-lb: a TCP load balancer: each connection goes to the next of the
// upstreams listed in UPSTREAMS (comma-separated), round robin.
//
//   UPSTREAMS=127.0.0.1:9001,127.0.0.1:9002 go run ./cmd/sluice examples/tcp-lb/main.js
//   echo hello | nc -q1 127.0.0.1 8003
//
// connect dials when the client's first bytes arrive, as Pipy's does. For a
// protocol whose server speaks first (MySQL, SMTP), choose the upstream in
// connect's target function and add { dialAtStart: true } (a sluice option):
//   .connect(() => _target = _balancer.select(), { dialAtStart: true })

pipy({
  _balancer: new algo.RoundRobinLoadBalancer(
    (os.env.UPSTREAMS || '127.0.0.1:9001,127.0.0.1:9002')
      .split(',')
      .map(s => s.trim())
      .filter(s => s !== '')
  ),

  _target: undefined, // per connection: the upstream chosen for it
})

.listen(8003)
  .onSessionStart(
    () => _target = _balancer.select()
  )
  .connect(
    () => _target
  )
  .onSessionEnd(
    () => _balancer.deselect(_target)
  )

import http from 'node:http'

// A loopback WeCom group robot (the announcement journey): POST /cgi-bin/webhook/send?key=K
// answers {"errcode":0,"errmsg":"ok"} and records the message; GET /_messages lists them.
export interface RobotMessage {
  key: string
  body: { msgtype?: string; text?: { content: string }; markdown?: { content: string } }
  at: number
}

export function startFakeRobot(port: number): Promise<http.Server> {
  const messages: RobotMessage[] = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    if (req.method === 'GET' && url.pathname === '/_messages') {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(messages))
      return
    }
    if (req.method === 'POST' && url.pathname === '/cgi-bin/webhook/send') {
      let raw = ''
      req.on('data', (chunk) => (raw += chunk))
      req.on('end', () => {
        try {
          messages.push({ key: url.searchParams.get('key') ?? '', body: JSON.parse(raw), at: Date.now() })
          res.writeHead(200, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }))
        } catch {
          res.writeHead(200, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ errcode: 40008, errmsg: 'invalid message' }))
        }
      })
      return
    }
    res.writeHead(404)
    res.end()
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

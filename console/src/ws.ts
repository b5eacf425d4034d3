import { tokens } from './api/tokens'
import { refreshAccess } from './api/client'

export interface Push {
  type: string
  payload: Record<string, unknown>
}

/** The notifications WebSocket (/ws/notifications/?token=): topic subscriptions and pushes. */
export class LiveSocket {
  private socket: WebSocket | null = null
  private closed = false
  private retries = 0
  private readonly topics = new Set<string>()

  constructor(private readonly onPush: (push: Push) => void, private readonly url = LiveSocket.defaultUrl) {}

  static defaultUrl(token: string): string {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    return `${scheme}://${location.host}/ws/notifications/?token=${encodeURIComponent(token)}`
  }

  open(): this {
    const token = tokens.access
    if (!token || this.closed) return this
    const socket = new WebSocket(this.url(token))
    this.socket = socket
    socket.onopen = () => {
      this.retries = 0
      for (const topic of this.topics) socket.send(JSON.stringify({ action: 'subscribe', topic }))
    }
    socket.onmessage = (event) => {
      try {
        this.onPush(JSON.parse(String(event.data)) as Push)
      } catch {
        /* not ours: ignore */
      }
    }
    socket.onclose = (event) => {
      if (this.closed) return
      // 4401-ish closes mean the token expired: refresh before reconnecting.
      const delay = Math.min(30000, 1000 * 2 ** this.retries++)
      setTimeout(async () => {
        if (event.code >= 4000) await refreshAccess()
        this.open()
      }, delay)
    }
    return this
  }

  subscribe(topic: string) {
    this.topics.add(topic)
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ action: 'subscribe', topic }))
  }

  /** Stop a topic's pushes (the server leaves its group) and forget it for reconnects. */
  unsubscribe(topic: string) {
    this.topics.delete(topic)
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ action: 'unsubscribe', topic }))
  }

  close() {
    this.closed = true
    this.socket?.close()
  }
}

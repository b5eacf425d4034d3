import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import MeetingPanel from '../src/components/MeetingPanel.vue'
import { i18n } from '../src/i18n'
import { tokens } from '../src/api/tokens'

const motion = {
  id: 7, meeting: 3, text: '同意加装电梯', status: 'open', attendees: null, passed: null,
  opened_at: '2027-01-05T19:00:00+08:00', closed_at: null, for: 1, against: 0, abstain: 0,
}
const meeting = {
  id: 3, consultation: 9, scheduled_at: '2027-01-05T19:00:00+08:00', place: '议事厅', station: null, agenda: [],
  quorum: 5, registered: 8, checked_in: 6, registered_by_me: false, checked_in_by_me: false,
  motions: [motion], minutes: null, check_in_code: '4821',
}

/** A WebSocket the test drives: what the panel sends, and pushes from the "server". */
class FakeSocket {
  static last: FakeSocket | null = null
  static OPEN = 1
  readyState = 0
  sent: unknown[] = []
  closed = false
  onopen: (() => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  constructor(readonly url: string) {
    FakeSocket.last = this
  }
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.closed = true
  }
  accept() {
    this.readyState = FakeSocket.OPEN
    this.onopen?.()
  }
  push(type: string, payload: unknown) {
    this.onmessage?.({ data: JSON.stringify({ type, payload }) })
  }
}

describe('MeetingPanel', () => {
  beforeEach(() => {
    tokens.set('A1', 'R1')
    FakeSocket.last = null
    vi.stubGlobal('WebSocket', FakeSocket)
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(meeting), { status: 200, headers: { 'Content-Type': 'application/json' } }))
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    localStorage.clear()
  })

  const counts = (wrapper: ReturnType<typeof mount>) =>
    wrapper.findAll('.el-table__body .count-for').map((cell) => cell.text())

  it('subscribes to the meeting while live, counts pushed motions, and unsubscribes on leave', async () => {
    const wrapper = mount(MeetingPanel, { props: { id: 3, live: true }, global: { plugins: [i18n, ElementPlus] } })
    await flushPromises()
    const socket = FakeSocket.last!
    expect(socket.url).toContain('/ws/notifications/?token=A1')
    socket.accept()
    expect(socket.sent).toEqual([{ action: 'subscribe', topic: 'consultations.meeting.3' }])
    await vi.waitFor(() => expect(counts(wrapper)).toEqual(['1']))

    socket.push('motion_updated', { ...motion, for: 4, against: 1 })
    socket.push('motion_updated', { ...motion, id: 99, meeting: 4, for: 50 }) // another meeting's: not ours
    await vi.waitFor(() => expect(counts(wrapper)).toEqual(['4']))
    expect(wrapper.find('.el-table__body .count-against').text()).toBe('1')

    socket.push('motion_updated', { ...motion, id: 8, text: '第二项动议', for: 2 }) // just opened: a new row
    await vi.waitFor(() => expect(counts(wrapper)).toEqual(['4', '2']))

    wrapper.unmount()
    expect(socket.sent).toContainEqual({ action: 'unsubscribe', topic: 'consultations.meeting.3' })
    expect(socket.closed).toBe(true)
  })

  it('opens no socket for a past meeting', async () => {
    const wrapper = mount(MeetingPanel, { props: { id: 3, live: false }, global: { plugins: [i18n, ElementPlus] } })
    await flushPromises()
    expect(FakeSocket.last).toBeNull()
    await vi.waitFor(() => expect(counts(wrapper)).toEqual(['1']))
    wrapper.unmount()
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import MeetingPanel from '../src/components/MeetingPanel.vue'
import { i18n } from '../src/i18n'
import { figure, formatFigure, rankChildren, type Unit } from '../src/dashboard'

const unit = (name: string, received: number, onTime: number | null) =>
  ({ grid: name.length, name, level: 'community', appeals: { received, on_time_rate: onTime } }) as unknown as Unit

describe('dashboard figures', () => {
  it('reads a figure by its key and shows rates as percentages', () => {
    const u = unit('甲', 7, 0.8123)
    expect(figure(u, 'appeals.received')).toBe(7)
    expect(figure(u, 'mediation.applied')).toBeNull()
    expect(formatFigure(0.8123, 'rate')).toBe('81.2%')
    expect(formatFigure(null, 'rate')).toBe('—')
    expect(formatFigure(12345, 'count')).toBe('12,345')
    expect(formatFigure(34.649, 'decimal')).toBe('34.65')
  })

  it('ranks the children, units without the figure last', () => {
    const ranked = rankChildren([unit('甲', 1, null), unit('乙', 5, 0.5), unit('丙', 3, 0.9)], 'appeals.on_time_rate')
    expect(ranked.map((u) => u.name)).toEqual(['丙', '乙', '甲'])
    expect(rankChildren([unit('甲', 1, null), unit('乙', 5, 0.5)], 'appeals.received', true).map((u) => u.name)).toEqual(['甲', '乙'])
  })
})

describe('MeetingPanel', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('shows the check-in code large and the counts of each motion', async () => {
    const meeting = {
      id: 9, consultation: 3, scheduled_at: '2027-01-05T19:00:00+08:00', place: '议事厅', agenda: ['情况介绍'], quorum: 2, registered: 1, checked_in: 2,
      motions: [{ id: 1, meeting: 9, text: '同意方案', status: 'open', attendees: 2, passed: null, opened_at: '2027-01-05T19:10:00+08:00', closed_at: null, for: 2, against: 0, abstain: 1 }],
      minutes: null, check_in_code: '437790',
    }
    const seen: string[] = []
    vi.stubGlobal('fetch', async (input: Request) => {
      seen.push(new URL(input.url).pathname)
      return new Response(JSON.stringify(meeting), { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    const wrapper = mount(MeetingPanel, { props: { id: 9, live: false }, global: { plugins: [i18n, ElementPlus], stubs: { RouterLink: true } } })
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('.check-in-code').text()).toBe('437790')
    })
    expect(seen).toContain('/api/v1/meetings/9')
    expect(wrapper.find('.count-for').text()).toBe('2')
    expect(wrapper.find('.count-abstain').text()).toBe('1')
    expect(wrapper.find('[data-action="close-motion"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('情况介绍')
    wrapper.unmount()
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import ModerationQueue from '../src/components/ModerationQueue.vue'
import { i18n } from '../src/i18n'

const counts = { posts_held: 0, posts_reported: 0, posts_hidden_pending: 0, objections_held: 1, consultations_held: 0 }
const objection = {
  kind: 'objection', id: 5, consultation: 3, consultation_title: '楼道堆物', text: '公示内容有误', held_label: 'unreachable',
  author: null, created_at: '2027-01-05T19:00:00+08:00',
}

describe('ModerationQueue', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('releases a held objection from its tab', async () => {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (input: Request) => {
      const url = new URL(input.url)
      seen.push(`${input.method} ${url.pathname}${url.search}`)
      const kind = url.searchParams.get('kind')
      const body = url.pathname === '/api/v1/moderation/queue'
        ? { counts, next: null, previous: null, results: kind === 'objection' ? [objection] : [] }
        : input.method === 'POST' ? { ...objection, status: 'visible' } : { next: null, previous: null, results: [] }
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    const wrapper = mount(ModerationQueue, { global: { plugins: [i18n, ElementPlus], stubs: { RouterLink: true } } })
    await flushPromises()
    expect(wrapper.text()).toContain('(1)')
    await wrapper.findAll('.el-radio-button input')[1].setValue(true)
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('.el-table__body [data-action="release"]').exists()).toBe(true)
    })
    expect(wrapper.text()).toContain('公示内容有误')
    expect(wrapper.find('.el-table__body [data-action="hide"]').exists()).toBe(true)
    // The table's body (Element Plus also renders each column's slot once without a row).
    await wrapper.find('.el-table__body [data-action="release"]').trigger('click')
    await vi.waitFor(() => expect(seen).toContain('POST /api/v1/objections/5/release'))
    wrapper.unmount()
  })
})

import { describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import ErrorAlert from '../src/components/ErrorAlert.vue'
import FormDialog from '../src/components/FormDialog.vue'
import CursorPager from '../src/components/CursorPager.vue'
import { ApiError } from '../src/api/errors'
import { i18n } from '../src/i18n'
import { deadlineState, useCursorList } from '../src/composables'

const plugins = [i18n, ElementPlus]

describe('ErrorAlert', () => {
  it('shows the message and the fields no input shows', () => {
    const error = new ApiError(400, 'invalid', '输入有误', { title: ['必填'], grid: ['不在辖区'] })
    const wrapper = mount(ErrorAlert, { props: { error, shown: ['title'] }, global: { plugins } })
    expect(wrapper.text()).toContain('输入有误')
    expect(wrapper.text()).toContain('grid: 不在辖区')
    expect(wrapper.text()).not.toContain('title: 必填')
    expect(wrapper.find('[data-code="invalid"]').exists()).toBe(true)
  })

  it('shows nothing without an error', () => {
    const wrapper = mount(ErrorAlert, { props: { error: null }, global: { plugins } })
    expect(wrapper.text()).toBe('')
  })
})

describe('FormDialog', () => {
  it('puts each field error of the API under its input and stays open', async () => {
    const submit = async () => {
      throw new ApiError(400, 'invalid', '请检查输入', { reason: ['不能为空'] })
    }
    const wrapper = mount(FormDialog, {
      props: { modelValue: true, title: '驳回', fields: [{ name: 'reason', label: '原因', type: 'textarea' }], submit },
      global: { plugins },
      attachTo: document.body,
    })
    await flushPromises()
    ;(document.querySelector('.dialog-submit') as HTMLButtonElement).click()
    await flushPromises()
    await vi.waitFor(() => expect(document.querySelector('.el-form-item__error')?.textContent).toContain('不能为空'))
    expect(document.body.textContent).toContain('请检查输入')
    expect(wrapper.emitted('done')).toBeUndefined()
    wrapper.unmount()
  })
})

describe('CursorPager', () => {
  it('offers only the directions the API gave a cursor for, and follows them', async () => {
    const asked: (string | undefined)[] = []
    const list = useCursorList<{ id: number }>(async (cursor) => {
      asked.push(cursor)
      return { next: cursor ? null : 'http://x/api/v1/appeals?cursor=abc', previous: null, results: [] }
    })
    await list.load()
    const wrapper = mount(CursorPager, { props: { list }, global: { plugins } })
    const [previous, next] = wrapper.findAll('button')
    expect(previous.attributes('disabled')).toBeDefined()
    expect(next.attributes('disabled')).toBeUndefined()
    await next.trigger('click')
    await flushPromises()
    expect(asked).toEqual([undefined, 'abc'])
    expect(next.attributes('disabled')).toBeDefined()
  })
})

describe('deadlines', () => {
  it('marks overdue and due within a day', () => {
    const now = Date.parse('2026-12-01T00:00:00Z')
    expect(deadlineState('2026-11-30T23:00:00Z', now)).toBe('overdue')
    expect(deadlineState('2026-12-01T12:00:00Z', now)).toBe('soon')
    expect(deadlineState('2026-12-05T00:00:00Z', now)).toBe('')
    expect(deadlineState(null, now)).toBe('')
  })
})

import { ref, shallowRef, watch, type Ref, type WatchSource } from 'vue'
import { ApiError, asApiError } from './api/errors'
import { cursorOf } from './api/client'
import { i18n } from './i18n'

export interface Page<T> {
  next?: string | null
  previous?: string | null
  results: T[]
}

/** A list paginated by the API's cursors: load(), next(), previous(), with its error. With
 * `reloadOn` (a page's filters), it loads at once and again from the first page on each change. */
export function useCursorList<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  { reloadOn }: { reloadOn?: WatchSource | WatchSource[] | object } = {},
) {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const next = ref<string | undefined>()
  const previous = ref<string | undefined>()
  const loading = ref(false)
  const error = ref<ApiError | null>(null)
  let current: string | undefined
  let serial = 0

  async function load(cursor: string | undefined = undefined) {
    const mine = ++serial
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursor)
      if (mine !== serial) return // a newer filter's answer wins
      current = cursor
      items.value = page.results
      next.value = cursorOf(page.next)
      previous.value = cursorOf(page.previous)
    } catch (err) {
      if (mine !== serial) return
      error.value = asApiError(err, i18n.global.t('errors.network'))
    } finally {
      if (mine === serial) loading.value = false
    }
  }

  if (reloadOn) watch(reloadOn as WatchSource, () => load(), { immediate: true })

  return {
    items, next, previous, loading, error, load,
    reload: () => load(current),
    goNext: () => next.value && load(next.value),
    goPrevious: () => previous.value && load(previous.value),
  }
}

export type CursorList<T> = ReturnType<typeof useCursorList<T>>

/** The one object a detail page shows: load() (re)reads it; a refusal (a 404 too) is the page's
 * error, and the object is gone. */
export function useDetail<T>(fetchOne: () => Promise<T>) {
  const item = ref<T | null>(null) as Ref<T | null>
  const loader = useAction()
  async function load() {
    item.value = (await loader.run(fetchOne)) ?? null
  }
  return { item, error: loader.error, load }
}

/** Run one API action, keeping its error for the form (fields) or the page (message). */
export function useAction() {
  const busy = ref(false)
  const error = ref<ApiError | null>(null)
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    busy.value = true
    error.value = null
    try {
      return await action()
    } catch (err) {
      error.value = asApiError(err, i18n.global.t('errors.network'))
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, error, run }
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  return date.toLocaleString(i18n.global.locale.value === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  })
}

/** Deadline class: overdue (past), soon (within 24 h), or none. */
export function deadlineState(due: string | null | undefined, now = Date.now()): 'overdue' | 'soon' | '' {
  if (!due) return ''
  const left = new Date(due).getTime() - now
  if (left < 0) return 'overdue'
  if (left < 24 * 3600 * 1000) return 'soon'
  return ''
}

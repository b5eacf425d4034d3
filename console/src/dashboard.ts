import type { components } from './api/schema'

export type Dashboard = components['schemas']['DashboardOut']
export type Unit = components['schemas']['UnitFigures']

/** A headline figure: where it sits in the document, and how to show it. */
export interface Headline {
  key: string // `block.field`, also the card's class (figure-block-field) for the end-to-end test
  format: 'count' | 'rate' | 'hours' | 'decimal'
}

// The figures on the cards, in the order of the screen (API.md "Dashboard").
export const HEADLINES: Headline[] = [
  { key: 'residents.total', format: 'count' },
  { key: 'residents.verified', format: 'count' },
  { key: 'appeals.received', format: 'count' },
  { key: 'appeals.closed', format: 'count' },
  { key: 'appeals.on_time_rate', format: 'rate' },
  { key: 'appeals.closed_in_grid_rate', format: 'rate' },
  { key: 'appeals.satisfaction_rate', format: 'rate' },
  { key: 'appeals.overdue_open', format: 'count' },
  { key: 'appeals.median_close_hours', format: 'hours' },
  { key: 'appeals.per_1000_residents', format: 'decimal' },
  { key: 'mediation.applied', format: 'count' },
  { key: 'mediation.agreed_rate', format: 'rate' },
  { key: 'consultations.raised', format: 'count' },
  { key: 'consultations.resolved', format: 'count' },
  { key: 'monthly.turnout_rate', format: 'rate' },
  { key: 'notifications.sent', format: 'count' },
  { key: 'notifications.dead', format: 'count' },
]

// What the child units can be ranked by: larger first, except where smaller is better.
export const RANKINGS: { key: string; format: Headline['format']; ascending?: boolean }[] = [
  { key: 'appeals.received', format: 'count' },
  { key: 'appeals.on_time_rate', format: 'rate' },
  { key: 'appeals.satisfaction_rate', format: 'rate' },
  { key: 'appeals.overdue_open', format: 'count' },
  { key: 'appeals.per_1000_residents', format: 'decimal' },
  { key: 'mediation.applied', format: 'count' },
  { key: 'consultations.raised', format: 'count' },
  { key: 'residents.verified', format: 'count' },
]

/** The value at `block.field` of a unit's figures (null when the API gives none). */
export function figure(doc: Dashboard | Unit, key: string): number | null {
  const [block, field] = key.split('.')
  const value = (doc as unknown as Record<string, Record<string, unknown>>)[block]?.[field]
  return typeof value === 'number' ? value : null
}

/** A figure as the screen shows it; a rate of the API is a fraction (0.8123 → 81.2%). */
export function formatFigure(value: number | null, format: Headline['format'], locale = 'zh-CN'): string {
  if (value === null || Number.isNaN(value)) return '—'
  switch (format) {
    case 'rate':
      return `${(Math.round(value * 1000) / 10).toFixed(1)}%`
    case 'hours':
      return (Math.round(value * 10) / 10).toFixed(1)
    case 'decimal':
      return (Math.round(value * 100) / 100).toFixed(2)
    default:
      return value.toLocaleString(locale)
  }
}

/** The child units ranked by one figure; units without the figure go last, ties by name. */
export function rankChildren(children: Unit[], key: string, ascending = false): Unit[] {
  return [...children].sort((a, b) => {
    const x = figure(a, key)
    const y = figure(b, key)
    if (x === null && y === null) return a.name.localeCompare(b.name)
    if (x === null) return 1
    if (y === null) return -1
    if (x !== y) return ascending ? x - y : y - x
    return a.name.localeCompare(b.name)
  })
}

// Micro-grids and dedicated grids are leaves: nothing below them to drill into.
export const LEAF_LEVELS = new Set(['micro', 'dedicated'])

import { reactive } from 'vue'
import { api, unwrap } from './api/client'
import { tokens } from './api/tokens'
import type { components } from './api/schema'

export type User = components['schemas']['ResidentsUserOut']
export interface RoleAt {
  role: string
  grid: number
  grid_name: string
}

// The roles that make someone staff-side (API.md "Grids" roles); a resident has none of these.
export const STAFF_ROLES = ['admin', 'staff', 'grid_leader', 'grid_worker', 'mediator', 'police', 'lawyer'] as const

export type Section = 'appeals' | 'mediation' | 'monthly' | 'consultations' | 'notifications' | 'residents' | 'staff' | 'dashboard'

// Which roles see which menu; the API still decides every object and action.
export const SECTION_ROLES: Record<Section, readonly string[]> = {
  appeals: ['admin', 'staff', 'grid_leader', 'grid_worker'],
  mediation: ['admin', 'staff', 'mediator', 'police', 'lawyer'],
  monthly: ['admin', 'staff'],
  consultations: ['admin', 'staff', 'grid_leader', 'grid_worker'],
  notifications: ['admin', 'staff'],
  residents: ['admin', 'staff', 'grid_leader', 'grid_worker'],
  staff: ['admin'],
  dashboard: ['admin', 'staff'],
}

export const auth = reactive({
  user: null as User | null,
  loaded: false,
})

export function roles(): RoleAt[] {
  return ((auth.user?.roles ?? []) as unknown as RoleAt[])
}

export function hasAnyRole(wanted: readonly string[]): boolean {
  return roles().some((r) => wanted.includes(r.role))
}

export function isStaffSide(): boolean {
  return hasAnyRole(STAFF_ROLES)
}

export function canSee(section: Section): boolean {
  return hasAnyRole(SECTION_ROLES[section])
}

/** The distinct units where the caller holds any role: the tops of their reach. */
export function reachUnits(): { id: number; name: string }[] {
  const seen = new Map<number, string>()
  for (const r of roles()) if (!seen.has(r.grid)) seen.set(r.grid, r.grid_name)
  return [...seen].map(([id, name]) => ({ id, name }))
}

export async function loadMe(): Promise<User | null> {
  if (!tokens.access) {
    auth.user = null
    auth.loaded = true
    return null
  }
  try {
    auth.user = await unwrap(api.GET('/api/v1/me'))
  } catch {
    auth.user = null
  }
  auth.loaded = true
  return auth.user
}

export async function signIn(username: string, password: string): Promise<User> {
  const body = await unwrap(api.POST('/api/v1/auth/password-login', { body: { username, password } }))
  tokens.set(body.access, body.refresh)
  auth.user = body.user
  auth.loaded = true
  return body.user
}

export function signOut() {
  tokens.clear()
  auth.user = null
}

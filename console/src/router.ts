import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { auth, canSee, isStaffSide, loadMe, type Section } from './auth'

declare module 'vue-router' {
  interface RouteMeta {
    section?: Section
    public?: boolean
  }
}

// Every page is its own chunk: the first load carries only the shell and the sign-in page.
const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/forbidden', name: 'forbidden', component: () => import('./views/ForbiddenView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('./views/LayoutView.vue'),
    children: [
      { path: '', name: 'home', component: () => import('./views/HomeView.vue') },
      { path: 'dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue'), meta: { section: 'dashboard' } },
      { path: 'appeals', name: 'appeals', component: () => import('./views/AppealsView.vue'), meta: { section: 'appeals' } },
      { path: 'appeals/:id(\\d+)', name: 'appeal', component: () => import('./views/AppealDetailView.vue'), meta: { section: 'appeals' }, props: true },
      { path: 'mediation', name: 'mediation', component: () => import('./views/MediationView.vue'), meta: { section: 'mediation' } },
      { path: 'mediation/:id(\\d+)', name: 'case', component: () => import('./views/CaseDetailView.vue'), meta: { section: 'mediation' }, props: true },
      { path: 'monthly', name: 'monthly', component: () => import('./views/MonthlyView.vue'), meta: { section: 'monthly' } },
      { path: 'monthly/:id(\\d+)', name: 'round', component: () => import('./views/RoundDetailView.vue'), meta: { section: 'monthly' }, props: true },
      { path: 'consultations', name: 'consultations', component: () => import('./views/ConsultationsView.vue'), meta: { section: 'consultations' } },
      { path: 'consultations/:id(\\d+)', name: 'consultation', component: () => import('./views/ConsultationDetailView.vue'), meta: { section: 'consultations' }, props: true },
      { path: 'notifications', name: 'notifications', component: () => import('./views/NotificationsView.vue'), meta: { section: 'notifications' } },
      { path: 'residents', name: 'residents', component: () => import('./views/ResidentsView.vue'), meta: { section: 'residents' } },
      { path: 'staff', name: 'staff', component: () => import('./views/StaffView.vue'), meta: { section: 'staff' } },
      { path: ':rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!auth.loaded || !auth.user) {
    // A cold start: fetch the page's chunks while /me answers, rather than after this guard (the
    // router asks for them once the guards pass; the browser then has them). Every component
    // here is a lazy import, so a function in `components` is the import.
    for (const record of to.matched) {
      const lazy = record.components?.default
      if (typeof lazy === 'function') (lazy as () => Promise<unknown>)().catch(() => undefined)
    }
    await loadMe()
  }
  if (!auth.user) return { name: 'login', query: { next: to.fullPath } }
  // A resident's token opens nothing here: the console is for the staff side only.
  if (!isStaffSide()) return { name: 'forbidden' }
  if (to.meta.section && !canSee(to.meta.section)) return { name: 'forbidden' }
  return true
})

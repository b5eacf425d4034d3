// Ports and services of the end-to-end run (override by environment; defaults for CI).
export const SERVER_PORT = Number(process.env.E2E_PORT ?? 8122)
export const ROBOT_PORT = Number(process.env.E2E_ROBOT_PORT ?? 8123)
export const BASE_URL = `http://127.0.0.1:${SERVER_PORT}`
export const ROBOT_URL = `http://127.0.0.1:${ROBOT_PORT}`
export const DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/yd_console_e2e'
export const REDIS_URL = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/12'
export const BROKER_URL = process.env.E2E_BROKER_URL ?? 'redis://127.0.0.1:6379/13'
export const RESIDENTS = process.env.E2E_RESIDENTS ?? '200'
export const PASSWORD = 'yuandian-demo-2026'
export const STATE_FILE = 'test-results/e2e-state.json'

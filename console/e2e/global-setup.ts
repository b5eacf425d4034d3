import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, openSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startFakeRobot } from './fake-robot'
import { BASE_URL, BROKER_URL, DATABASE_URL, REDIS_URL, RESIDENTS, ROBOT_PORT, STATE_FILE } from './env'

// A real server for the journeys: a fresh PostgreSQL database, migrated and seeded with demo
// data, the ASGI server (HTTP and WebSockets), a Celery worker, and a fake group robot.
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const console_ = path.resolve(here, '..')

export const serverEnv: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL,
  REDIS_URL,
  CELERY_BROKER_URL: BROKER_URL,
  ROBOT_WEBHOOK_EXTRA_HOSTS: '127.0.0.1',
  LOG_LEVEL: 'WARNING',
  // Many sign-ins in a short run: the journeys are one client.
  THROTTLE_LOGIN: '10000/min',
  THROTTLE_USER: '100000/min',
  THROTTLE_ANON: '100000/min',
  PYTHONUNBUFFERED: '1',
}

function run(cmd: string, args: string[]) {
  const done = spawnSync(cmd, args, { cwd: root, env: serverEnv, encoding: 'utf-8' })
  if (done.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${done.stdout}\n${done.stderr}`)
  return done.stdout
}

async function waitFor(url: string, deadlineMs: number) {
  const until = Date.now() + deadlineMs
  for (;;) {
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer in time`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

export default async function globalSetup() {
  mkdirSync(path.join(console_, 'test-results'), { recursive: true })
  const db = new URL(DATABASE_URL)
  const name = db.pathname.slice(1)
  const admin = new URL(DATABASE_URL)
  admin.pathname = '/postgres'
  run('python', ['-c', `
import psycopg
with psycopg.connect(${JSON.stringify(admin.toString())}, autocommit=True) as c:
    c.execute('DROP DATABASE IF EXISTS "${name}" WITH (FORCE)')
    c.execute('CREATE DATABASE "${name}"')
import redis
for url in (${JSON.stringify(REDIS_URL)}, ${JSON.stringify(BROKER_URL)}):
    redis.Redis.from_url(url).flushdb()
`])
  run('python', ['manage.py', 'migrate', '--noinput', '-v0'])
  run('python', ['manage.py', 'seed_demo', '--residents', RESIDENTS])
  const fixtures = JSON.parse(run('python', ['console/e2e/fixtures.py']).trim().split('\n').pop() as string)

  const log = openSync(path.join(console_, 'test-results', 'server.log'), 'w')
  const children: ChildProcess[] = [
    spawn('uvicorn', ['backend.asgi:application', '--host', '127.0.0.1', '--port', new URL(BASE_URL).port, '--log-level', 'warning'],
      { cwd: root, env: serverEnv, stdio: ['ignore', log, log] }),
    spawn('celery', ['-A', 'backend', 'worker', '-P', 'threads', '-c', '4', '-l', 'warning'],
      { cwd: root, env: serverEnv, stdio: ['ignore', log, log] }),
  ]
  const robot = await startFakeRobot(ROBOT_PORT)
  await waitFor(`${BASE_URL}/healthz`, 60_000)
  writeFileSync(path.join(console_, STATE_FILE), JSON.stringify({ fixtures, pids: children.map((c) => c.pid) }))

  return async () => {
    for (const child of children) child.kill('SIGTERM')
    robot.close()
  }
}

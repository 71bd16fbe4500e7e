// Vitest runs a file's tests one after another in microtasks, so a file of synchronous tests
// never lets its worker's event loop reach the I/O of its link to vitest: a loaded machine once
// stretched spec/csvDifferential.test.ts (~9 CPU s) to 90 s, past the link's 60 s timeout, and
// 23 "Timeout calling onTaskUpdate" errors failed a run whose 1,018 tests had passed. One turn of
// the loop after each test (setImmediate runs after the I/O poll) keeps every answer in time.
import { afterEach } from "vitest"

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)))

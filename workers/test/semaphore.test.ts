import { describe, expect, test } from 'bun:test'
import { createSemaphore } from '../src/pipeline/semaphore.ts'

describe('createSemaphore', () => {
  test('never more than the limit at once; everyone runs, in arrival order', async () => {
    const sem = createSemaphore(3)
    let running = 0
    let peak = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        sem.run(async () => {
          running++
          peak = Math.max(peak, running)
          order.push(i)
          await Bun.sleep(5)
          running--
        }),
      ),
    )
    expect(peak).toBe(3)
    expect(order).toEqual([...Array(12).keys()])
    expect(sem.active).toBe(0)
    expect(sem.waiting).toBe(0)
  })

  test('a throwing holder frees its slot', async () => {
    const sem = createSemaphore(1)
    await expect(sem.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await sem.run(async () => 'next')).toBe('next')
    expect(() => createSemaphore(0)).toThrow()
  })
})

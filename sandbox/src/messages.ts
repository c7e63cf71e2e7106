import type { JobEvent } from '@tweetbot/common/job-events'

export type MessageKind = 'dm' | 'mention'
export type PayloadApi = 'aaa' | 'xaa'

/** One POST of the delivery to the master, and what it answered. */
export interface DeliveryAttempt {
  at: number
  /** Round trip of the POST as seen by the sandbox. */
  ms: number
  status: number
  /** The master's JSON answer (queued / duplicate / ignored / rejected counts), or its text. */
  answer: unknown
}

/** A reply the bot posted to the fake X for this message. */
export interface ReceivedReply {
  at: number
  text: string
  /** The X endpoint it was posted to, e.g. `POST /2/tweets`. */
  endpoint: string
  status: number
}

export interface Photo {
  /** Path on the sandbox's web server, e.g. `/media/123.jpg`. */
  path: string
  contentType: string
  bytes: number
}

/** One thing the user sent, and everything the stack did with it. */
export interface SandboxMessage {
  /** The X event id (DM event id or tweet id): the master's dedupe key. */
  id: string
  kind: MessageKind
  api: PayloadApi
  text: string
  /** The DM sender or tweet author; each message has its own, so replies match it exactly. */
  userId: string
  photo?: Photo
  createdAt: number
  /** The exact delivery body; "send again" posts these bytes once more. */
  body: string
  deliveries: DeliveryAttempt[]
  /** Job events from the workers (JOB_EVENTS=True), in arrival order. */
  events: JobEvent[]
  replies: ReceivedReply[]
}

export type MessageListener = (message: SandboxMessage) => void

/** The sandbox's messages in memory, newest last, with change notifications for the page. */
export interface MessageStore {
  add(message: SandboxMessage): void
  get(id: string): SandboxMessage | undefined
  all(): SandboxMessage[]
  /** Applies `change` to a message and notifies listeners; false when the id is unknown. */
  update(id: string, change: (m: SandboxMessage) => void): boolean
  /** The message a user id belongs to (DM replies name the user, not the message). */
  byUser(userId: string): SandboxMessage | undefined
  subscribe(listener: MessageListener): () => void
}

export const createMessageStore = (limit = 200): MessageStore => {
  const messages = new Map<string, SandboxMessage>()
  const users = new Map<string, string>()
  const listeners = new Set<MessageListener>()
  const notify = (m: SandboxMessage) => {
    for (const l of listeners) l(m)
  }
  return {
    add: (m) => {
      messages.set(m.id, m)
      users.set(m.userId, m.id)
      // Oldest first out: a long session keeps memory bounded.
      for (const old of messages.values()) {
        if (messages.size <= limit) break
        messages.delete(old.id)
        users.delete(old.userId)
      }
      notify(m)
    },
    get: (id) => messages.get(id),
    all: () => [...messages.values()],
    update: (id, change) => {
      const m = messages.get(id)
      if (!m) return false
      change(m)
      notify(m)
      return true
    },
    byUser: (userId) => {
      const id = users.get(userId)
      return id === undefined ? undefined : messages.get(id)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** The moment the worker's prediction ended (epoch ms), when it reported one. */
export const predictedAt = (m: SandboxMessage): number | undefined => {
  for (let i = m.events.length - 1; i >= 0; i--) {
    const e = m.events[i]
    if (e?.type === 'stage' && e.stage === 'predict' && e.ok) return e.startedAt + e.ms
  }
  return undefined
}

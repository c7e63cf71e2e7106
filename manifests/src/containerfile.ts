/** A minimal Dockerfile/Containerfile reader for static checks: instructions by stage. */
export type Instruction = { op: string; args: string; line: number }
export type Stage = { from: string; name?: string; instructions: Instruction[] }

export const parseContainerfile = (text: string): Stage[] => {
  const stages: Stage[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let line = lines[i]!
    // Continuation lines end with a backslash; comments inside them are skipped like Docker does.
    while (line.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      const next = lines[++i]!.trim()
      if (!next.startsWith('#')) line = `${line.trimEnd().slice(0, -1).trimEnd()} ${next}`
    }
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const m = /^(\S+)\s*(.*)$/.exec(trimmed)!
    const op = m[1]!.toUpperCase()
    const args = m[2]!
    if (op === 'FROM') {
      const [from, as, name] = args.split(/\s+/)
      stages.push({
        from: from!,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      })
    }
    stages.at(-1)?.instructions.push({ op, args, line: start + 1 })
  }
  return stages
}

/** Source paths of a COPY (flags and destination removed); empty for COPY --from. */
export const copySources = (args: string): string[] => {
  const words = args.split(/\s+/)
  if (words.some((w) => w.startsWith('--from='))) return []
  const paths = words.filter((w) => !w.startsWith('--'))
  return paths.slice(0, -1)
}

/** The JSON-array form of CMD/ENTRYPOINT, or undefined for the shell form. */
export const execForm = (args: string): string[] | undefined => {
  try {
    const v = JSON.parse(args)
    return Array.isArray(v) ? v.map(String) : undefined
  } catch {
    return undefined
  }
}
